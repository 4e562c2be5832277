export * from './topics';
export * from './kafka/kafka-client';
export * from './kafka/message-producer';
export * from './kafka/batch-consumer';
export * from './kafka/consumer-lifecycle';
