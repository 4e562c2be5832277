import { Injectable } from '@nestjs/common';
import { HEADERS, type InboundMessage, MessageProducer, TOPICS } from '@alem/messaging';
import { type NewDlqRecord } from '@alem/persistence';

export interface DeadLetter {
  message: InboundMessage;
  reason: string;
  contentType: string | null;
}

/**
 * Puts what the processor cannot take on `lab.results.dlq.v1`: the original key and bytes, and the reason and
 * source position in headers. The caller records the same in dlq_records within its batch transaction.
 */
@Injectable()
export class DeadLetterPublisher {
  constructor(private readonly producer: MessageProducer) {}

  async publish(letters: readonly DeadLetter[], now: Date): Promise<void> {
    await this.producer.send(
      TOPICS.labResultsDlq,
      letters.map(({ message, reason }) => ({
        key: message.key ? message.key.toString('utf8') : null,
        value: message.value ?? Buffer.alloc(0),
        headers: {
          ...message.headers,
          [HEADERS.dlqReason]: reason.slice(0, 1000),
          [HEADERS.dlqSourceTopic]: message.topic,
          [HEADERS.dlqSourcePartition]: String(message.partition),
          [HEADERS.dlqSourceOffset]: message.offset,
          [HEADERS.dlqFailedAt]: now.toISOString(),
        },
      })),
    );
  }
}

export function toDlqRecord(letter: DeadLetter): NewDlqRecord {
  return {
    sourceTopic: letter.message.topic,
    sourcePartition: letter.message.partition,
    sourceOffset: letter.message.offset,
    messageKey: letter.message.key ? letter.message.key.toString('utf8') : null,
    contentType: letter.contentType,
    reason: letter.reason,
    payload: letter.message.value,
  };
}
