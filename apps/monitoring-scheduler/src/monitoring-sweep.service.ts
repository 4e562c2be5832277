import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { EXPECTATION_STATUSES } from '@alem/clinical';
import { type AppliedMonitoringAlertChange, MonitoringSweepRepository } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource } from 'typeorm';
import { ExpectationSweepService } from './expectation-sweep.service';
import { FeedSweepService } from './feed-sweep.service';
import { MonitoringMetrics } from './monitoring.metrics';
import { SCHEDULER_SETTINGS, type SchedulerSettings } from './scheduler-settings';

/** What one sweep did. */
export interface SweepReport {
  feedsRelearned: number;
  feeds: number;
  patients: number;
  failed: number;
  batches: number;
  patientsWoken: number;
  alertChanges: AppliedMonitoringAlertChange[];
}

/**
 * The scheduler's loop: every `sweepIntervalMs` (and once at boot), relearn stale feed rhythms, sweep the due
 * feeds, then the due patients in bounded batches, until a batch comes back short, then the feeds whose
 * FEED-QUIET alert no longer shows how many patients they hold. The first sweep of a process also makes due
 * the patients last evaluated by another schedule version. One sweep at a time per instance; several
 * instances share the work through SKIP LOCKED. Tests and the benchmark call `sweep()` directly with a moved
 * clock.
 */
@Injectable()
export class MonitoringSweepService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MonitoringSweepService.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SweepReport> | null = null;
  private lastGaugeRefresh = 0;
  private scheduleVersionChecked = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly expectations: ExpectationSweepService,
    private readonly feeds: FeedSweepService,
    private readonly sweeps: MonitoringSweepRepository,
    private readonly clock: Clock,
    private readonly metrics: MonitoringMetrics,
    @Inject(SCHEDULER_SETTINGS) private readonly settings: SchedulerSettings,
  ) {}

  onApplicationBootstrap(): void {
    if (this.settings.sweepIntervalMs <= 0) return;
    this.timer = setInterval(() => void this.tick(), this.settings.sweepIntervalMs);
    this.timer.unref();
    void this.tick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    try {
      await this.sweep();
    } catch (error) {
      this.logger.warn(`monitoring sweep failed: ${(error as Error).message}; next sweep retries`);
    }
  }

  /** Runs one full sweep now (or joins the one running) and reports what it did. */
  sweep(): Promise<SweepReport> {
    if (this.running) return this.running;
    this.running = this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<SweepReport> {
    const stop = this.metrics.sweepSeconds.startTimer();
    const report: SweepReport = {
      feedsRelearned: 0,
      feeds: 0,
      patients: 0,
      failed: 0,
      batches: 0,
      patientsWoken: 0,
      alertChanges: [],
    };
    try {
      // Once per start: a new schedule version re-evaluates the patients the previous one scheduled.
      if (!this.scheduleVersionChecked) {
        const woken = await this.expectations.wakeOtherScheduleVersions();
        this.scheduleVersionChecked = true;
        if (woken > 0)
          this.logger.log(`${woken} patients were evaluated by another schedule version: re-evaluating`);
      }
      report.feedsRelearned = await this.feeds.learnRhythms(this.clock.now());
      for (;;) {
        const batch = await this.feeds.sweepBatch(this.clock.now());
        report.feeds += batch.feeds;
        report.patientsWoken += batch.patientsWoken;
        report.alertChanges.push(...batch.alertChanges);
        if (batch.feeds < this.settings.feedBatchSize) break;
      }
      while (report.batches < this.settings.maxBatchesPerSweep) {
        const batch = await this.expectations.sweepBatch(this.clock.now());
        report.batches++;
        report.patients += batch.patients;
        report.failed += batch.failed;
        report.alertChanges.push(...batch.alertChanges);
        if (batch.patients + batch.failed < this.settings.batchSize) break;
      }
      // The patients just swept may have started or ended holds: the FEED-QUIET alerts recount them.
      for (;;) {
        const batch = await this.feeds.refreshHeldCounts(this.clock.now());
        report.feeds += batch.feeds;
        report.patientsWoken += batch.patientsWoken;
        report.alertChanges.push(...batch.alertChanges);
        if (batch.feeds < this.settings.feedBatchSize) break;
      }
    } finally {
      stop();
    }
    await this.refreshGauges().catch((error: Error) =>
      this.logger.warn(`monitoring gauges not refreshed: ${error.message}`),
    );
    return report;
  }

  /** Recounts expectations by status and quiet feeds (at most every `gaugeRefreshMs` of wall time). */
  async refreshGauges(force = false): Promise<void> {
    const wall = Date.now();
    if (!force && wall - this.lastGaugeRefresh < this.settings.gaugeRefreshMs) return;
    this.lastGaugeRefresh = wall;
    const counts = await this.sweeps.counts(this.dataSource.manager);
    for (const status of new Set([...EXPECTATION_STATUSES, ...counts.expectationsByStatus.keys()])) {
      this.metrics.expectations.set({ status }, counts.expectationsByStatus.get(status) ?? 0);
    }
    this.metrics.feedsQuiet.set({ holding: 'true' }, counts.holdingFeeds);
    this.metrics.feedsQuiet.set({ holding: 'false' }, counts.quietFeeds - counts.holdingFeeds);
  }
}
