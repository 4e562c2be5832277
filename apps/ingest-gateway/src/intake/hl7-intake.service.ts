import { Injectable, Logger, Optional } from '@nestjs/common';
import {
  type AckCode,
  buildAck,
  type Hl7Header,
  type Hl7Parse,
  type Hl7ParseFailure,
  type Hl7ParseSuccess,
  type Hl7Party,
  isPharmacyMessage,
  parseOruR01,
  parsePharmacyMessage,
  type PharmacyParse,
  type PharmacyParseSuccess,
} from '@alem/hl7';
import { checkBuiltEvent, labResultKey, parseMedicationAdministrationEvent } from '@alem/events';
import { CONTENT_TYPES, HEADERS, TOPICS } from '@alem/messaging';
import { type AppConfig, Clock, InjectConfig } from '@alem/runtime';
import { GatewayMetrics } from '../gateway.metrics';
import { RegisteredSenders } from '../senders/registered-senders';
import {
  administrationRecord,
  KafkaUnavailableError,
  type Refusal,
  ResultPublisher,
} from './result.publisher';

/** The segment each administration of a pharmacy message comes from, for the answer's "n of m RXA". */
const PHARMACY_SEGMENT: Record<PharmacyParseSuccess['messageType'], string> = {
  'RAS^O17': 'RXA',
  'RDS^O13': 'RXD',
  'RDE^O11': 'RXE',
};

export type IngestChannel = 'mllp' | 'http';

/** One HL7 message as it arrived: the bytes inside the MLLP frame or the HTTP body, untouched. */
export interface ReceivedHl7 {
  raw: Buffer;
  channel: IngestChannel;
  receivedAt: Date;
  /** The registered sender the connection or API key authenticated (null: the local stack's open listener). */
  authenticatedSender?: string | null;
  /** Where it came from (MLLP: the peer's address), recorded with a refusal. */
  peer?: string;
}

/** What became of a message, and the original-mode ACK that says so. */
export interface Hl7Intake {
  ackCode: AckCode;
  /** The ACK message (segments joined with `\r`, unframed). */
  ack: string;
  /** MSH-10, when it could be read. */
  controlId: string | null;
  /**
   * Where the message went: the results topic, the administrations topic (a pharmacy message; its refused RXA,
   * if any, dead-lettered beside), the DLQ topic, or nowhere (Kafka unavailable: retry).
   */
  destination: 'results' | 'administrations' | 'dlq' | 'none';
  /** Why the message was not (fully) accepted; no patient data. */
  reason: string | null;
  /** When the message did not parse: the parser's verdict (`AE` broken, `AR` type or version not taken). */
  refusal: 'AE' | 'AR' | null;
  /**
   * OBX the parser refused (the message was still produced whole; the processor refuses the same ones), or
   * RXA / RXD / RXE the pharmacy reader refused (the rest produced, the message dead-lettered with the reason).
   */
  skipped: number;
  warnings: string[];
}

/** A message as the intake read it: a lab result (ORU^R01) or a pharmacy message (RAS^O17, RDS^O13, RDE^O11). */
export type IntakeParse = Hl7Parse | PharmacyParse;

/** Whether a parse is of a pharmacy message, taken onto the administrations topic rather than the results topic. */
export function isAdministrationParse(parse: IntakeParse): parse is PharmacyParseSuccess {
  return parse.ok && 'messageType' in parse;
}

export interface Hl7ReadOptions {
  receivedAt: Date;
  defaultTimeZone: string;
  /** The sender's registered zone (pharmacy messages; results are read in the processor's). */
  timeZoneFor?: (sender: Hl7Party) => string | undefined;
  /** The most OBX one ORU^R01 may carry (pharmacy messages: the reader's own limit of administrations). */
  maxObservations?: number;
}

/**
 * The routing decision, on MSH-9 alone: RAS^O17, RDS^O13 and RDE^O11 go to the pharmacy reader, everything
 * else to the ORU^R01 reader (which refuses other types with AR, ERR 200, as before). Pure; never throws.
 */
export function readHl7(text: string, options: Hl7ReadOptions): IntakeParse {
  const { receivedAt, defaultTimeZone, maxObservations, timeZoneFor } = options;
  if (isPharmacyMessage(text)) {
    const parse = parsePharmacyMessage(text, {
      receivedAt,
      defaultTimeZone,
      ...(timeZoneFor ? { timeZoneFor } : {}),
    });
    return parse.ok ? withinContract(parse, administrationContract) : parse;
  }
  const parse = parseOruR01(text, { receivedAt, defaultTimeZone, maxObservations });
  return parse.ok ? withinContract(parse, resultContract) : parse;
}

