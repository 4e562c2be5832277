import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';

export interface OutboundMessage {
  key: string | null;
  value: Buffer | string;
  headers?: Record<string, string>;
}

/**
 * Produces with acks = all and waits for the broker's acknowledgement, so a caller that gets a resolved
 * promise knows the write is durable. (kafkajs's idempotent producer needs a controller broker the embedded
 * mock cluster does not advertise; duplicates from producer retries are absorbed downstream by idempotency keys.)
 */
export class MessageProducer {
  private readonly producer: Producer;
  private connected = false;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 5 } });
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.producer.connect();
    this.connected = true;
  }

  async send(topic: string, messages: OutboundMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    await this.producer.send({ topic, acks: -1, compression: CompressionTypes.None, messages });
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }
}
