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
    const undispatched = await this.notifications.findUndispatched(
      now,
      this.settings.staleAfterMs,
      this.settings.batchSize,
    );
    // A stale one's dispatch job may have ended without dispatching it (stalled out, or an outage used up its
    // runs): run it again; add only those whose job is gone or was never added.
    const stale = undispatched.filter((n) => n.stale).map((n) => n.id);
    const gone = new Set(await this.rerunEnded(this.dispatchQueue, stale));
    const notificationIds = undispatched.filter((n) => !n.stale || gone.has(n.id)).map((n) => n.id);
    if (stale.length > 0) await this.notifications.markQueued(stale, now);
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
    if (replays.length > 0) {
      await this.rerun(replays, now);
      await this.deliveries.markReplayQueued(
        replays.map((d) => d.id),
        now,
      );
    }
    const owed = deliveries.filter((d) => !d.replay && d.stale);
    if (owed.length > 0) await this.rerun(owed, now);
    const fresh = deliveries.filter((d) => !d.replay && !d.stale);
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
   * The database is the authority on what is still owed (issue 15). A delivery queued long ago and neither sent
   * nor failed is looked up in BullMQ: a job still waiting, delayed or active is left to run; a job that ended
   * without settling it is run again under its own id (data and all), with a fresh retry budget. A job ends so
   * when BullMQ failed it as stalled more than `maxStalledCount` (its notifier died mid-send, twice) or when its
   * runs were used up by a database outage; adding the same id again would be a no-op. A job Redis lost is
   * added again. A dead-lettered delivery an admin replays is run again the same way (Twenty's redrive).
   */
  private async rerun(
    deliveries: ReadonlyArray<{ id: string; generation: number }>,
    now: Date,
  ): Promise<void> {
    const byJob = new Map(deliveries.map((d) => [deliveryJobId(d.id, d.generation), d]));
    const gone = await this.rerunEnded(this.deliveryQueue, [...byJob.keys()]);
    await this.enqueueDeliveries(
      gone.map((jobId) => byJob.get(jobId)!),
      now,
    );
    await this.deliveries.markQueued(
      deliveries.map((d) => d.id),
      now,
    );
  }

  /**
   * Runs again, under their own ids and with a fresh retry budget, the jobs that ended (failed or completed)
   * though the database still owes their work; leaves live ones (waiting, delayed, active) alone. Returns the
   * ids Redis has no job for (lost with a restart), to be added again.
   */
  private async rerunEnded<T>(queue: Queue<T>, jobIds: readonly string[]): Promise<string[]> {
    const gone: string[] = [];
    for (const jobId of jobIds) {
      const job = await queue.getJob(jobId);
      if (!job) {
        gone.push(jobId);
        continue;
      }
      const state = await job.getState();
      if (state !== 'failed' && state !== 'completed') continue;
      this.logger.warn(
        `${queue.name} job ${jobId} ${state === 'failed' ? `failed (${job.failedReason})` : 'completed'}, and its work is owed: running it again`,
      );
      await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
      this.metrics.rerunJobs.inc({ queue: queue.name, state });
    }
    return gone;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.listener?.stop();
    await this.running;
  }
}
