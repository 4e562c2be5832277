import { mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import {
  type AppProcess,
  createMigratedDatabase,
  embeddedSecrets,
  freePort,
  KafkaMockBroker,
  localAuditAnchorEnv,
  PostgresCluster,
  PROCESSOR_NODE_FLAGS,
  RedisServer,
  SmsProviderStub,
  SmtpCapture,
  startProcess,
  waitFor,
} from '@alem/local-stack';

/** The apps as the drill runs them: each its own OS process, started from dist/ as deployed. */
export type AppName = 'processor-1' | 'processor-2' | 'notifier' | 'ingest-gateway' | 'monitoring-scheduler';

const ENTRY: Record<AppName, string> = {
  'processor-1': 'apps/result-processor/src/main',
  'processor-2': 'apps/result-processor/src/main',
  notifier: 'apps/notifier/src/main',
  'ingest-gateway': 'apps/ingest-gateway/src/main',
  'monitoring-scheduler': 'apps/monitoring-scheduler/src/main',
};

/** `dist`: the compiled apps, as deployed (`npm run drill` builds first); `source`: TypeScript, for the tests. */
export type AppBuild = 'dist' | 'source';

export const DRILL_DATABASE = 'alem_drill';

/**
 * Everything the drill runs on, all on 127.0.0.1 and all its own, so that it can break each part without
 * touching anything else on the machine: a PostgreSQL cluster of its own (crashed and restarted for real), a
 * redis-server of its own (killed and restarted), the Kafka-protocol mock cluster (its brokers taken down and
 * up), an SMTP server and an SMS provider stand-in, and the five app processes.
 */
export class DrillSystem {
  readonly processes = new Map<AppName, AppProcess>();
  /** How many times each app was started (a replacement after a kill counts). */
  readonly starts = new Map<AppName, number>();
  private db: Pool | null = null;

  private constructor(
    readonly postgres: PostgresCluster,
    readonly redis: RedisServer,
    readonly broker: KafkaMockBroker,
    readonly smtp: SmtpCapture,
    readonly sms: SmsProviderStub,
    readonly mllpPort: number,
    readonly notifierPort: number,
    private readonly anchorDir: string,
    readonly env: Record<string, string>,
    private readonly build: AppBuild,
  ) {}

  static async start(options: { log: (line: string) => void; build: AppBuild }): Promise<DrillSystem> {
    // Whatever started is stopped again if a later part cannot start.
    const undo: Array<() => Promise<void> | void> = [];
    try {
      const postgres = await PostgresCluster.start();
      undo.push(() => postgres.stop());
      options.log(`postgres: a cluster of its own on 127.0.0.1:${postgres.port}`);
      const redis = await RedisServer.start();
      undo.push(() => redis.stop());
      const broker = await KafkaMockBroker.start();
      undo.push(() => broker.stop());
      const smtp = await SmtpCapture.start();
      undo.push(() => smtp.stop());
      const sms = await SmsProviderStub.start({ accountSid: 'ACdrill', authToken: 'drill-sms-auth-token' });
      undo.push(() => sms.stop());
      const anchorDir = await mkdtemp(join(tmpdir(), 'alem-drill-anchors-'));
      undo.push(() => rm(anchorDir, { recursive: true, force: true }));
      const databaseUrl = await createMigratedDatabase(DRILL_DATABASE, postgres.url());
      const mllpPort = await freePort();
      const notifierPort = await freePort();
      const env: Record<string, string> = {
        ...embeddedSecrets(),
        // The embedded local stack, never a deployment (plain MLLP from 127.0.0.1, random secrets).
        NODE_ENV: 'development',
        LOG_LEVEL: process.env.DRILL_LOG_LEVEL ?? 'error',
        DATABASE_URL: databaseUrl,
        REDIS_URL: redis.url,
        REDIS_PREFIX: 'drill',
        KAFKA_BROKERS: broker.bootstrap,
        SMTP_URL: smtp.url,
        ...sms.env(),
        ...(await localAuditAnchorEnv(anchorDir)),
        PUBLIC_BASE_URL: 'http://127.0.0.1:8080',
        HTTP_PORT: '0',
        MLLP_HOST: '127.0.0.1',
        MLLP_PORT: String(mllpPort),
        MLLP_PEER_AUTHENTICATION: 'registered',
        GATEWAY_HTTP_PORT: '0',
        // One message per alert per person per channel: no flood summaries, so that the ledger can expect each.
        NOTIFY_RATE_LIMIT_COUNT: '0',
        // The drill is shorter than a receipt's timeout: a receipt lost to a notifier kill is not failed over.
        SMS_DELIVERY_TIMEOUT_MS: '1800000',
      };
      return new DrillSystem(
        postgres,
        redis,
        broker,
        smtp,
        sms,
        mllpPort,
        notifierPort,
        anchorDir,
        env,
        options.build,
      );
    } catch (error) {
      for (const step of undo.reverse()) {
        try {
          await step();
        } catch {
          // best effort: the first error is the one to report
        }
      }
      throw error;
    }
  }

  /** A pool on the drill's database, for set-up and the ledger (reconnects after a Postgres restart). */
  get database(): Pool {
    if (!this.db) {
      this.db = new Pool({ connectionString: this.env.DATABASE_URL, max: 3 });
      // An idle connection cut by a Postgres restart is replaced on the next query.
      this.db.on('error', () => undefined);
    }
    return this.db;
  }

  /** Starts (or starts again, after a kill) one app and waits until it is up. */
  async startApp(name: AppName): Promise<AppProcess> {
    const extra: Record<string, string> = name === 'notifier' ? { HTTP_PORT: String(this.notifierPort) } : {};
    const app = startProcess(
      `${ENTRY[name]}.${this.build === 'dist' ? 'js' : 'ts'}`,
      { ...this.env, ...extra, KAFKA_CLIENT_ID: name },
      name.startsWith('processor') ? PROCESSOR_NODE_FLAGS : [],
      { stderr: 'inherit' },
    );
    this.processes.set(name, app);
    this.starts.set(name, (this.starts.get(name) ?? 0) + 1);
    if (name === 'ingest-gateway') await waitForPort(this.mllpPort, app);
    if (name === 'notifier') await waitForPort(this.notifierPort, app);
    return app;
  }

  async kill(name: AppName): Promise<void> {
    await this.processes.get(name)?.kill();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map((app) => app.stop().catch(() => undefined)));
    await this.db?.end().catch(() => undefined);
    await this.smtp.stop().catch(() => undefined);
    await this.sms.stop().catch(() => undefined);
    await this.broker.stop().catch(() => undefined);
    await this.redis.stop().catch(() => undefined);
    this.postgres.stop();
    await rm(this.anchorDir, { recursive: true, force: true });
  }
}

async function waitForPort(port: number, app: AppProcess): Promise<void> {
  await waitFor(
    async () => {
      if (!app.running) throw new Error(`the process for port ${port} exited while starting`);
      return new Promise<boolean>((resolve) => {
        const socket = new Socket();
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
        socket.connect(port, '127.0.0.1');
      });
    },
    { timeoutMs: 60000, intervalMs: 100, description: `port ${port} to listen` },
  );
}
