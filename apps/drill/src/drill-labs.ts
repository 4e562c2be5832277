import { createKafka, MessageProducer } from '@alem/messaging';
import { LabMllpClient } from '@alem/local-stack';
import { TOPICS } from '@alem/messaging';
import { type FeedItem, JSON_HEADERS } from './drill-feed';

/** What the labs saw: every send and re-send, and every answer. */
export interface LabTally {
  /** Sends of feed items, first and repeated. */
  sends: number;
  /** Re-sends the lab made itself because an item was not acknowledged (AE, no ACK, connection lost, error). */
  retries: number;
  /** Feed items the gateway acknowledged with AA (MLLP) or the broker accepted (Kafka). */
  accepted: number;
  /** Valid items whose content was refused (AE): a valid result must never be. */
  refusedValid: Array<{ controlId: string; reason: string }>;
  /** Malformed items refused (AE) with a reason, and malformed items the gateway took (AA): must be none. */
  malformedRefused: Array<{ controlId: string; reason: string }>;
  malformedAccepted: string[];
  /** Why the labs had to send again (AE texts, errors), with counts. */
  retryReasons: Map<string, number>;
}

export function emptyTally(): LabTally {
  return {
    sends: 0,
    retries: 0,
    accepted: 0,
    refusedValid: [],
    malformedRefused: [],
    malformedAccepted: [],
    retryReasons: new Map(),
  };
}

function noteRetry(tally: LabTally, reason: string): void {
  const key = reason.slice(0, 120);
  tally.retryReasons.set(key, (tally.retryReasons.get(key) ?? 0) + 1);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A lab's MLLP interface as real ones behave: one connection, one message at a time; a message that is not
 * acknowledged (AR "send it again", no ACK in time, the connection gone) is sent again, the same, after a short
 * wait, until it is; a message whose content was refused (AE) is not sent again.
 */
export class MllpLab {
  private client: LabMllpClient | null = null;

  constructor(
    private readonly port: number,
    private readonly tally: LabTally,
  ) {}

  async send(item: FeedItem, stopped: () => boolean): Promise<void> {
    for (let attempt = 0; !stopped(); attempt++) {
      if (attempt > 0) {
        this.tally.retries++;
        await pause(Math.min(2000, 100 * attempt));
      }
      this.tally.sends++;
      try {
        this.client ??= await LabMllpClient.connect(this.port);
        const ack = await this.client.send(item.payload, 10000);
        if (ack.code === 'AA') {
          if (item.malformed) this.tally.malformedAccepted.push(item.controlId);
          else this.tally.accepted++;
          return;
        }
        if (ack.code === 'AE') {
          // The content was refused (and dead-lettered): sending it again would change nothing.
          const refusal = { controlId: item.controlId, reason: ack.text };
          if (item.malformed) this.tally.malformedRefused.push(refusal);
          else this.tally.refusedValid.push(refusal);
          return;
        }
        // AR: the gateway could not take it now (the broker is away): again, as its text asks.
        noteRetry(this.tally, `MLLP ${ack.code}: ${ack.text}`);
      } catch (error) {
        noteRetry(this.tally, `MLLP: ${(error as Error).message}`);
        await this.reset();
      }
    }
  }

  async reset(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.close().catch(() => undefined);
  }
}

/**
 * An integration engine that writes LabResult events straight to Kafka: a batch the broker did not accept is
 * sent again, whole (so some of it may arrive twice).
 */
export class KafkaLab {
  private readonly producer: MessageProducer;

  constructor(
    brokers: string[],
    private readonly tally: LabTally,
  ) {
    this.producer = new MessageProducer(createKafka({ brokers, clientId: 'drill-engine' }));
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async send(items: FeedItem[], stopped: () => boolean): Promise<void> {
    for (let attempt = 0; !stopped(); attempt++) {
      if (attempt > 0) {
        this.tally.retries += items.length;
        await pause(Math.min(2000, 100 * attempt));
      }
      this.tally.sends += items.length;
      try {
        await this.producer.send(
          TOPICS.labResults,
          items.map((item) => ({ key: item.key, value: item.payload, headers: { ...JSON_HEADERS } })),
        );
        this.tally.accepted += items.filter((i) => !i.malformed).length;
        return;
      } catch (error) {
        // the broker is away: again, after a pause
        noteRetry(this.tally, `Kafka: ${(error as Error).message}`);
      }
    }
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect().catch(() => undefined);
  }
}
