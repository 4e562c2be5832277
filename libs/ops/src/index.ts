export * from './ops.module';
export * from './ops.options';
export { ConsumerLagCollector } from './consumer-lag.collector';
export { KafkaHealthIndicator, PostgresHealthIndicator, RedisHealthIndicator } from './dependency.indicators';
