import { type NestExpressApplication } from '@nestjs/platform-express';
import { type Consumer, type Kafka } from 'kafkajs';
import request from 'supertest';
import { type DataSource } from 'typeorm';
import { issueApiKey } from '@alem/access';
import { waitFor } from '@alem/local-stack';
import { type AppConfig, type Clock } from '@alem/runtime';
import { createIngestGatewayApp } from '../../apps/ingest-gateway/src/ingest-gateway.app';
import { MllpServer } from '../../apps/ingest-gateway/src/mllp/mllp.server';

export interface GatewayOverrides {
  mllp?: Partial<AppConfig['gateway']['mllp']>;
  http?: Partial<AppConfig['gateway']['http']>;
  produceTimeoutMs?: number;
}

export interface RunningGateway {
  app: NestExpressApplication;
  config: AppConfig;
  /** The MLLP listener's port (ephemeral). */
  mllpPort: number;
  /** supertest against the gateway's HTTP server. */
  http(): ReturnType<typeof request>;
  close(): Promise<void>;
}

/** The ingest gateway as its own HTTP app with the MLLP listener, on 127.0.0.1 and ephemeral ports. */
export async function startGateway(
  base: AppConfig,
  overrides: GatewayOverrides = {},
  clock?: Clock,
): Promise<RunningGateway> {
  const config: AppConfig = {
    ...base,
    gateway: {
      mllp: { ...base.gateway.mllp, host: '127.0.0.1', port: 0, ...overrides.mllp },
      http: { ...base.gateway.http, ...overrides.http },
      produceTimeoutMs: overrides.produceTimeoutMs ?? base.gateway.produceTimeoutMs,
    },
  };
  const app = await createIngestGatewayApp({ config, clock }, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer();
  return {
    app,
    config,
    mllpPort: app.get(MllpServer).port,
    http: () => request(server),
    close: () => app.close(),
  };
}

/** An API key for a lab's sender (`APPLICATION^FACILITY`), as an admin would issue it; returns the key. */
export async function issueLabKey(ds: DataSource, sender: string): Promise<string> {
  const issued = issueApiKey();
  await ds.query(`INSERT INTO api_keys (id, sender, description, secret_hash) VALUES ($1, $2, $3, $4)`, [
    issued.keyId,
    sender,
    `test key of ${sender}`,
    issued.secretHash,
  ]);
  return issued.key;
}

export interface TopicRecord {
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/** Reads a topic from the beginning into memory, for assertions on what the gateway produced. */
export class TopicReader {
  readonly records: TopicRecord[] = [];

  private constructor(private readonly consumer: Consumer) {}

  static async start(kafka: Kafka, topic: string): Promise<TopicReader> {
    const consumer = kafka.consumer({
      groupId: `topic-reader-${topic}-${Date.now()}-${Math.random().toString(16).slice(2)}`,
      // The embedded broker answers a fetch only when its wait is over, new records or not.
      maxWaitTimeInMs: 100,
    });
    const reader = new TopicReader(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          if (value !== undefined) headers[name] = value.toString();
        }
        reader.records.push({
          key: message.key ? message.key.toString() : null,
          value: message.value ?? Buffer.alloc(0),
          headers,
          partition,
          offset: message.offset,
        });
      },
    });
    return reader;
  }

  /** The records whose value contains `text` (e.g. an MSH-10), once there are at least `count`. */
  async waitForRecords(text: string, count = 1, timeoutMs = 15000): Promise<TopicRecord[]> {
    return waitFor(
      () => {
        const found = this.records.filter((r) => r.value.includes(text));
        return found.length >= count ? found : undefined;
      },
      { timeoutMs, description: `${count} record(s) holding ${text}` },
    );
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
