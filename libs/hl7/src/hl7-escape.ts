import { type Hl7Encoding } from './hl7-encoding';

/** How `\Xhh..\` bytes are read: UTF-8 when MSH-18 says `UNICODE UTF-8`, otherwise ISO 8859-1. */
export type Hl7Charset = 'utf-8' | 'latin1';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes HL7 v2 escape sequences (v2.5.1 §2.7) in one leaf value, after it has been split into components
 * and sub-components (escapes never contain a delimiter, so splitting first is safe):
 * `\F\ \S\ \T\ \R\ \E\` give back the message's own delimiters; `\Xhh..\` hex bytes (as UTF-8 or Latin-1,
 * see {@link Hl7Charset}); `\H\ \N\` (highlighting) are dropped; formatting `\.br\` and `\.sp n\` become
 * line breaks and `\.sk n\` spaces, other formatting commands are dropped.
 *
 * Sequences it does not know (`\Z..\` local escapes, `\C..\`/`\M..\` character-set switches) and an escape
 * character without a closing one are kept verbatim, so no content disappears silently.
 */
export function unescapeHl7(text: string, encoding: Hl7Encoding, charset: Hl7Charset = 'latin1'): string {
  const esc = encoding.escape;
  if (!text.includes(esc)) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf(esc, i);
    if (start === -1) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, start);
    const end = text.indexOf(esc, start + 1);
    if (end === -1) {
      out += text.slice(start);
      break;
    }
    const body = text.slice(start + 1, end);
    const decoded = decodeSequence(body, encoding, charset);
    out += decoded ?? text.slice(start, end + 1);
    i = end + 1;
  }
  return out;
}

function decodeSequence(body: string, encoding: Hl7Encoding, charset: Hl7Charset): string | null {
  switch (body) {
    case 'F':
      return encoding.field;
    case 'S':
      return encoding.component;
    case 'T':
      return encoding.subcomponent;
    case 'R':
      return encoding.repetition;
    case 'E':
      return encoding.escape;
    case 'H':
    case 'N':
      return '';
  }
  if (/^X(?:[0-9A-Fa-f]{2})+$/.test(body)) return decodeHex(body.slice(1), charset);
  const format = /^\.([a-z]{2})([+-]?\d*)$/.exec(body);
  if (format) {
    const count = Math.max(1, Math.min(Number(format[2] || '1'), 100));
    if (format[1] === 'br') return '\n';
    if (format[1] === 'sp') return '\n'.repeat(count);
    if (format[1] === 'sk') return ' '.repeat(count);
    return '';
  }
  return null;
}

function decodeHex(hex: string, charset: Hl7Charset): string {
  const bytes = new Uint8Array(hex.length / 2);
  for (let b = 0; b < bytes.length; b++) bytes[b] = parseInt(hex.slice(b * 2, b * 2 + 2), 16);
  if (charset === 'utf-8') {
    try {
      return utf8.decode(bytes);
    } catch {
      // Not valid UTF-8 despite MSH-18: fall back to one character per byte rather than lose the bytes.
    }
  }
  // One character per byte, built without spreading the bytes as arguments (a long `\X..\` overflows the stack).
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * Escapes free text for one leaf value of an outgoing message (the inverse of {@link unescapeHl7}):
 * delimiters become `\F\ \S\ \T\ \R\ \E\`, carriage returns and line feeds `\X0D\` and `\X0A\`.
 */
export function escapeHl7(text: string, encoding: Hl7Encoding): string {
  const esc = encoding.escape;
  const table = new Map<string, string>([
    [encoding.escape, 'E'],
    [encoding.field, 'F'],
    [encoding.component, 'S'],
    [encoding.subcomponent, 'T'],
    [encoding.repetition, 'R'],
    ['\r', 'X0D'],
    ['\n', 'X0A'],
  ]);
  let out = '';
  for (const ch of text) {
    const code = table.get(ch);
    out += code === undefined ? ch : `${esc}${code}${esc}`;
  }
  return out;
}
