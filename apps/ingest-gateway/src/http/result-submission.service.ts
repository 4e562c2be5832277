import { Injectable, Logger } from '@nestjs/common';
import { type ApiKeyPrincipal, authorityRefusal, type SenderCredentials } from '@alem/access';
import { type Hl7Party } from '@alem/hl7';
import { type LabResultEvent, parseLabResultEvent, senderForms } from '@alem/events';
import { CONTENT_TYPES, TOPICS } from '@alem/messaging';
import { Clock } from '@alem/runtime';
import { GatewayMetrics } from '../gateway.metrics';
import { Hl7IntakeService, type IntakeParse } from '../intake/hl7-intake.service';
import { KafkaUnavailableError, ResultPublisher, resultRecord } from '../intake/result.publisher';
import { hl7SenderCheck } from '../senders/hl7-sender-check';
import { RegisteredSenders } from '../senders/registered-senders';
import { IngestRefusal, retryLater } from './ingest.errors';
import { keySenderRegistration } from './sender-registration';

/** Media types taken as HL7 v2 (ER7, the pipe-delimited encoding). */
export const HL7_MEDIA_TYPES: readonly string[] = [CONTENT_TYPES.hl7v2, 'x-application/hl7-v2+er7'];

/** The most events one JSON submission may carry (the body limit applies as well). */
export const MAX_EVENTS_PER_REQUEST = 1000;

export interface Hl7Accepted {
  status: 'accepted';
  /** What the message was taken as: lab results (ORU^R01) or medication administrations (RAS, RDS, RDE). */
  taken: 'results' | 'administrations';
  controlId: string;
  /** `AA`, or `AE` when the parser refused some OBX or RXA (the rest was accepted; `reason` and `warnings` say which). */
  ackCode: 'AA' | 'AE';
  reason?: string;
  skipped: number;
  warnings: string[];
  /** The original-mode ACK an MLLP sender would have received. */
  ack: string;
}

export interface EventsAccepted {
  status: 'accepted';
  accepted: number;
  messageControlIds: string[];
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Whether the key's sender is the one a message names, in any form its hierarchic designators allow. */
const sendsAs = (lab: ApiKeyPrincipal, party: Hl7Party) => senderForms(party).includes(lab.sender);

/**
 * `POST /v1/results` for labs that speak HTTP: an HL7 v2 body, ORU^R01 or a pharmacy message (RAS^O17, RDS^O13,
 * RDE^O11: onto the administrations topic; the same intake and routing as MLLP, answered in HTTP terms) or `lab-result.v1` JSON events (one, or an array). The API key's sender must be registered, must
 * be the message's sender (MSH-3^MSH-4, or each event's `sender.application^sender.facility`), and may report
 * only for the assigning authorities it is bound to; all checked before anything is produced, and a refusal
 * (403) is dead-lettered with its reason. The key's sender is the message's identity from there on (header
 * `authenticated-sender`); `receivedAt` is the gateway's. 202 only once Kafka acknowledged the write.
 */
@Injectable()
export class ResultSubmissionService {
  private readonly logger = new Logger(ResultSubmissionService.name);

  constructor(
    private readonly hl7: Hl7IntakeService,
    private readonly publisher: ResultPublisher,
    private readonly metrics: GatewayMetrics,
    private readonly clock: Clock,
    private readonly senders: RegisteredSenders,
  ) {}

  /** The key's sender's registration: an unregistered sender may report for no one. */
  private registrationOf(lab: ApiKeyPrincipal): Promise<SenderCredentials | string> {
    return keySenderRegistration(this.senders, lab);
  }

  /** Why the key may not submit this HL7 message (its sender, the sender's authorities), or null. */
  private async hl7Refusal(lab: ApiKeyPrincipal, parse: IntakeParse): Promise<string | null> {
    const sender = parse.ok ? parse.header.sender : parse.sender;
    if (sender && sender.application !== '' && !sendsAs(lab, sender)) {
      return `This API key may send only as ${lab.sender}; the message names another sender`;
    }
    const registration = await this.registrationOf(lab);
    if (typeof registration === 'string') return registration;
    const check = hl7SenderCheck([registration], parse);
    return check.ok ? null : check.reason;
  }

  /** Why the key may not submit these events (their sender, its authorities), or null. */
  private async eventsRefusal(lab: ApiKeyPrincipal, events: LabResultEvent[]): Promise<string | null> {
    const foreign = events.findIndex((event) => !sendsAs(lab, event.sender));
    if (foreign !== -1)
      return `This API key may send only as ${lab.sender}; event ${foreign} names another sender`;
    const registration = await this.registrationOf(lab);
    if (typeof registration === 'string') return registration;
    return authorityRefusal(
      registration,
      events.map((event) => event.patient.authority),
    );
  }

  async submit(
    lab: ApiKeyPrincipal,
    contentType: string | undefined,
    body: unknown,
  ): Promise<Hl7Accepted | EventsAccepted> {
    const type = mediaType(contentType);
    if (HL7_MEDIA_TYPES.includes(type) && Buffer.isBuffer(body)) return this.submitHl7(lab, body);
    if (type === 'application/json') return this.submitEvents(lab, body);
    throw new IngestRefusal(
      415,
      `Send HL7 v2 as ${HL7_MEDIA_TYPES.join(' or ')}, or lab-result.v1 events as application/json`,
    );
  }

