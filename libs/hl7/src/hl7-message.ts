import { LAB_RESULT_LIMITS } from '@alem/events';
import { type Hl7Segment } from '@medplum/core';
import { Info, type Zone } from 'luxon';
import { hdText, readHdComponent } from './hierarchic-designator';
import { Hl7Document } from './hl7-document';
import { readLeadingMsh, readMsh, type MshFields } from './hl7-header';
import {
  type Hl7ErrorCode,
  type Hl7Header,
  type Hl7ParseFailure,
  type OruParseOptions,
} from './hl7-parse.types';
import { parseHl7Timestamp } from './hl7-timestamp';

/*
 * What every inbound message parser (ORU^R01 results, RAS/RDS/RDE pharmacy) does the same way: the MSH checks
 * and the whole-message refusal they answer with, the sender's time zone, and the patient chosen from PID-3.
 */

/** HL7 versions whose message layouts the parsers were written and tested against. */
export const SUPPORTED_HL7_VERSIONS: readonly string[] = ['2.3', '2.3.1', '2.4', '2.5', '2.5.1'];

const { id: MAX_ID, hd: MAX_HD } = LAB_RESULT_LIMITS;

/** The reason of a refusal caused by a bug in a parser (it caught what it threw). */
export const INTERNAL_ERROR_REASON = 'internal error while parsing the message';

export function internalError(): Hl7ParseFailure {
  return { ok: false, reason: INTERNAL_ERROR_REASON, ackCode: 'AE', errorCode: '207' };
}

export interface Hl7Patient {
  id: string;
  authority: string;
}

export type Fail = (reason: string, errorCode: Hl7ErrorCode, ackCode?: 'AE' | 'AR') => Hl7ParseFailure;

/** A message whose MSH passed the common checks, with the sender's zone to read its local times in. */
export interface OpenedMessage {
  document: Hl7Document;
  msh: MshFields;
  /** A whole-message refusal that echoes what MSH said. */
  fail: Fail;
}

export interface SenderClock {
  zone: Zone;
  zoneName: string;
  /** MSH-7 read in the sender's zone. */
  sent: ReturnType<typeof parseHl7Timestamp>;
}

type ZoneOptions = Pick<OruParseOptions, 'defaultTimeZone' | 'timeZoneFor'>;

/**
 * Parses the text and checks its MSH: a known default zone, a message type this parser `takes` (else AR 200),
 * MSH-12 present and supported (AR 203), MSH-10/3/4 present and within the event's limits (AE 101/102).
 */
export function openMessage(
  text: string,
  options: ZoneOptions,
  takes: (msh: MshFields) => boolean,
): { ok: true; message: OpenedMessage } | { ok: false; failure: Hl7ParseFailure } {
  const defaultZoneName = options.defaultTimeZone ?? 'UTC';
  if (!resolveZone(defaultZoneName)) {
    return {
      ok: false,
      failure: {
        ok: false,
        reason: `unknown default time zone ${defaultZoneName}`,
        ackCode: 'AE',
        errorCode: '207',
      },
    };
  }
  const read = Hl7Document.parse(text);
  if (!read.ok) return { ok: false, failure: unreadable(text, read.reason, takes) };
  const document = read.document;
  const msh = readMsh(document);
  const fail: Fail = (reason, errorCode, ackCode = 'AE') => ({
    ok: false,
    reason,
    ackCode,
    errorCode,
    ...mshForAck(msh),
    encoding: document.encoding,
  });
  const refuse = (reason: string, errorCode: Hl7ErrorCode, ackCode: 'AE' | 'AR' = 'AE') => ({
    ok: false as const,
    failure: fail(reason, errorCode, ackCode),
  });
  if (!takes(msh)) return refuse(`unsupported message type ${msh.messageType || '(none)'}`, '200', 'AR');
  if (document.fieldCount(document.msh) < 12 || msh.version === '') {
    return refuse('MSH-12 version is missing (message truncated?)', '101');
  }
  if (!SUPPORTED_HL7_VERSIONS.includes(msh.version)) {
    return refuse(`unsupported HL7 version ${msh.version}`, '203', 'AR');
  }
  if (msh.controlId === '') return refuse('MSH-10 message control id is missing', '101');
  if (msh.sender.application === '') return refuse('MSH-3 sending application is missing', '101');
  if (msh.sender.facility === '') return refuse('MSH-4 sending facility is missing', '101');
  if (msh.controlId.length > MAX_ID) return refuse(`MSH-10 is longer than ${MAX_ID} characters`, '102');
  if ([msh.sender.application, msh.sender.facility].some((v) => v.length > MAX_HD)) {
    return refuse(`MSH-3 or MSH-4 is longer than ${MAX_HD} characters`, '102');
  }
  return { ok: true, message: { document, msh, fail } };
}

/**
 * The sender's own zone (`timeZoneFor`, else `defaultTimeZone`, else UTC), in which every time the message sends
 * without an offset is read, MSH-7 included. A registered name that is not a zone refuses the message (AE).
 */
