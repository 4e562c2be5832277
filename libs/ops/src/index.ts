export * from './ops.module';
export * from './ops.options';
export { ConsumerLagCollector } from './consumer-lag.collector';
export {
  ConsumerHealthIndicator,
  KafkaHealthIndicator,
  PostgresHealthIndicator,
  RedisHealthIndicator,
} from './dependency.indicators';
