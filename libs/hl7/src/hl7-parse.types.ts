// The event contract lives in @alem/events (no transport); the parser builds events of its type.
import type { LabResultEvent } from '@alem/events';
import { type Hl7Encoding } from './hl7-encoding';

export type { LabResultEvent };

/**
 * An application and facility pair from MSH-3/4 (sender) or MSH-5/6 (receiver). Each is a hierarchic designator
 * as `hdText` writes it: the namespace id (`CITYLAB`), or the whole HD (`&05D0000000&CLIA`).
 */
export interface Hl7Party {
  application: string;
  facility: string;
}

/** What the MSH segment of an accepted message says. */
export interface Hl7Header {
  sender: Hl7Party;
  /** MSH-5/6; either may be empty. */
  receiver: Hl7Party;
  /** MSH-10. */
  controlId: string;
  /** MSH-12.1, e.g. `2.5.1`. */
  version: string;
  /** MSH-9.1^MSH-9.2, e.g. `ORU^R01`. */
  messageType: string;
  /** MSH-11.1: `P` production, `T` training, `D` debugging. */
  processingId: string;
  /** MSH-7 as ISO 8601, when readable. */
  sentAt?: string;
  /** Delimiters from MSH-1/MSH-2, so an ACK can answer in the sender's own encoding. */
  encoding: Hl7Encoding;
}

/** HL7 table 0357 message error condition codes used in ERR segments. */
export type Hl7ErrorCode = '100' | '101' | '102' | '103' | '200' | '201' | '202' | '203' | '205' | '207';

export interface OruParseOptions {
  /** When the gateway received the message; copied to every event as `receivedAt`. */
  receivedAt?: Date;
  /**
   * IANA time zone for timestamps sent without an offset (`YYYYMMDDHHMM` with no `+/-ZZZZ`) by a sender that
   * `timeZoneFor` does not place. `UTC` when not given: right only for labs that send UTC.
   */
  defaultTimeZone?: string;
  /**
   * The sender's own IANA zone (its registration), asked once per message with MSH-3/MSH-4; used for every
   * timestamp of the message sent without an offset, MSH-7 included. `undefined`: `defaultTimeZone`. A name
   * that is not a known zone refuses the message (AE) rather than reading its times in a guessed zone.
   */
  timeZoneFor?: (sender: Hl7Party) => string | undefined;
  /**
   * The most OBX one message may carry (default {@link DEFAULT_MAX_OBSERVATIONS}); a message with more is refused
   * whole (AR), so that no input can make parsing slow.
   */
  maxObservations?: number;
}

/** A cumulative report of a few hundred results is large; thousands in one message is not a lab report. */
export const DEFAULT_MAX_OBSERVATIONS = 1000;

/** An OBX refused on its own (the rest of the message was taken), with the patient it was about. */
export interface RefusedObservation {
  /** Its position among the message's OBX, from 1 (0 when a later check refused the event it became). */
  position: number;
  patient: { id: string; authority: string };
  /** Why, with the OBX named (`OBX 4 (718-7^LN): NM value is not a number`); no patient data. */
  reason: string;
}

export interface Hl7ParseSuccess {
  ok: true;
  header: Hl7Header;
  /** One event per accepted OBX, in message order. */
  events: LabResultEvent[];
  /** OBX segments that were skipped or adjusted, and why (no patient data in the text). */
  warnings: string[];
  /**
   * How many OBX were refused (each has a `skipped` warning). Their results are missing from `events`:
   * the caller should not treat the message as fully accepted (e.g. answer AE, or raise a data-quality alert).
   */
  skipped: number;
  /** The refused OBX, with their patients: a refused result of an enrolled patient must be dead-lettered. */
  refused: RefusedObservation[];
}

/** What an acknowledgement echoes of the message it answers: whatever of MSH could be read. */
export interface Hl7HeaderEcho {
  /** MSH-10 of the original; echoed in MSA-2. */
  controlId?: string;
  /** Original MSH-3/4: the ACK goes back to them (ACK MSH-5/6). */
  sender?: Hl7Party;
  /** Original MSH-5/6: that is us (ACK MSH-3/4). */
  receiver?: Hl7Party;
  version?: string;
  /** Original MSH-9, e.g. `ORU^R01`; its trigger event is mirrored in the ACK's MSH-9. */
  messageType?: string;
  processingId?: string;
  encoding?: Hl7Encoding;
}

/** A message refused whole; what could be read of MSH lets an ACK still echo MSH-10 and address the sender. */
export interface Hl7ParseFailure extends Hl7HeaderEcho {
  ok: false;
  /** Why the whole message was refused (no patient data in the text). */
  reason: string;
  /** `AR` for a message we do not take at all (type, version), `AE` for one that is broken. */
  ackCode: 'AE' | 'AR';
  errorCode: Hl7ErrorCode;
}

export type Hl7Parse = Hl7ParseSuccess | Hl7ParseFailure;
