import { Hl7Message, Hl7Segment } from '@medplum/core';
import { STANDARD_ENCODING, toHl7Context } from './hl7-encoding';
import { escapeHl7 } from './hl7-escape';
import { readLeadingMsh } from './hl7-header';
import { type Hl7ErrorCode, type Hl7HeaderEcho, type Hl7Party } from './hl7-parse.types';
import { formatHl7Timestamp } from './hl7-timestamp';

export type AckCode = 'AA' | 'AE' | 'AR';

/**
 * What an ACK needs to know about the message it answers. An `Hl7Header` (from a successful parse) and an
 * `Hl7ParseFailure` both fit, so `buildAck(parse.header, 'AA')` and `buildAck(failure, failure.ackCode,
 * failure.reason)` work as they are.
 */
export interface AckOriginal extends Hl7HeaderEcho {
  errorCode?: Hl7ErrorCode;
}

export interface AckOptions {
  /** MSH-7 of the ACK. Defaults to the current time; pass it for reproducible output. */
  now?: Date;
  /** MSH-10 of the ACK. Defaults to the original control id prefixed with `ACK`, cut to 20 characters. */
  controlId?: string;
  /** HL7 table 0357 code for ERR; defaults to the original's `errorCode`, else 207 (application error). */
  errorCode?: Hl7ErrorCode;
  /** Our own application/facility, used when the original left MSH-5/6 empty. */
  receiver?: Hl7Party;
}

const ERROR_TEXT: Readonly<Record<Hl7ErrorCode, string>> = {
  '100': 'Segment sequence error',
  '101': 'Required field missing',
  '102': 'Data type error',
  '103': 'Table value not found',
  '200': 'Unsupported message type',
  '201': 'Unsupported event code',
  '202': 'Unsupported processing id',
  '203': 'Unsupported version id',
  '205': 'Duplicate key identifier',
  '207': 'Application internal error',
};

// MSA-3 and ERR-8 are 80 characters in v2.3 to 2.5.1.
const MAX_TEXT = 80;

/**
 * Builds an original-mode acknowledgement (MSH, MSA and, for AE/AR, ERR) for a message, given either its
 * parsed header (or parse failure) or its raw text; only the MSH of raw text is read, so even a message that
 * failed to parse can be answered. MSA-2 echoes the original MSH-10. The reason text goes to MSA-3 and to ERR:
 * from v2.5 on ERR-3 carries the table 0357 code, ERR-4 severity `E` and ERR-8 the text; before v2.5 ERR-1
 * (ELD) carries `^^^code&text&HL70357`. Free text is escaped and cut to 80 characters. The ACK uses the
 * original's encoding characters and version; segments are joined with `\r` (no trailing terminator, as
 * Medplum's `Hl7Message.toString`).
 *
 * Medplum's `Hl7Message.buildAck` is not used: it stamps MSH-10 and MSH-7 from the clock, hard-codes MSH-11
 * `P`, cannot put a reason in MSA-3, leaves ERR to the caller and needs a fully parsed message. Its segment
 * classes still assemble the result.
 */
export function buildAck(
  original: AckOriginal | string,
  code: AckCode,
  text?: string,
  options: AckOptions = {},
): string {
  // The ACK is the last line of defence: whatever the input, the sender gets an answer rather than a thrown error.
  try {
    return assembleAck(original, code, text, options);
  } catch {
    try {
      return assembleAck({}, code, text, options);
    } catch {
      return bareAck(code);
    }
  }
}

function assembleAck(
  original: AckOriginal | string,
  code: AckCode,
  text: string | undefined,
  options: AckOptions,
): string {
  const source = typeof original === 'string' ? fromRawText(original) : original;
  const encoding = source.encoding ?? STANDARD_ENCODING;
  const e = (value: string) => escapeHl7(value, encoding);
  const version = source.version || '2.5.1';
  const trigger = (source.messageType ?? '').split('^')[1] ?? '';
  // `messageType` is written with ^ (our notation); the ACK uses the message's own component separator.
  const c = encoding.component;
  const messageType =
    trigger === ''
      ? 'ACK'
      : compareVersions(version, '2.3.1') >= 0
        ? `ACK${c}${trigger}${c}ACK`
        : `ACK${c}${trigger}`;
  const us = {
    application: source.receiver?.application || options.receiver?.application || '',
    facility: source.receiver?.facility || options.receiver?.facility || '',
  };
  const controlId = source.controlId ?? '';
  const ackControlId = options.controlId ?? `ACK${controlId}`.slice(0, 20);
  const message = code === 'AA' ? text : text || 'Message not accepted';
  const msaText = message ? escapeWithin(message, MAX_TEXT, e) : undefined;
  // MSH-5/6 and MSH-3/4 are hierarchic designators: `hdText`'s `&` between their parts become components again.
  const hd = (value: string) => value.split('&').map(e).join(c);

  const context = toHl7Context(encoding);
  const segments = [
    new Hl7Segment(
      [
        'MSH',
        encoding.component + encoding.repetition + encoding.escape + encoding.subcomponent,
        hd(us.application),
        hd(us.facility),
        hd(source.sender?.application ?? ''),
        hd(source.sender?.facility ?? ''),
        formatHl7Timestamp(options.now ?? new Date()),
        '',
        messageType,
        e(ackControlId),
        e(source.processingId || 'P'),
        e(version),
      ],
      context,
    ),
    new Hl7Segment(
      msaText === undefined ? ['MSA', code, e(controlId)] : ['MSA', code, e(controlId), msaText],
      context,
    ),
  ];
  if (code !== 'AA') {
    const errorCode = options.errorCode ?? source.errorCode ?? '207';
    const s = encoding.subcomponent;
    segments.push(
      new Hl7Segment(
        compareVersions(version, '2.5') >= 0
          ? [
              'ERR',
              '',
              '',
              `${errorCode}${c}${e(ERROR_TEXT[errorCode])}${c}HL70357`,
              'E',
              '',
              '',
              '',
              msaText ?? '',
            ]
          : ['ERR', `${c}${c}${c}${errorCode}${s}${msaText ?? e(ERROR_TEXT[errorCode])}${s}HL70357`],
        context,
      ),
    );
  }
  return new Hl7Message(segments, context).toString();
}

/**
 * Escapes text and cuts it to `max` characters *after* escaping (80 `^` become 240 characters once escaped),
 * never inside an escape sequence.
 */
function escapeWithin(text: string, max: number, escape: (value: string) => string): string {
  let out = '';
  for (const ch of text) {
    const piece = escape(ch);
    if (out.length + piece.length > max) break;
    out += piece;
  }
  return out;
}

/** The answer when nothing of the original can be echoed: standard encoding, our own names, no MSA-2. */
function bareAck(code: AckCode): string {
  return [
    `MSH|^~\\&|ALEM|INGEST-GATEWAY|||${formatHl7Timestamp(new Date())}||ACK|ACK|P|2.5.1`,
    `MSA|${code}||Message not accepted`,
    ...(code === 'AA' ? [] : ['ERR||||E||||Message not accepted']),
  ].join('\r');
}

function fromRawText(raw: string): AckOriginal {
  // Only MSH matters for the answer; the rest of the message may be what made it fail.
  const head = readLeadingMsh(raw);
  if (!head) return {};
  const { msh, encoding } = head;
  return {
    controlId: msh.controlId,
    sender: msh.sender,
    receiver: msh.receiver,
    version: msh.version,
    messageType: msh.messageType,
    processingId: msh.processingId,
    encoding,
  };
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
