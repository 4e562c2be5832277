export * from './topics';
export * from './events/lab-result.event';
export * from './events/hierarchic-designator';
export * from './kafka/kafka-client';
export * from './kafka/message-producer';
export * from './kafka/batch-consumer';
export * from './kafka/consumer-lifecycle';
