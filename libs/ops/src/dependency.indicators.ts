import { Inject, Injectable, type OnModuleDestroy, Optional } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import Redis from 'ioredis';
import { type Admin } from 'kafkajs';
import { DataSource } from 'typeorm';
import { type ConsumerStatus, createKafka } from '@alem/messaging';
import { type AppConfig, APP_CONFIG } from '@alem/runtime';
import { OPS_OPTIONS, type OpsOptions, withTimeout } from './ops.options';

const DEFAULT_TIMEOUT_MS = 2000;

/** Postgres answers `SELECT 1` on the app's own pool. */
@Injectable()
export class PostgresHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(OPS_OPTIONS) private readonly options: OpsOptions,
    @Optional() private readonly dataSource?: DataSource,
  ) {}

  async check(): Promise<HealthIndicatorResult> {
    const session = this.health.check('postgres');
    if (!this.dataSource) return session.down({ message: 'this app has no database connection' });
    try {
      await withTimeout(
        this.dataSource.query('SELECT 1'),
        this.options.checkTimeoutMs ?? DEFAULT_TIMEOUT_MS,
        'postgres',
      );
      return session.up();
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}

/** Redis answers PING. One lazily opened connection, reused by every check. */
@Injectable()
export class RedisHealthIndicator implements OnModuleDestroy {
  private client: Redis | null = null;

  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OPS_OPTIONS) private readonly options: OpsOptions,
  ) {}

  async check(): Promise<HealthIndicatorResult> {
    const session = this.health.check('redis');
    const timeout = this.options.checkTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    try {
      this.client ??= new Redis(this.config.redis.url, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: timeout,
      });
      if (this.client.status === 'wait') await withTimeout(this.client.connect(), timeout, 'redis');
      const answer = await withTimeout(this.client.ping(), timeout, 'redis');
      return answer === 'PONG' ? session.up() : session.down({ message: `unexpected answer ${answer}` });
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }

  onModuleDestroy(): void {
    this.client?.disconnect();
    this.client = null;
  }
}

/** Kafka: the cluster's metadata (describeCluster) within the timeout, on one lazily connected admin client. */
@Injectable()
export class KafkaHealthIndicator implements OnModuleDestroy {
  private admin: Admin | null = null;

  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OPS_OPTIONS) private readonly options: OpsOptions,
  ) {}

  /** The shared admin client (also used for consumer lag); recreated after a failure. */
  async connectedAdmin(): Promise<Admin> {
    if (this.admin) return this.admin;
    const timeout = this.options.checkTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const admin = createKafka({
      ...this.config.kafka,
      clientId: `${this.config.kafka.clientId}-ops`,
      connectionTimeoutMs: timeout,
      requestTimeoutMs: timeout,
      retries: 0,
    }).admin();
    // Kept before it connects, so that a reset (or shutdown) also stops a connection still being attempted.
    this.admin = admin;
    try {
      await withTimeout(admin.connect(), timeout, 'kafka');
    } catch (error) {
      await this.reset();
      throw error;
    }
    return admin;
  }

  async check(): Promise<HealthIndicatorResult> {
    const session = this.health.check('kafka');
    const timeout = this.options.checkTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    try {
      const admin = await this.connectedAdmin();
      const cluster = await withTimeout(admin.describeCluster(), timeout, 'kafka');
      return session.up({ brokers: cluster.brokers.length });
    } catch (error) {
      await this.reset();
      return session.down({ message: (error as Error).message });
    }
  }

  async reset(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    await admin?.disconnect().catch(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await this.reset();
  }
}

/**
 * The app's own Kafka consumer runs (has joined its group). The app registers it (`watch`); until then, and
 * while it crashed, restarts or has stopped, the check is down with the consumer's `state` (a word of a fixed
 * list, shown to anyone) and the reason (its error, told like the other checks' errors).
 */
@Injectable()
export class ConsumerHealthIndicator {
  private status: (() => ConsumerStatus) | null = null;

  constructor(private readonly health: HealthIndicatorService) {}

  watch(status: () => ConsumerStatus): void {
    this.status = status;
  }

  check(): HealthIndicatorResult {
    const session = this.health.check('consumer');
    const status = this.status?.();
    if (!status) return session.down({ state: 'none', message: 'no consumer started' });
    if (status.state === 'running') return session.up({ state: status.state });
    return session.down({
      state: status.state,
      since: new Date(status.since).toISOString(),
      ...(status.reason ? { message: status.reason } : {}),
    });
  }
}
