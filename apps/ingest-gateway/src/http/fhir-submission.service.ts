import { Injectable, Logger } from '@nestjs/common';
import { type OperationOutcome } from '@medplum/fhirtypes';
import { type ApiKeyPrincipal, authorityRefusal } from '@alem/access';
import { FHIR_JSON, type FhirIssue, operationOutcome } from '@alem/fhir';
import { type OutboundMessage, TOPICS } from '@alem/messaging';
import { Clock } from '@alem/runtime';
import { GatewayMetrics } from '../gateway.metrics';
import {
  administrationRecord,
  KafkaUnavailableError,
  ResultPublisher,
  resultRecord,
} from '../intake/result.publisher';
import { RegisteredSenders } from '../senders/registered-senders';
import { acceptedEvents, type FhirExpect, readFhirSubmission } from './fhir-submission.read';
import { IngestRefusal, retryLater } from './ingest.errors';
import { MAX_EVENTS_PER_REQUEST, mediaType } from './result-submission.service';
import { keySenderRegistration } from './sender-registration';

/** Media types taken as FHIR JSON (`application/json` too, as FHIR servers do). */
export const FHIR_MEDIA_TYPES: readonly string[] = [FHIR_JSON, 'application/json'];

const CHANNEL = 'fhir';

/** `ingest-gateway/fhir`: who dead-lettered a refused FHIR submission (header `dlq-source`). */
export const FHIR_DLQ_SOURCE = `ingest-gateway/${CHANNEL}`;

/** The first issues of a refusal, one line, for the DLQ reason and the logs (no patient data: elements only). */
function reasonOf(issues: FhirIssue[]): string {
  const shown = issues.slice(0, 3).map((issue) => `${issue.expression}: ${issue.message}`);
  return shown.join('; ') + (issues.length > 3 ? `; and ${issues.length - 3} more` : '');
}

/**
 * FHIR R4 over HTTP (`POST /fhir/R4/Observation`, `POST /fhir/R4/MedicationAdministration`, `POST /fhir/R4`
 * with a transaction Bundle of either or both): each Observation becomes a `lab-result.v1` event on
 * `lab.results.v1`, exactly as a JSON event submitted to `/v1/results` would, and each MedicationAdministration a
 * `medication-administration.v1` event on `medication.administrations.v1` (the key's sender is the sender,
 * `receivedAt` the gateway's), 202 only once Kafka acknowledged every one. A refusal is an OperationOutcome
 * naming the element; what was refused for its content or its sender is dead-lettered whole on
 * `lab.results.dlq.v1` with the reason, and nothing of it is produced.
 */
@Injectable()
export class FhirSubmissionService {
  private readonly logger = new Logger(FhirSubmissionService.name);

  constructor(
    private readonly publisher: ResultPublisher,
    private readonly metrics: GatewayMetrics,
    private readonly clock: Clock,
    private readonly senders: RegisteredSenders,
  ) {}

  async submit(
    lab: ApiKeyPrincipal,
    contentType: string | undefined,
    body: unknown,
    expect: FhirExpect,
  ): Promise<OperationOutcome> {
    if (!FHIR_MEDIA_TYPES.includes(mediaType(contentType))) {
      throw this.refuse(415, `Send FHIR resources as ${FHIR_JSON} (R4 JSON)`);
    }
    const receivedAt = this.clock.now().toISOString();
    const raw = JSON.stringify(body ?? null);
    this.metrics.bytes.inc({ channel: CHANNEL }, Buffer.byteLength(raw));
    const registration = await keySenderRegistration(this.senders, lab);
    if (typeof registration === 'string') {
      await this.deadLetter(raw, registration, lab.sender, receivedAt);
      throw new IngestRefusal(
        403,
        registration,
        operationOutcome([{ message: registration, code: 'forbidden' }]),
      );
    }
    const [application = '', facility = ''] = lab.sender.split('^');
    const read = readFhirSubmission(body, { application, facility }, expect);
    if (!read.ok) {
      const reason = reasonOf(read.issues);
      await this.deadLetter(raw, reason, lab.sender, receivedAt);
      throw new IngestRefusal(read.status, reason, operationOutcome(read.issues));
    }
    const accepted = acceptedEvents(read);
    if (accepted.length > MAX_EVENTS_PER_REQUEST) {
      throw this.refuse(413, `At most ${MAX_EVENTS_PER_REQUEST} resources per request`);
    }
    const refusal = authorityRefusal(
      registration,
      accepted.map(({ event }) => event.patient.authority),
    );
    if (refusal !== null) {
      await this.deadLetter(raw, refusal, lab.sender, receivedAt);
      throw new IngestRefusal(403, refusal, operationOutcome([{ message: refusal, code: 'forbidden' }]));
    }
    const writes: Array<[string, OutboundMessage[]]> = [
      [TOPICS.labResults, read.results.map(({ event }) => resultRecord(event, receivedAt, lab.sender))],
      [
        TOPICS.medicationAdministrations,
        read.administrations.map(({ event }) => administrationRecord(event, receivedAt, lab.sender)),
      ],
    ];
    // Both topics at once; each write settles before the answer, so a 503 leaves nothing still on its way.
    const settled = await Promise.allSettled(
      writes
        .filter(([, messages]) => messages.length > 0)
        .map(([topic, messages]) => this.publisher.publish(topic, messages)),
    );
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) {
      if (!(failed.reason instanceof KafkaUnavailableError)) throw failed.reason;
      this.metrics.messages.inc({ channel: CHANNEL, outcome: 'ar' });
      this.logger.warn(`${accepted.length} FHIR resources not accepted: ${failed.reason.message}`);
      // Some may have landed: resending the same resources is safe, each result and administration is stored once.
      throw retryLater('Kafka did not acknowledge the resources in time; send them again');
    }
    this.metrics.messages.inc({ channel: CHANNEL, outcome: 'aa' });
    return {
      resourceType: 'OperationOutcome',
      issue: [
        ...operationOutcome(
          accepted.map(({ expression, event }) => ({
            expression,
            message: `accepted as ${event.messageControlId}`,
            code: 'informational',
          })),
          'information',
        ).issue,
        ...operationOutcome(
          read.skipped.map((skip) => ({
            expression: skip.expression,
            message: `not taken: ${skip.reason}`,
            code: 'informational',
          })),
          'warning',
        ).issue,
      ],
    };
  }

  /** A refused submission on the DLQ topic whole, with the reason (503 if Kafka does not take it either). */
  private async deadLetter(raw: string, reason: string, sender: string, receivedAt: string): Promise<void> {
    this.metrics.messages.inc({ channel: CHANNEL, outcome: 'ae' });
    this.logger.warn(`FHIR submission of ${sender} refused: ${reason}`);
    try {
      await this.publisher.deadLetter(
        [{ value: raw, contentType: FHIR_JSON, reason, source: FHIR_DLQ_SOURCE, receivedAt, sender }],
        this.clock.now(),
      );
    } catch (error) {
      if (!(error instanceof KafkaUnavailableError)) throw error;
      throw retryLater('Kafka did not acknowledge the refusal in time; send the resource again');
    }
  }

  private refuse(status: 413 | 415, message: string): IngestRefusal {
    this.metrics.messages.inc({ channel: CHANNEL, outcome: 'ae' });
    return new IngestRefusal(status, message);
  }
}
