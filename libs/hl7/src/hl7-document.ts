import { Hl7Message, Hl7Segment } from '@medplum/core';
import { readEncoding, toHl7Context, type Hl7Encoding } from './hl7-encoding';
import { unescapeHl7, type Hl7Charset } from './hl7-escape';

const SEGMENT_NAME = /^[A-Z][A-Z0-9]{2}$/;

// MLLP start block (VT), end block (FS) and a byte-order mark around a message that was copied with them.
const FRAMING = new Set(['\u000b', '\u001c', '\ufeff']);

/** Removes white space, MLLP framing bytes and a BOM from both ends of a message. */
export function stripFraming(raw: string): string {
  let start = 0;
  let end = raw.length;
  const isFraming = (ch: string) => FRAMING.has(ch) || ch.trim() === '';
  while (start < end && isFraming(raw.charAt(start))) start++;
  while (end > start && isFraming(raw.charAt(end - 1))) end--;
  return raw.slice(start, end);
}

/**
 * A parsed HL7 v2 message: Medplum's `Hl7Message` does the splitting into segments, fields, repetitions and
 * components; this wrapper adds what it lacks for clinical use: checked MSH-1/MSH-2 delimiters, segment
 * separation that keeps a stray line feed inside a `\r`-separated message as data, bounds-safe access (Medplum
 * throws on a missing repetition and counts sub-components from 0), `""` as an empty value, and escape decoding.
 */
export class Hl7Document {
  private constructor(
    readonly message: Hl7Message,
    readonly encoding: Hl7Encoding,
    readonly charset: Hl7Charset,
  ) {}

  /**
   * Parses message text. Segments end with `\r` (the HL7 terminator); text without any `\r` is split on `\n`
   * instead, so fixture files and logs with Unix line ends are accepted. Leading MLLP start bytes, a BOM and
   * surrounding white space are ignored. Never throws.
   */
  static parse(raw: string): { ok: true; document: Hl7Document } | { ok: false; reason: string } {
    if (typeof raw !== 'string') return { ok: false, reason: 'message is not text' };
    const text = stripFraming(raw);
    if (text.length === 0) return { ok: false, reason: 'empty message' };
    const encodingRead = readEncoding(text);
    if (!encodingRead.ok) return encodingRead;
    const encoding = encodingRead.encoding;
    const lines = (text.includes('\r') ? text.split(/\r\n?/) : text.split('\n')).filter(
      (line) => line.trim() !== '',
    );
    for (const [index, line] of lines.entries()) {
      const name = line.slice(0, 3);
      if (!SEGMENT_NAME.test(name) || (line.length > 3 && line.charAt(3) !== encoding.field)) {
        return { ok: false, reason: `segment ${index + 1} is malformed (no segment name)` };
      }
    }
    const context = toHl7Context(encoding);
    let message: Hl7Message;
    try {
      message = new Hl7Message(
        lines.map((line) => Hl7Segment.parse(line, context)),
        context,
      );
    } catch {
      return { ok: false, reason: 'message could not be split into segments' };
    }
    const document = new Hl7Document(message, encoding, 'latin1');
    const charset: Hl7Charset = /UTF-?8/i.test(document.raw(document.msh, 18)) ? 'utf-8' : 'latin1';
    return { ok: true, document: new Hl7Document(message, encoding, charset) };
  }

  get msh(): Hl7Segment {
    return this.message.segments[0];
  }

  get segments(): readonly Hl7Segment[] {
    return this.message.segments;
  }

  /** The highest field number present in a segment (MSH counts MSH-1, the field separator). */
  fieldCount(segment: Hl7Segment): number {
    return segment.name === 'MSH' ? segment.fields.length : segment.fields.length - 1;
  }

  /** Number of repetitions of a field (0 when the field is absent or empty). */
  repetitions(segment: Hl7Segment, field: number): number {
    const value = this.fieldOf(segment, field);
    if (!value) return 0;
    return value.components.length === 1 && value.components[0].every((c) => c === '')
      ? 0
      : value.components.length;
  }

  /** One leaf as sent (still escaped); indices are 1-based, as in `OBX-3.1`. `""` (HL7 null) reads as empty. */
  raw(segment: Hl7Segment, field: number, component = 1, subcomponent = 1, repetition = 1): string {
    const components = this.fieldOf(segment, field)?.components[repetition - 1];
    const value = components?.[component - 1];
    if (value === undefined) return '';
    const leaf = value.split(this.encoding.subcomponent)[subcomponent - 1] ?? '';
    return leaf === '""' ? '' : leaf;
  }

  /** One leaf, escape sequences decoded and surrounding white space trimmed. */
  text(segment: Hl7Segment, field: number, component = 1, subcomponent = 1, repetition = 1): string {
    return unescapeHl7(
      this.raw(segment, field, component, subcomponent, repetition),
      this.encoding,
      this.charset,
    ).trim();
  }

  /**
   * A whole repetition as text: for fields of type ST/TX that a lab filled with an unescaped delimiter, the
   * pieces are decoded and joined back with the delimiters they were split on, so nothing is lost.
   */
  joined(segment: Hl7Segment, field: number, repetition = 1): string {
    const components = this.fieldOf(segment, field)?.components[repetition - 1] ?? [];
    const text = components
      .map((component) =>
        component
          .split(this.encoding.subcomponent)
          .map((leaf) => unescapeHl7(leaf, this.encoding, this.charset))
          .join(this.encoding.subcomponent),
      )
      .join(this.encoding.component);
    return text === '""' ? '' : text.trim();
  }

  /** All repetitions of a field as text (see {@link joined}), joined back with the repetition character. */
  joinedRepetitions(segment: Hl7Segment, field: number): string {
    const parts: string[] = [];
    for (let r = 1; r <= this.repetitions(segment, field); r++) parts.push(this.joined(segment, field, r));
    return parts.join(this.encoding.repetition).trim();
  }

  private fieldOf(segment: Hl7Segment, field: number) {
    if (field < 1 || field > this.fieldCount(segment)) return undefined;
    return segment.getField(field);
  }
}