export function senderClock(
  message: OpenedMessage,
  options: ZoneOptions,
): { ok: true; clock: SenderClock } | { ok: false; failure: Hl7ParseFailure } {
  const { msh, fail } = message;
  const defaultZoneName = options.defaultTimeZone ?? 'UTC';
  const registered = options.timeZoneFor?.(msh.sender);
  const zoneName = registered ?? defaultZoneName;
  const zone = resolveZone(zoneName);
  if (!zone) {
    const sender = `${msh.sender.application}^${msh.sender.facility}`;
    return {
      ok: false,
      failure: fail(`unknown time zone ${registered} registered for sender ${sender}`, '207'),
    };
  }
  return { ok: true, clock: { zone, zoneName, sent: parseHl7Timestamp(msh.sent, zone) } };
}

/** The header of an accepted message. */
export function headerOf(message: OpenedMessage, clock: SenderClock): Hl7Header {
  const { msh, document } = message;
  return {
    sender: msh.sender,
    receiver: msh.receiver,
    controlId: msh.controlId,
    version: msh.version,
    messageType: msh.messageType,
    processingId: msh.processingId,
    ...(clock.sent.ok ? { sentAt: clock.sent.iso } : {}),
    encoding: document.encoding,
  };
}

/** `receivedAt` as ISO, or undefined with a warning when the option is not a valid date. */
export function receivedIso(receivedAt: Date | undefined, warnings: string[]): string | undefined {
  const iso = receivedAt && !Number.isNaN(receivedAt.getTime()) ? receivedAt.toISOString() : undefined;
  if (receivedAt && !iso) warnings.push('receivedAt option is not a valid date; left out');
  return iso;
}

/**
 * A message that could not be split into segments. When its first line is a readable MSH of a type the parser
 * does not take, the answer is the one that type gets anyway (AR 200: we do not take it), not a complaint about
 * a segment we would never have read.
 */
function unreadable(text: string, reason: string, takes: (msh: MshFields) => boolean): Hl7ParseFailure {
  const head = readLeadingMsh(text);
  if (head) {
    const { msh, encoding } = head;
    if (msh.messageType !== '' && !takes(msh)) {
      return {
        ok: false,
        reason: `unsupported message type ${msh.messageType}`,
        ackCode: 'AR',
        errorCode: '200',
        ...mshForAck(msh),
        encoding,
      };
    }
  }
  return { ok: false, reason, ackCode: 'AE', errorCode: '102' };
}

// Validating an IANA zone costs a formatter per call in Luxon; a feed uses a handful of zones.
const zones = new Map<string, Zone | null>();

export function resolveZone(name: string): Zone | null {
  let zone = zones.get(name);
  if (zone === undefined) {
    // Luxon's own reading of a zone name: `UTC` becomes its fixed zero offset (written `Z`), others IANA zones.
    const normalised = Info.normalizeZone(name);
    zone = normalised.isValid ? normalised : null;
    if (zones.size < 100) zones.set(name, zone);
  }
  return zone;
}

function mshForAck(msh: MshFields): Partial<Hl7ParseFailure> {
  // A party too long to be one is not echoed back at its sender (a refusal of a 300 kB MSH-3 stays small).
  const fit = (party: MshFields['sender']) => ({
    application: party.application.length <= MAX_HD ? party.application : '',
    facility: party.facility.length <= MAX_HD ? party.facility : '',
  });
  const out: Partial<Hl7ParseFailure> = {
    sender: fit(msh.sender),
    receiver: fit(msh.receiver),
  };
  if (msh.controlId) out.controlId = msh.controlId;
  if (msh.version) out.version = msh.version;
  if (msh.messageType) out.messageType = msh.messageType;
  if (msh.processingId) out.processingId = msh.processingId;
  return out;
}

/**
 * The patient identifier: among the PID-3 repetitions that have both an id (PID-3.1) and an assigning
 * authority (PID-3.4.1), the first of type MR (PID-3.5), else the first. Never a name.
 */
export function selectPatient(
  document: Hl7Document,
  pid: Hl7Segment,
): { ok: true; patient: Hl7Patient } | { ok: false; reason: string } {
  const count = document.repetitions(pid, 3);
  const identifiers: Array<Hl7Patient & { type: string }> = [];
  for (let r = 1; r <= count; r++) {
    identifiers.push({
      id: document.text(pid, 3, 1, 1, r),
      // A hierarchic designator: `CITYHOSP`, or a universal id alone (`&2.16.840.1.113883.19.5&ISO`).
      authority: hdText(readHdComponent(document, pid, 3, 4, r)),
      type: document.text(pid, 3, 5, 1, r).toUpperCase(),
    });
  }
  if (!identifiers.some((i) => i.id !== ''))
    return { ok: false, reason: 'PID-3 patient identifier is missing' };
  const usable = identifiers.filter((i) => i.id !== '' && i.authority !== '');
  if (usable.length === 0) {
    return { ok: false, reason: 'PID-3 has no identifier with an assigning authority (PID-3.4)' };
  }
  const chosen = usable.find((i) => i.type === 'MR') ?? usable[0];
  if (chosen.id.length > MAX_ID) {
    return { ok: false, reason: `PID-3 identifier is longer than ${MAX_ID} characters` };
  }
  if (chosen.authority.length > MAX_HD) {
    return { ok: false, reason: `PID-3.4 assigning authority is longer than ${MAX_HD} characters` };
  }
  return { ok: true, patient: { id: chosen.id, authority: chosen.authority } };
}