type ContractCheck = { ok: true } | { ok: false; reason: string };
const resultContract = (event: Hl7ParseSuccess['events'][number]): ContractCheck => checkBuiltEvent(event);
const administrationContract = (event: PharmacyParseSuccess['events'][number]): ContractCheck =>
  parseMedicationAdministrationEvent(event);

/**
 * The readers build their events to the lab-result.v1 / medication-administration.v1 contracts; should one not
 * pass it all the same, it is refused here like any other OBX or RXA (the sender hears AE), exactly as a
 * consumer would dead-letter it, rather than acknowledged and then dropped.
 */
function withinContract<P extends Hl7ParseSuccess | PharmacyParseSuccess>(
  parse: P,
  check: (event: P['events'][number]) => ContractCheck,
): P {
  const events: Array<P['events'][number]> = [];
  const refused = [...parse.refused];
  const warnings = [...parse.warnings];
  for (const event of parse.events) {
    const checked = check(event);
    if (checked.ok) {
      events.push(event);
      continue;
    }
    warnings.push(checked.reason.replace('): ', '): skipped, '));
    refused.push({ position: 0, patient: event.patient, reason: checked.reason });
  }
  if (events.length === parse.events.length) return parse;
  return { ...parse, events, warnings, refused, skipped: refused.length };
}

/** Our MSH-3/4 in an ACK when the sender left MSH-5/6 empty. */
export const GATEWAY_PARTY: Hl7Party = { application: 'ALEM', facility: 'INGEST-GATEWAY' };

/**
 * Takes one HL7 v2 message from a lab and answers it (original mode), the same way on every channel:
 *
 * - parsed as RAS^O17, RDS^O13 or RDE^O11 (`readHl7`) → each administration produced as one
 *   `medication-administration.v1` JSON event to `medication.administrations.v1` (key `<authority>|<patient id>`,
 *   the key of the patient's results) → **AA**, or **AE** naming how many RXA / RXD / RXE were refused (the
 *   rest is produced; the message is dead-lettered whole with the reason, the refusals' only record);
 * - parsed as ORU^R01 → produced as one Kafka message to `lab.results.v1` (the raw bytes, `content-type:
 *   application/hl7-v2`, key `<authority>|<patient id>` of the first patient) → **AA** once Kafka acknowledged
 *   it, or **AE** when the parser refused some OBX (the message is still produced: the processor stores the rest
 *   and dead-letters the same refusals; the lab learns that something was not taken);
 * - refused by the parser → produced to `lab.results.dlq.v1` with the reason in headers → **AE** (broken), or
 *   **AR** with ERR 200/203 when the parser does not take the type or version at all;
 * - Kafka did not acknowledge within the produce timeout (either topic) → **AR**, ERR 207: nothing was
 *   accepted, the sender must send again.
 */
@Injectable()
export class Hl7IntakeService {
  private readonly logger = new Logger(Hl7IntakeService.name);

  constructor(
    private readonly publisher: ResultPublisher,
    private readonly metrics: GatewayMetrics,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: AppConfig,
    // The registrations, for the zone of a pharmacy message's times (unit tests go without: the default zone).
    @Optional() private readonly senders?: RegisteredSenders,
  ) {}

  /** Parses a message (pure; never throws). Callers that must check the sender first call this, then `take`. */
  read(message: ReceivedHl7): IntakeParse {
    // Results: the global default zone, not the sender's registration: this parse only decides acceptance and
    // the Kafka key (the raw bytes are produced, and the processor reads the times in the sender's registered
    // zone). A zone cannot make a time unreadable, so the answer is the same either way. Administrations are
    // produced as events with their instants, so a time written without an offset is read here in the sender's
    // registered zone (the registrations are in memory: MLLP intake never waits on Postgres for it), as the
    // processor reads a result's; the default only for a sender registered without one.
    const directory = this.senders?.directory;
    return readHl7(message.raw.toString('utf8'), {
      receivedAt: message.receivedAt,
      defaultTimeZone: this.config.hl7.defaultTimeZone,
      maxObservations: this.config.hl7.maxObservations,
      ...(directory ? { timeZoneFor: (sender: Hl7Party) => directory.timeZoneOf(sender) } : {}),
    });
  }

