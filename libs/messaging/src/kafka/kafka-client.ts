import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';

/** TLS to the brokers: the system's CAs unless a CA file is given; a client certificate when both files are. */
export interface KafkaTls {
  caFile: string | null;
  certFile: string | null;
  keyFile: string | null;
}

/** SASL authentication to the brokers (SCRAM, or PLAIN inside TLS). */
export interface KafkaSasl {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  /** null or absent: plain TCP (the embedded broker). Apps pass their configuration's (`...config.kafka`). */
  tls?: KafkaTls | null;
  /** null or absent: no authentication. */
  sasl?: KafkaSasl | null;
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
  return new Kafka(kafkaConfig(connection, log));
}

/** The kafkajs settings of a connection (`createKafka`); the TLS files are read here, at once. */
export function kafkaConfig(connection: KafkaConnection, log?: KafkaLog): KafkaConfig {
  return {
    clientId: connection.clientId,
    brokers: connection.brokers,
    ...(connection.tls ? { ssl: tlsOptions(connection.tls) } : {}),
    ...(connection.sasl ? { sasl: saslOptions(connection.sasl) } : {}),
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
}

function tlsOptions(tls: KafkaTls): true | { ca?: Buffer[]; cert?: Buffer; key?: Buffer } {
  if (!tls.caFile && !tls.certFile && !tls.keyFile) return true;
  return {
    ...(tls.caFile ? { ca: [readFileSync(tls.caFile)] } : {}),
    ...(tls.certFile ? { cert: readFileSync(tls.certFile) } : {}),
    ...(tls.keyFile ? { key: readFileSync(tls.keyFile) } : {}),
  };
}

function saslOptions(sasl: KafkaSasl): SASLOptions {
  const { username, password } = sasl;
  // One branch per mechanism: kafkajs types each mechanism's options on its own.
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}
