import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type Admin, type Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { createKafka, MessageProducer, TOPICS } from '@alem/messaging';
import { createDataSource, enrolPatient, seedCareTeam, seedSite, type SeededTeam } from '@alem/persistence';
import {
  embeddedSecrets,
  KafkaMockBroker,
  localAuditAnchorEnv,
  SmtpCapture,
  waitFor,
} from '@alem/local-stack';
import { type AppConfig, type Clock, loadConfig } from '@alem/runtime';
import { EnrolmentCache } from '../../apps/result-processor/src/enrolment-cache';
import { ResultProcessorModule } from '../../apps/result-processor/src/result-processor.module';
import { NotifierModule, type NotifierOptions } from '../../apps/notifier/src/notifier.module';
import { createTestDatabase, type TestDatabase } from './test-database';
import { redisNamespace, TEST_REDIS_URL } from './redis-namespace';

export interface TestStack {
  db: TestDatabase;
  broker: KafkaMockBroker;
  smtp: SmtpCapture;
  config: AppConfig;
  dataSource: DataSource;
  kafka: Kafka;
  admin: Admin;
  producer: MessageProducer;
  startProcessor(overrides?: Partial<AppConfig['processor']>): Promise<INestApplicationContext>;
  startNotifier(options?: Partial<NotifierOptions>): Promise<INestApplicationContext>;
  /** Environment variables that point an app process at this stack. */
  env(): Record<string, string>;
  /**
   * Resolves when every processor started here knows the patient as enrolled. Its cache follows enrolment by
   * NOTIFY, a moment after the commit: a result taken once the notification has arrived is looked up in
   * Postgres until the reload is done, but one taken before it arrived is dropped as not enrolled.
   */
  waitForEnrolment(patient: { authority: string; id: string }): Promise<void>;
  /** Resolves when the processor group's committed offsets have reached the end of every partition of a topic. */
  waitUntilConsumed(groupId?: string, timeoutMs?: number, topic?: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The real parts, fresh for one test file: a database copied from the migrated template, a Kafka-protocol
 * broker of its own, an SMTP capture, and a Redis key prefix of its own.
 */
export async function startTestStack(options: { clock?: Clock; brokers?: number } = {}): Promise<TestStack> {
  const db = await createTestDatabase();
  const broker = await KafkaMockBroker.start({ brokers: options.brokers ?? 1 });
  const smtp = await SmtpCapture.start();
  const redis = redisNamespace();
  // The audit chain's anchor key and file, outside the database; tests anchor on demand (no timer).
  const anchorDir = await mkdtemp(join(tmpdir(), 'alem-anchors-'));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    // The apps have no default secrets: random ones of this stack (signed tokens in tests use `config`'s).
    ...embeddedSecrets(),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '5',
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: redis.prefix,
    KAFKA_BROKERS: broker.bootstrap,
    PROCESSOR_GROUP_ID: 'result-processor',
    SMTP_URL: smtp.url,
    PUBLIC_BASE_URL: 'https://alerts.test.example',
    // Apps started as processes serve /health and /metrics; any free port, so parallel test files never clash.
    HTTP_PORT: '0',
    // Tests that move a manual clock call the notifier's escalation sweep themselves (as the scheduler's), and
    // see each alert's own message (no warning group window) unless they ask otherwise.
    ESCALATION_SWEEP_INTERVAL_MS: '0',
    WARNING_GROUP_WINDOW_MS: '0',
    ...(await localAuditAnchorEnv(anchorDir)),
    AUDIT_ANCHOR_INTERVAL_MS: '0',
  };
  const config = loadConfig(env);
  const dataSource = createDataSource({ url: db.url, poolSize: 3 });
  await dataSource.initialize();
  const kafka = createKafka({ brokers: broker.brokers, clientId: 'test' });
  const admin = kafka.admin();
  await admin.connect();
  const producer = new MessageProducer(kafka);
  await producer.connect();
  const apps: INestApplicationContext[] = [];
  const processors: INestApplicationContext[] = [];

  return {
    db,
    broker,
    smtp,
    config,
    dataSource,
    kafka,
    admin,
    producer,
    env: () => ({ ...env }),
    async startProcessor(overrides = {}) {
      const app = await NestFactory.createApplicationContext(
        ResultProcessorModule.forRoot({
          config: { ...config, processor: { ...config.processor, ...overrides } },
          clock: options.clock,
        }),
        // A module that cannot start fails its test, rather than exiting the whole jest process.
        { logger: ['error', 'warn'], abortOnError: false },
      );
      app.enableShutdownHooks();
      await app.init();
      apps.push(app);
      processors.push(app);
      return app;
    },
    async waitForEnrolment(patient) {
      await waitFor(() => processors.every((p) => p.get(EnrolmentCache).lookup(patient) !== undefined), {
        description: `the processors to know ${patient.authority}|${patient.id} as enrolled`,
      });
    },
    async startNotifier(notifierOptions = {}) {
      const app = await NestFactory.createApplicationContext(
        NotifierModule.forRoot({ config, clock: options.clock, ...notifierOptions }),
        { logger: ['error', 'warn'], abortOnError: false },
      );
      await app.init();
      apps.push(app);
      return app;
    },
    async waitUntilConsumed(
      groupId = config.processor.groupId,
      timeoutMs = 20000,
      topic = TOPICS.labResults,
    ) {
      await waitFor(
        async () => {
          const ends = await admin.fetchTopicOffsets(topic);
          const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
          const byPartition = new Map(committed!.partitions.map((p) => [p.partition, BigInt(p.offset)]));
          return ends.every(
            (p) => BigInt(p.high) === 0n || (byPartition.get(p.partition) ?? -1n) >= BigInt(p.high),
          );
        },
        { timeoutMs, description: `group ${groupId} to consume ${topic}` },
      );
    },
    async stop() {
      for (const app of apps.reverse()) await app.close().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      await dataSource.destroy().catch(() => undefined);
      await smtp.stop().catch(() => undefined);
      await broker.stop();
      await redis.clean();
      await db.drop();
      await rm(anchorDir, { recursive: true, force: true });
    },
  };
}

/** A site, a care team of two clinicians with verified email, and one enrolled MS patient. */
export async function seedDemoPatient(ds: DataSource): Promise<{ team: SeededTeam; patientId: string }> {
  await seedSite(ds, { id: 'site-1', name: 'University Hospital MS Centre', timeZone: 'Europe/Prague' });
  const team = await seedCareTeam(ds, {
    siteId: 'site-1',
    name: 'MS team A',
    members: [
      { email: 'neurologist@hospital.test', displayName: 'Dr. Eva Svobodová', role: 'clinician' },
      { email: 'ms-nurse@hospital.test', displayName: 'Petr Dvořák', role: 'nurse' },
    ],
  });
  const patientId = await enrolPatient(ds, {
    siteId: 'site-1',
    careTeamId: team.careTeamId,
    indication: 'MS',
    identifiers: [{ authority: 'HOSP', identifier: 'MRN1001' }],
    displayName: 'Jana Nováková',
    birthDate: '1984-05-17',
    sex: 'female',
    courses: [
      {
        courseNumber: 1,
        infusionDays: ['2025-09-01', '2025-09-02', '2025-09-03', '2025-09-04', '2025-09-05'],
      },
    ],
  });
  return { team, patientId };
}