  async take(message: ReceivedHl7, parse: IntakeParse = this.read(message)): Promise<Hl7Intake> {
    this.metrics.bytes.inc({ channel: message.channel }, message.raw.length);
    const intake = !parse.ok
      ? await this.deadLetter(message, parse, parse.reason, parse.ackCode)
      : isAdministrationParse(parse)
        ? await this.publishAdministrations(message, parse)
        : await this.publish(message, parse);
    this.metrics.messages.inc({ channel: message.channel, outcome: intake.ackCode.toLowerCase() });
    const what = `${message.channel} message ${intake.controlId ?? '(no MSH-10)'}`;
    if (intake.ackCode === 'AA') this.logger.debug(`${what}: AA`);
    else this.logger.warn(`${what}: ${intake.ackCode} (${intake.destination}): ${intake.reason}`);
    return intake;
  }

  /**
   * AE for a message larger than the limit. It was never held whole, so it cannot be dead-lettered: the answer
   * is how the lab learns (MSA-3 and ERR give the limit). Only its first bytes are read, for MSH.
   */
  refuseOversize(head: Buffer, limit: number, channel: IngestChannel): string {
    const read = parseOruR01(head.toString('utf8'));
    const original = read.ok ? read.header : read;
    const reason = `message larger than ${limit} bytes; not accepted`;
    this.metrics.messages.inc({ channel, outcome: 'ae' });
    this.logger.warn(`${channel} message ${original.controlId || '(no MSH-10)'}: AE: ${reason}`);
    return this.ack(original, 'AE', reason, '207');
  }

  /** AR for a message whose fate is unknown (an unexpected error): the sender must send it again. */
  refuseOnError(message: ReceivedHl7): string {
    this.metrics.messages.inc({ channel: message.channel, outcome: 'ar' });
    // `buildAck` never throws; only the MSH line is read, so the cost does not grow with the message.
    return this.ack(message.raw.toString('utf8'), 'AR', 'internal error; send the message again', '207');
  }

  private async publish(message: ReceivedHl7, parse: Hl7ParseSuccess): Promise<Hl7Intake> {
    const first = parse.events[0];
    const controlId = parse.header.controlId;
    try {
      await this.publisher.publish(TOPICS.labResults, [
        {
          // Per-patient order on one partition. A message of several patients (several PID groups) is keyed
          // by its first; one whose OBX were all refused has no patient to key by, and nothing to order.
          key: first ? labResultKey(first.patient) : null,
          value: message.raw,
          headers: {
            [HEADERS.contentType]: CONTENT_TYPES.hl7v2,
            [HEADERS.receivedAt]: message.receivedAt.toISOString(),
            ...(message.authenticatedSender
              ? { [HEADERS.authenticatedSender]: message.authenticatedSender }
              : {}),
          },
        },
      ]);
    } catch (error) {
      return this.unavailable(parse.header, controlId, error);
    }
    const base = { controlId, destination: 'results' as const, refusal: null, warnings: parse.warnings };
    if (parse.skipped === 0) {
      return { ...base, ackCode: 'AA', ack: this.ack(parse.header, 'AA'), reason: null, skipped: 0 };
    }
    const total = parse.skipped + parse.events.length;
    const firstRefusal = parse.warnings.find((w) => w.includes(': skipped, ')) ?? '';
    const reason = `${parse.skipped} of ${total} OBX not accepted; ${firstRefusal}`;
    return {
      ...base,
      ackCode: 'AE',
      ack: this.ack(parse.header, 'AE', reason, '207'),
      reason,
      skipped: parse.skipped,
    };
  }

