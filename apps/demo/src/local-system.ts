import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { createDataSource } from '@alem/persistence';
import { createKafka, MessageProducer } from '@alem/messaging';
import {
  createMigratedDatabase,
  dropDatabase,
  embeddedSecrets,
  KafkaMockBroker,
  localAuditAnchorEnv,
  SmsProviderStub,
  SmtpCapture,
} from '@alem/local-stack';
import { type AppConfig, loadConfig } from '@alem/runtime';
import { createAdminApiApp } from '../../admin-api/src/admin-api.app';
import { AdminApiModule } from '../../admin-api/src/admin-api.module';
import { IngestGatewayModule } from '../../ingest-gateway/src/ingest-gateway.module';
import { MllpServer } from '../../ingest-gateway/src/mllp/mllp.server';
import { MonitoringSchedulerModule } from '../../monitoring-scheduler/src/monitoring-scheduler.module';
import { createNotifierApp, listenNotifier } from '../../notifier/src/notifier.app';
import { NotifierModule } from '../../notifier/src/notifier.module';
import { ResultProcessorModule } from '../../result-processor/src/result-processor.module';

export interface LocalSystemOptions {
  databaseName: string;
  redisPrefix: string;
  logLevel?: AppConfig['logLevel'];
  /** Which apps to boot in this process. */
  apps?: Array<'result-processor' | 'notifier' | 'admin-api' | 'monitoring-scheduler' | 'ingest-gateway'>;
  env?: Record<string, string>;
  /** Serve the admin API over HTTP on this port (0: any free one; a taken port falls back to any). */
  adminApiPort?: number;
}

export interface LocalSystem {
  config: AppConfig;
  broker: KafkaMockBroker;
  smtp: SmtpCapture;
  /** The SMS provider stand-in (Twilio-like): every text the notifier sent. */
  sms: SmsProviderStub;
  dataSource: DataSource;
  producer: MessageProducer;
  apps: Map<string, INestApplicationContext>;
  /** The ingest gateway's MLLP port, when the gateway runs. */
  mllpPort: number | null;
  /** The admin API's base URL, when it serves HTTP (`adminApiPort`). */
  adminApiUrl: string | null;
  stop(options?: { dropDatabase?: boolean }): Promise<void>;
}

/**
 * The whole system on the embedded defaults, in one process: a fresh migrated database on the local
 * Postgres, the Kafka-protocol mock broker, an SMTP capture, the local Redis under a prefix of its own, and the
 * apps. Used by `npm run demo` and `npm run bench`.
 */
export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  // The admin API's port is chosen first, so that the links in messages (PUBLIC_BASE_URL) open its console.
  const adminApiPort =
    options.adminApiPort === undefined ? undefined : await freeLocalPort(options.adminApiPort);
  const publicBaseUrl =
    adminApiPort === undefined ? {} : { PUBLIC_BASE_URL: `http://127.0.0.1:${adminApiPort}` };
  const databaseUrl = await createMigratedDatabase(options.databaseName);
  const broker = await KafkaMockBroker.start();
  const smtp = await SmtpCapture.start();
  const sms = await SmsProviderStub.start({ accountSid: 'ACdemo', authToken: 'demo-sms-auth-token' });
  // A key of this run's own signs the audit chain's anchors, kept with the anchor file outside the database.
  const anchorDir = await mkdtemp(join(tmpdir(), 'alem-anchors-'));
  const config = loadConfig({
    // Random secrets for this run (a JWT_SECRET or ACK_TOKEN_SECRET of the shell's is used instead).
    ...embeddedSecrets(),
    ...process.env,
    // Whatever the shell says: this is the embedded local stack, never a deployment.
    NODE_ENV: 'development',
    LOG_LEVEL: options.logLevel ?? 'warn',
    DATABASE_URL: databaseUrl,
    REDIS_PREFIX: options.redisPrefix,
    KAFKA_BROKERS: broker.bootstrap,
    SMTP_URL: smtp.url,
    ...sms.env(),
    ...(await localAuditAnchorEnv(anchorDir)),
    // The gateway's MLLP listener on a port of the system's choosing (see `mllpPort`), local only.
    MLLP_HOST: '127.0.0.1',
    MLLP_PORT: '0',
    ...publicBaseUrl,
    ...options.env,
  });
  await cleanRedisPrefix(config);
  const dataSource = createDataSource({ url: databaseUrl, poolSize: 3 });
  await dataSource.initialize();
  const producer = new MessageProducer(createKafka({ brokers: broker.brokers, clientId: 'demo-feed' }));
  await producer.connect();

  const apps = new Map<string, INestApplicationContext>();
  const wanted = options.apps ?? [
    'result-processor',
    'notifier',
    'admin-api',
    'monitoring-scheduler',
    'ingest-gateway',
  ];
  const modules = {
    'result-processor': () => ResultProcessorModule.forRoot({ config }),
    notifier: () => NotifierModule.forRoot({ config }),
    'admin-api': () => AdminApiModule.forRoot({ config }),
    'monitoring-scheduler': () => MonitoringSchedulerModule.forRoot({ config }),
    'ingest-gateway': () => IngestGatewayModule.forRoot({ config }),
  } as const;
  let adminApiUrl: string | null = null;
  for (const name of wanted) {
    if (name === 'admin-api' && adminApiPort !== undefined) {
      const http = await createAdminApiApp({ config }, { logger: ['error', 'warn'] });
      await http.listen(adminApiPort, '127.0.0.1');
      adminApiUrl = `http://127.0.0.1:${(http.getHttpServer().address() as { port: number }).port}`;
      apps.set(name, http);
      continue;
    }
    if (name === 'notifier') {
      // Serves HTTP on a free local port so that the SMS stand-in's delivery receipts come back to it.
      const http = await createNotifierApp({ config }, { logger: ['error', 'warn'] });
      await listenNotifier(http, 0, '127.0.0.1');
      apps.set(name, http);
      continue;
    }
    const app = await NestFactory.createApplicationContext(modules[name](), { logger: ['error', 'warn'] });
    await app.init();
    apps.set(name, app);
  }

  return {
    config,
    broker,
    smtp,
    sms,
    dataSource,
    producer,
    apps,
    mllpPort: apps.get('ingest-gateway')?.get(MllpServer).port ?? null,
    adminApiUrl,
    async stop({ dropDatabase: drop = false } = {}) {
      for (const app of [...apps.values()].reverse()) await app.close();
      await producer.disconnect();
      await dataSource.destroy();
      await smtp.stop();
      await sms.stop();
      await broker.stop();
      await cleanRedisPrefix(config);
      await rm(anchorDir, { recursive: true, force: true });
      if (drop) await dropDatabase(options.databaseName);
    },
  };
}

/** `preferred` when it is free on 127.0.0.1 (0: any), else a free port of the system's choosing. */
async function freeLocalPort(preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | null>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(null));
      server.listen(port, '127.0.0.1', () => {
        const { port: chosen } = server.address() as AddressInfo;
        server.close(() => resolve(chosen));
      });
    });
  return (await tryPort(preferred)) ?? (await tryPort(0))!;
}

async function cleanRedisPrefix(config: AppConfig): Promise<void> {
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${config.redis.prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