  private async submitHl7(lab: ApiKeyPrincipal, raw: Buffer): Promise<Hl7Accepted> {
    if (raw.length === 0) throw this.refuse(400, 'The request body is empty');
    const received = { raw, channel: 'http' as const, receivedAt: this.clock.now() };
    const parse = this.hl7.read(received);
    const refusal = await this.hl7Refusal(lab, parse);
    if (refusal !== null) {
      const refused = await this.hl7.refuseSender(
        { ...received, authenticatedSender: lab.sender },
        parse,
        refusal,
      );
      const details = { controlId: refused.controlId, ackCode: refused.ackCode, ack: refused.ack };
      if (refused.destination === 'none') {
        throw retryLater('Kafka did not acknowledge the refusal in time; send the message again', details);
      }
      throw new IngestRefusal(403, refusal, { ...details, deadLettered: true });
    }
    const intake = await this.hl7.take({ ...received, authenticatedSender: lab.sender }, parse);
    const details = { controlId: intake.controlId, ackCode: intake.ackCode, ack: intake.ack };
    if (intake.destination === 'none') {
      throw retryLater('Kafka did not acknowledge the message in time; send it again', details);
    }
    if (intake.destination === 'dlq') {
      // Refused and dead-lettered: 422 for a type or version we do not take at all, 400 for a broken message.
      throw new IngestRefusal(intake.refusal === 'AR' ? 422 : 400, intake.reason ?? 'message refused', {
        ...details,
        deadLettered: true,
      });
    }
    return {
      status: 'accepted',
      taken: intake.destination === 'administrations' ? 'administrations' : 'results',
      controlId: intake.controlId!,
      ackCode: intake.ackCode === 'AA' ? 'AA' : 'AE',
      ...(intake.reason ? { reason: intake.reason } : {}),
      skipped: intake.skipped,
      warnings: intake.warnings,
      ack: intake.ack,
    };
  }

  private async submitEvents(lab: ApiKeyPrincipal, body: unknown): Promise<EventsAccepted> {
    const items = Array.isArray(body) ? body : [body];
    if (items.length === 0) throw this.refuse(400, 'The request holds no event');
    if (items.length > MAX_EVENTS_PER_REQUEST) {
      throw this.refuse(413, `At most ${MAX_EVENTS_PER_REQUEST} events per request`);
    }
    const events: LabResultEvent[] = [];
    const problems: Array<{ index: number; reason: string }> = [];
    for (const [index, item] of items.entries()) {
      const parsed = parseLabResultEvent(item);
      if (parsed.ok) events.push(parsed.event);
      else problems.push({ index, reason: parsed.reason });
    }
    if (problems.length > 0) {
      // All or nothing: a batch is either taken whole or refused whole, so a retry after a fix cannot double.
      throw this.refuse(400, problems[0]!.reason, { events: problems.slice(0, 20) });
    }
    // When the gateway received a result is the gateway's to say: a sender could otherwise date a result into a
    // window it was not in.
    const dated = events.findIndex((event) => event.receivedAt !== undefined);
    if (dated !== -1) {
      throw this.refuse(400, `event ${dated} sets receivedAt; leave it out, the gateway sets it on receipt`);
    }
    const receivedAt = this.clock.now().toISOString();
    const refusal = await this.eventsRefusal(lab, events);
    if (refusal !== null) {
      await this.deadLetterEvents(events, refusal, lab.sender, receivedAt);
      throw new IngestRefusal(403, refusal, { deadLettered: true });
    }
    const messages = events.map((event) => resultRecord(event, receivedAt, lab.sender));
    const bytes = messages.reduce((sum, m) => sum + Buffer.byteLength(m.value), 0);
    this.metrics.bytes.inc({ channel: 'http' }, bytes);
    try {
      await this.publisher.publish(TOPICS.labResults, messages);
    } catch (error) {
      if (!(error instanceof KafkaUnavailableError)) throw error;
      this.metrics.messages.inc({ channel: 'http', outcome: 'ar' });
      this.logger.warn(`${events.length} events not accepted: ${error.message}`);
      // Some may have landed: resending them all is safe, each result is stored once (idempotency keys).
      throw retryLater('Kafka did not acknowledge the events in time; send them all again');
    }
    this.metrics.messages.inc({ channel: 'http', outcome: 'aa' });
    return {
      status: 'accepted',
      accepted: events.length,
      messageControlIds: [...new Set(events.map((event) => event.messageControlId))],
    };
  }

  /** Refused events go to the DLQ with the reason, so that the refusal is on record (503 if Kafka is down). */
  private async deadLetterEvents(
    events: LabResultEvent[],
    reason: string,
    sender: string,
    receivedAt: string,
  ): Promise<void> {
    this.metrics.messages.inc({ channel: 'http', outcome: 'ae' });
    this.logger.warn(`${events.length} events refused: ${reason}`);
    try {
      await this.publisher.deadLetter(
        events.map((event) => ({
          value: JSON.stringify({ ...event, receivedAt }),
          contentType: CONTENT_TYPES.labResultJson,
          reason,
          source: 'ingest-gateway/http',
          receivedAt,
          sender,
        })),
        this.clock.now(),
      );
    } catch (error) {
      if (!(error instanceof KafkaUnavailableError)) throw error;
      throw retryLater('Kafka did not acknowledge the refusal in time; send the events again');
    }
  }

  private refuse(status: 400 | 403 | 413, message: string, details?: unknown): IngestRefusal {
    this.metrics.messages.inc({ channel: 'http', outcome: 'ae' });
    return new IngestRefusal(status, message, details);
  }
}
