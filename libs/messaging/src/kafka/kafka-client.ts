import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';

export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  /** Connection and request timeouts; tests lower them so broker outages are noticed quickly. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Retries of a failed request or connection (default 8); a health probe wants 0 to fail fast. */
  retries?: number;
}

export type KafkaLog = (
  level: 'error' | 'warn' | 'info' | 'debug',
  message: string,
  extra: Record<string, unknown>,
) => void;

/**
 * Creates the kafkajs client. kafkajs stays behind this module and the two classes beside it
 * (BatchConsumer, MessageProducer), so that a move to @confluentinc/kafka-javascript stays a local change.
 */
export function createKafka(connection: KafkaConnection, log?: KafkaLog): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const config: KafkaConfig = {
    clientId: connection.clientId,
    brokers: connection.brokers,
    connectionTimeout: connection.connectionTimeoutMs ?? 3000,
    requestTimeout: connection.requestTimeoutMs ?? 30000,
    retry: { initialRetryTime: 100, retries: connection.retries ?? 8, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      if (!log) return;
      const { message, ...extra } = entry.log;
      // kafkajs logs every error response at ERROR, including the ones it retries as part of normal operation
      // (a rebalance in progress, a coordinator moving): those are warnings.
      const retried =
        message.startsWith('Response ') || (extra as { retriable?: boolean }).retriable === true;
      const level =
        entry.level <= logLevel.ERROR && !retried ? 'error' : entry.level <= logLevel.WARN ? 'warn' : 'info';
      log(level, `kafkajs ${entry.namespace}: ${message}`, extra);
    },
  };
  return new Kafka(config);
}
