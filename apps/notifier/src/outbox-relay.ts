import { InjectQueue } from '@nestjs/bullmq';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { type Queue } from 'bullmq';
import {
  ContactVerificationRepository,
  DeliveryRepository,
  NotificationRepository,
  PgListener,
} from '@alem/persistence';
import {
  type DeliveryJob,
  deliveryJobId,
  DISPATCH_RETRY,
  type DispatchJob,
  JOBS,
  QUEUES,
  type VerificationJob,
} from '@alem/notifications';
import { type AppConfig, Clock, InjectConfig } from '@alem/runtime';
import { NotifierMetrics } from './notifier.metrics';
import { NOTIFIER_SETTINGS, type NotifierSettings } from './notifier.settings';

export interface RelaySettings {
  pollMs: number;
  /** A queued row not dispatched/sent after this long is queued again (its job may be lost). */
  staleAfterMs: number;
  batchSize: number;
}

export const RELAY_SETTINGS = Symbol('RELAY_SETTINGS');
export const DEFAULT_RELAY_SETTINGS: RelaySettings = { pollMs: 1000, staleAfterMs: 30000, batchSize: 200 };

/** Keeps completed jobs for a day so a re-add with the same id (a stale re-queue) stays a no-op. */
const KEEP = { removeOnComplete: { age: 24 * 3600, count: 10000 }, removeOnFail: false };

/**
 * Moves the outbox into BullMQ without loss or doubles: wakes on NOTIFY notification_pending and polls
 * briefly; job id = notification id (dispatch), delivery id (send; `<id>.<generation>` once held and due
 * again) or verification id, so adding twice is harmless. Rows stay in Postgres until the job has done its work,
 * so Redis being down or restarted delays a notification, never drops it. A dead-lettered delivery an admin
 * replays is re-run under its old job id (Twenty's redrive).
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private listener: PgListener | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly settings: RelaySettings;

  constructor(
    @InjectQueue(QUEUES.dispatch) private readonly dispatchQueue: Queue<DispatchJob>,
    @InjectQueue(QUEUES.delivery) private readonly deliveryQueue: Queue<DeliveryJob>,
    @InjectQueue(QUEUES.verification) private readonly verificationQueue: Queue<VerificationJob>,
    private readonly notifications: NotificationRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly verifications: ContactVerificationRepository,
    private readonly clock: Clock,
    private readonly metrics: NotifierMetrics,
    @InjectConfig() private readonly config: AppConfig,
    @Inject(NOTIFIER_SETTINGS) private readonly notifier: NotifierSettings,
    @Optional() @Inject(RELAY_SETTINGS) settings?: RelaySettings,
  ) {
    this.settings = settings ?? DEFAULT_RELAY_SETTINGS;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.stopped = false;
    this.listener = new PgListener({
      url: this.config.database.url,
      channels: ['notification_pending'],
      onNotify: () => void this.wake(),
      onConnected: () => void this.wake(),
      onError: (error) => this.logger.warn(`outbox listener: ${error.message}`),
    });
    await this.listener.start();
    this.timer = setInterval(() => void this.wake(), this.settings.pollMs);
  }

  /** Runs a relay cycle now (or once more after the current one). */
  wake(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.cycle();
        } while (this.again && !this.stopped);
      } catch (error) {
        this.metrics.relayFailures.inc();
        this.logger.warn(`outbox relay: ${(error as Error).message}; will retry`);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async cycle(): Promise<void> {
    const now = this.clock.now();
    const notificationIds = await this.notifications.findUndispatched(
      now,
      this.settings.staleAfterMs,
      this.settings.batchSize,
    );
    if (notificationIds.length > 0) {
      await this.dispatchQueue.addBulk(
        notificationIds.map((id) => ({
          name: JOBS.dispatch,
          data: { notificationId: id },
          opts: { jobId: id, ...DISPATCH_RETRY, ...KEEP },
        })),
      );
      await this.notifications.markQueued(notificationIds, now);
      this.metrics.relayed.inc({ queue: QUEUES.dispatch }, notificationIds.length);
    }
    const deliveries = await this.deliveries.findUnsent(
      now,
      this.settings.staleAfterMs,
      this.settings.batchSize,
    );
    const replays = deliveries.filter((d) => d.replay);
    if (replays.length > 0) await this.redrive(replays, now);
    const fresh = deliveries.filter((d) => !d.replay);
    if (fresh.length > 0) await this.enqueueDeliveries(fresh, now);
    const verificationIds = await this.verifications.findUnsent(
      now,
      this.settings.staleAfterMs,
      this.settings.batchSize,
    );
    if (verificationIds.length > 0) {
      await this.verificationQueue.addBulk(
        verificationIds.map((id) => ({
          name: JOBS.sendVerification,
          data: { verificationId: id },
          opts: { jobId: id, ...this.notifier.deliveryRetry, ...KEEP },
        })),
      );
      await this.verifications.markQueued(verificationIds, now);
      this.metrics.relayed.inc({ queue: QUEUES.verification }, verificationIds.length);
    }
  }

  async enqueueDeliveries(
    deliveries: ReadonlyArray<{ id: string; generation: number }>,
    now: Date,
  ): Promise<void> {
    if (deliveries.length === 0) return;
    await this.deliveryQueue.addBulk(
      deliveries.map((d) => ({
        name: JOBS.send,
        data: { deliveryId: d.id },
        opts: { jobId: deliveryJobId(d.id, d.generation), ...this.notifier.deliveryRetry, ...KEEP },
      })),
    );
    await this.deliveries.markQueued(
      deliveries.map((d) => d.id),
      now,
    );
    this.metrics.relayed.inc({ queue: QUEUES.delivery }, deliveries.length);
  }

  /**
   * Re-runs dead-lettered deliveries under their old job ids: the failed (or completed, for an SMS that was
   * accepted and never delivered) job is retried with a fresh retry budget; a job Redis no longer has is added
   * again with the same id.
   */
  private async redrive(
    deliveries: ReadonlyArray<{ id: string; generation: number }>,
    now: Date,
  ): Promise<void> {
    for (const d of deliveries) {
      const jobId = deliveryJobId(d.id, d.generation);
      const job = await this.deliveryQueue.getJob(jobId);
      const state = job ? await job.getState() : 'unknown';
      if (job && (state === 'failed' || state === 'completed')) {
        await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
      } else if (!job) {
        await this.deliveryQueue.add(
          JOBS.send,
          { deliveryId: d.id },
          { jobId, ...this.notifier.deliveryRetry, ...KEEP },
        );
      }
      // A job still waiting or active will find the delivery pending again by itself.
    }
    await this.deliveries.markReplayQueued(
      deliveries.map((d) => d.id),
      now,
    );
    await this.deliveries.markQueued(
      deliveries.map((d) => d.id),
      now,
    );
    this.metrics.relayed.inc({ queue: QUEUES.delivery }, deliveries.length);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.listener?.stop();
    await this.running;
  }
}
