import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { labResultKey, type LabResultEvent, type MedicationAdministrationEvent } from '@alem/events';
import { CONTENT_TYPES, HEADERS, MessageProducer, type OutboundMessage, TOPICS } from '@alem/messaging';
import { withTimeout } from '@alem/ops';
import { type AppConfig, InjectConfig } from '@alem/runtime';
import { GatewayMetrics } from '../gateway.metrics';

/** Kafka did not acknowledge the write in time (or refused it): the sender must retry (AR, HTTP 503). */
export class KafkaUnavailableError extends Error {
  constructor(topic: string, cause: unknown) {
    super(`Kafka did not acknowledge the write to ${topic}: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'KafkaUnavailableError';
  }
}

/**
 * An event accepted from `sender` as its topic carries it: JSON with the gateway's `receivedAt`, keyed by its
 * patient (`<authority>|<id>`: a patient's results and administrations stay in order, each on one partition).
 * `sender` is absent only behind the local stack's open MLLP listener, which authenticates no one.
 */
function eventRecord(
  event: { patient: { id: string; authority: string } },
  contentType: string,
  receivedAt: string,
  sender: string | null | undefined,
): OutboundMessage {
  return {
    key: labResultKey(event.patient),
    value: JSON.stringify({ ...event, receivedAt }),
    headers: {
      [HEADERS.contentType]: contentType,
      [HEADERS.receivedAt]: receivedAt,
      ...(sender ? { [HEADERS.authenticatedSender]: sender } : {}),
    },
  };
}

/** A `LabResult` event accepted from `sender`, as `lab.results.v1` carries it (keyed by its patient). */
export function resultRecord(event: LabResultEvent, receivedAt: string, sender: string): OutboundMessage {
  return eventRecord(event, CONTENT_TYPES.labResultJson, receivedAt, sender);
}

/** A `MedicationAdministration` event accepted from `sender`, as `medication.administrations.v1` carries it. */
export function administrationRecord(
  event: MedicationAdministrationEvent,
  receivedAt: string,
  sender: string | null | undefined,
): OutboundMessage {
  return eventRecord(event, CONTENT_TYPES.medicationAdministrationJson, receivedAt, sender);
}

/** A refused submission as the DLQ topic keeps it: whole, with why, through which door, when, and who sent it. */
export interface Refusal {
  /** What was received (or the event built from it), as bytes or text. */
  value: string | Buffer;
  contentType: string;
  reason: string;
  /** `ingest-gateway/mllp`, `ingest-gateway/http`, `ingest-gateway/fhir`, ... */
  source: string;
  receivedAt: string;
  /** The sender that authenticated, when one did. */
  sender?: string | null;
  /** The network peer, for MLLP. */
  peer?: string | null;
}

/** The DLQ record of a refusal, refused at `failedAt`. */
export function deadLetterRecord(refusal: Refusal, failedAt: Date): OutboundMessage {
  return {
    key: null,
    value: refusal.value,
    headers: {
      [HEADERS.contentType]: refusal.contentType,
      [HEADERS.dlqReason]: refusal.reason.slice(0, 1000),
      [HEADERS.dlqSource]: refusal.source,
      [HEADERS.dlqFailedAt]: failedAt.toISOString(),
      [HEADERS.receivedAt]: refusal.receivedAt,
      ...(refusal.peer ? { [HEADERS.dlqPeer]: refusal.peer } : {}),
      ...(refusal.sender ? { [HEADERS.authenticatedSender]: refusal.sender } : {}),
    },
  };
}

/**
 * The gateway's only way to Kafka. `publish` resolves once the broker acknowledged every message with
 * acks = all, within GATEWAY_PRODUCE_TIMEOUT_MS; otherwise it throws `KafkaUnavailableError` and the caller
 * answers "retry". A write that times out may still land later: the sender's retry then makes a duplicate on
 * the topic, which the processor's idempotency keys absorb; the opposite (an answer of success for a write
 * that did not happen) cannot occur.
 */
@Injectable()
export class ResultPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ResultPublisher.name);

  constructor(
    private readonly producer: MessageProducer,
    private readonly metrics: GatewayMetrics,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Connects early so the first message does not pay for it; a broker that is down must not stop the boot. */
  onApplicationBootstrap(): void {
    this.producer.connect().catch((error: unknown) => {
      this.logger.warn(
        `Kafka not reachable at boot (${(error as Error).message}); senders get AR until it is`,
      );
    });
  }

  async publish(topic: string, messages: OutboundMessage[]): Promise<void> {
    const stop = this.metrics.produceSeconds.startTimer({ topic });
    try {
      await withTimeout(this.producer.send(topic, messages), this.config.gateway.produceTimeoutMs, 'kafka');
      stop({ outcome: 'ok' });
    } catch (error) {
      stop({ outcome: 'failed' });
      throw new KafkaUnavailableError(topic, error);
    }
  }

  /** Refusals on the DLQ topic, so that each is on record (`KafkaUnavailableError` as `publish`). */
  async deadLetter(refusals: readonly Refusal[], failedAt: Date): Promise<void> {
    await this.publish(
      TOPICS.labResultsDlq,
      refusals.map((refusal) => deadLetterRecord(refusal, failedAt)),
    );
  }

  /** Last: the MLLP listener and the HTTP server have finished their in-flight messages by now. */
  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}