  /**
   * A pharmacy message's administrations, each one JSON event on `medication.administrations.v1` keyed by its
   * patient. RXA (RXD, RXE) the reader refused have no event and no consumer that would see them: the message is
   * dead-lettered whole with the reason (after the accepted events are produced), and the sender hears AE naming
   * how many. Either write unacknowledged → AR 207: resending is safe, the consumer is idempotent.
   */
  private async publishAdministrations(
    message: ReceivedHl7,
    parse: PharmacyParseSuccess,
  ): Promise<Hl7Intake> {
    const controlId = parse.header.controlId;
    const receivedAt = message.receivedAt.toISOString();
    const total = parse.events.length + parse.skipped;
    const segment = PHARMACY_SEGMENT[parse.messageType];
    const reason =
      parse.skipped === 0
        ? null
        : `${parse.skipped} of ${total} ${segment} not accepted; ${parse.refused[0]?.reason ?? parse.warnings[0] ?? ''}`;
    try {
      if (parse.events.length > 0) {
        await this.publisher.publish(
          TOPICS.medicationAdministrations,
          parse.events.map((event) => administrationRecord(event, receivedAt, message.authenticatedSender)),
        );
      }
      if (reason !== null) {
        await this.publisher.deadLetter([this.refusalOf(message, reason)], this.clock.now());
      }
    } catch (error) {
      return this.unavailable(parse.header, controlId, error);
    }
    const base = {
      controlId,
      destination: 'administrations' as const,
      refusal: null,
      warnings: parse.warnings,
    };
    if (reason === null) {
      return { ...base, ackCode: 'AA', ack: this.ack(parse.header, 'AA'), reason: null, skipped: 0 };
    }
    return {
      ...base,
      ackCode: 'AE',
      ack: this.ack(parse.header, 'AE', reason, '207'),
      reason,
      skipped: parse.skipped,
    };
  }

  /**
   * AR for a message whose sender is not who its connection or key authenticated, or that reports for an
   * assigning authority its sender is not bound to (issue 14): nothing of it is taken. It is dead-lettered with
   * the reason (and the peer's address) so that the refusal is on record and a mistaken registration can be
   * put right and the message replayed.
   */
  async refuseSender(message: ReceivedHl7, parse: IntakeParse, reason: string): Promise<Hl7Intake> {
    this.metrics.bytes.inc({ channel: message.channel }, message.raw.length);
    const original = parse.ok ? parse.header : parse;
    const intake = await this.deadLetter(message, original, reason, 'AR', '207');
    this.metrics.messages.inc({ channel: message.channel, outcome: intake.ackCode.toLowerCase() });
    this.logger.warn(
      `${message.channel} message ${intake.controlId ?? '(no MSH-10)'}${message.peer ? ` from ${message.peer}` : ''}: ${intake.ackCode} (${intake.destination}): ${reason}`,
    );
    return intake;
  }

  private async deadLetter(
    message: ReceivedHl7,
    original: Hl7ParseFailure | Hl7Header,
    reason: string,
    ackCode: 'AE' | 'AR',
    errorCode?: '207',
  ): Promise<Hl7Intake> {
    const controlId = original.controlId || null;
    try {
      await this.publisher.deadLetter([this.refusalOf(message, reason)], this.clock.now());
    } catch (error) {
      return this.unavailable(original, controlId, error);
    }
    return {
      ackCode,
      ack: this.ack(original, ackCode, reason, errorCode),
      controlId,
      destination: 'dlq',
      reason,
      refusal: ackCode,
      skipped: 0,
      warnings: [],
    };
  }

  /** The message whole on the DLQ topic, with why, through which door and from whom. */
  private refusalOf(message: ReceivedHl7, reason: string): Refusal {
    return {
      value: message.raw,
      contentType: CONTENT_TYPES.hl7v2,
      reason,
      source: `ingest-gateway/${message.channel}`,
      receivedAt: message.receivedAt.toISOString(),
      sender: message.authenticatedSender,
      peer: message.peer,
    };
  }

  private unavailable(
    original: Parameters<typeof buildAck>[0],
    controlId: string | null,
    error: unknown,
  ): Hl7Intake {
    if (!(error instanceof KafkaUnavailableError)) throw error;
    this.logger.warn(`message ${controlId ?? '(no MSH-10)'} not accepted: ${error.message}`);
    const reason = 'temporarily unable to store the message; send it again';
    return {
      ackCode: 'AR',
      ack: this.ack(original, 'AR', reason, '207'),
      controlId,
      destination: 'none',
      reason,
      refusal: null,
      skipped: 0,
      warnings: [],
    };
  }

  private ack(
    original: Parameters<typeof buildAck>[0],
    code: AckCode,
    text?: string,
    errorCode?: '207',
  ): string {
    return buildAck(original, code, text, {
      now: this.clock.now(),
      receiver: GATEWAY_PARTY,
      ...(errorCode ? { errorCode } : {}),
    });
  }
}
