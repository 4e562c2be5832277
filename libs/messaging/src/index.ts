// The package's public surface: only what apps, other libraries, tests and the bench import.
export { CONTENT_TYPES, HEADERS, TOPIC_PARTITIONS, TOPICS } from './topics';
export { createKafka } from './kafka/kafka-client';
export { MessageProducer, type OutboundMessage } from './kafka/message-producer';
export { BatchConsumer, type InboundBatch, type InboundMessage } from './kafka/batch-consumer';
export { type ConsumerStatus, type CrashRecovery } from './kafka/consumer-lifecycle';
