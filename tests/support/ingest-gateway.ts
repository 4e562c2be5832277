import { type NestExpressApplication } from '@nestjs/platform-express';
import { type Consumer, type Kafka } from 'kafkajs';
import { register } from 'prom-client';
import request from 'supertest';
import { type DataSource } from 'typeorm';
import { issueApiKey } from '@alem/access';
import { waitFor } from '@alem/local-stack';
import { type AppConfig, type Clock } from '@alem/runtime';
import { createIngestGatewayApp } from '../../apps/ingest-gateway/src/ingest-gateway.app';
import { MllpServer } from '../../apps/ingest-gateway/src/mllp/mllp.server';
import { RegisteredSenders } from '../../apps/ingest-gateway/src/senders/registered-senders';

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
  /** Makes the gateway read the sender registrations now (rather than on their notification). */
  reloadSenders(): Promise<void>;
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
      // Tests of framing, answers and Kafka keep the local stack's open listener unless they ask for sender
      // authentication (`mllp: { peerAuthentication: 'registered' }`), which the sender tests do.
      mllp: {
        ...base.gateway.mllp,
        host: '127.0.0.1',
        port: 0,
        peerAuthentication: 'none',
        ...overrides.mllp,
      },
      http: { ...base.gateway.http, ...overrides.http },
      produceTimeoutMs: overrides.produceTimeoutMs ?? base.gateway.produceTimeoutMs,
    },
  };
  const app = await createIngestGatewayApp({ config, clock }, { logger: ['error'], abortOnError: false });
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    // A gateway that refuses to start (its configuration) must not leave its connections open behind it.
    await app.close().catch(() => undefined);
    throw error;
  }
  const server = app.getHttpServer();
  return {
    app,
    config,
    mllpPort: app.get(MllpServer).port,
    http: () => request(server),
    reloadSenders: () => app.get(RegisteredSenders).reload(),
    close: () => app.close(),
  };
}

/** The assigning authorities the test messages' patients belong to. */
export const TEST_AUTHORITIES = ['HOSP', 'CITYHOSP', '2.16.840.1.113883.19.5'];

/**
 * Registers a lab's sender as an admin would (`PUT /senders/…`), adding to what is registered already. The
 * gateway hears of it through NOTIFY; `RegisteredSenders.reload()` makes sure before a message is sent.
 */
export async function registerSender(
  ds: DataSource,
  sender: string,
  registration: {
    authorities?: string[];
    sourceAddresses?: string[];
    certificateFingerprints?: string[];
  } = {},
): Promise<void> {
  await ds.query(
    `INSERT INTO lab_senders (sender, time_zone, authorities, source_addresses, certificate_fingerprints)
     VALUES ($1, 'UTC', $2::text[], $3::cidr[], $4::text[])
     ON CONFLICT (sender) DO UPDATE SET
       authorities = ARRAY(SELECT DISTINCT unnest(lab_senders.authorities || EXCLUDED.authorities)),
       source_addresses = ARRAY(SELECT DISTINCT unnest(lab_senders.source_addresses || EXCLUDED.source_addresses)),
       certificate_fingerprints =
         ARRAY(SELECT DISTINCT unnest(lab_senders.certificate_fingerprints || EXCLUDED.certificate_fingerprints))`,
    [
      sender,
      registration.authorities ?? TEST_AUTHORITIES,
      registration.sourceAddresses ?? [],
      registration.certificateFingerprints ?? [],
    ],
  );
}

/**
 * An API key for a lab's sender (`APPLICATION^FACILITY`), as an admin would issue it, the sender registered
 * for the test authorities unless `authorities` says otherwise; returns the key.
 */
export async function issueLabKey(
  ds: DataSource,
  sender: string,
  authorities: string[] = TEST_AUTHORITIES,
): Promise<string> {
  await registerSender(ds, sender, { authorities });
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

/** How often the gateway's MLLP listener met a stream event (its metric, in this process). */
export async function framingCount(event: string): Promise<number> {
  const metric = await register.getSingleMetric('alem_gateway_mllp_framing_events_total')?.get();
  return metric?.values.find((v) => v.labels.event === event)?.value ?? 0;
}
