import { Inject, Injectable, Logger } from '@nestjs/common';
import { feedRhythmFromSilences, feedStatus } from '@alem/clinical';
import {
  type AppliedMonitoringAlertChange,
  type DueLabFeedRow,
  type MonitoringAlertChange,
  AlertLedger,
  MonitoringAlertRepository,
  MonitoringSweepRepository,
} from '@alem/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { feedAlertDedupKey, planFeedAlert } from './feed-alert-plan';
import { feedObservation, isHoldReleased, SiteSettingsCache } from './monitoring-context';
import { MonitoringMetrics } from './monitoring.metrics';
import { SCHEDULER_SETTINGS, type SchedulerSettings } from './scheduler-settings';

const DAY_MS = 86_400_000;

export interface FeedBatchReport {
  feeds: number;
  /** Patients woken because a feed stopped holding them (spoke again, released, hold ran out). */
  patientsWoken: number;
  alertChanges: AppliedMonitoringAlertChange[];
}

/**
 * Quiet lab feeds (alerting-anchors §4 item 6a): learns each feed's rhythm from the per-day longest silences
 * the processor's activity reports leave in `lab_feed_silences`; sweeps the feeds whose `next_check_at` has come
 * (FOR UPDATE SKIP LOCKED); keeps ONE FEED-QUIET alert per quiet sender, routed to its site's integration team;
 * and when a feed stops holding (it spoke, a person released it, the hold ran out) wakes the patients whose
 * missed-result alerts it held, so their sweep releases or resolves them.
 */
@Injectable()
export class FeedSweepService {
  private readonly logger = new Logger(FeedSweepService.name);
  private readonly siteSettings = new SiteSettingsCache();

  constructor(
    private readonly dataSource: DataSource,
    private readonly sweeps: MonitoringSweepRepository,
    private readonly alerts: MonitoringAlertRepository,
    private readonly ledger: AlertLedger,
    private readonly metrics: MonitoringMetrics,
    @Inject(SCHEDULER_SETTINGS) private readonly settings: SchedulerSettings,
  ) {}

  /** One batch of due feeds. */
  async sweepBatch(now: Date): Promise<FeedBatchReport> {
    return this.dataSource.transaction(async (m) =>
      this.sweepFeeds(m, await this.sweeps.claimDueFeeds(m, now, this.settings.feedBatchSize), now),
    );
  }

  /**
   * One batch of quiet feeds whose FEED-QUIET alert shows a stale number of held patients (patient sweeps
   * started or ended holds since): swept again, so the alert says how many patients it holds as holds start
   * and end, not only as it was when the feed went quiet. Run after the patients of a sweep.
   */
  async refreshHeldCounts(now: Date): Promise<FeedBatchReport> {
    return this.dataSource.transaction(async (m) =>
      this.sweepFeeds(m, await this.sweeps.claimFeedsWithStaleHeldCount(m, this.settings.feedBatchSize), now),
    );
  }

  /** Evaluates these (claimed) feeds at `now` inside the caller's transaction. */
  private async sweepFeeds(
    m: EntityManager,
    feeds: readonly DueLabFeedRow[],
    now: Date,
  ): Promise<FeedBatchReport> {
    if (feeds.length === 0) return { feeds: 0, patientsWoken: 0, alertChanges: [] };
    const senders = feeds.map((f) => f.sender);
    const open = new Map(
      (await this.alerts.openAlertsByKey(m, senders.map(feedAlertDedupKey))).map((a) => [a.dedupKey, a]),
    );
    const held = await this.sweeps.heldPatientCounts(m, senders);
    const changes: MonitoringAlertChange[] = [];
    const wake: string[] = [];
    const wakeCritical: string[] = [];
    const states: Array<{
      sender: string;
      state: 'ok' | 'quiet' | 'unknown';
      quietSince: Date | null;
      holding: boolean;
      nextCheckAt: Date | null;
    }> = [];
    for (const feed of feeds) {
      const { settings } = this.siteSettings.get(feed.siteId, null, feed.settingsOverrides);
      const status = feedStatus(feedObservation(feed), now, settings.feeds);
      const released = isHoldReleased(feed);
      const holding = status.holding && !released;
      const change = planFeedAlert(
        feed,
        status,
        released,
        held.get(feed.sender) ?? 0,
        open.get(feedAlertDedupKey(feed.sender)) ?? null,
      );
      if (change) changes.push(change);
      if (change?.type === 'open' && !change.route) {
        this.logger.error(
          `lab feed ${feed.sender} is quiet and has no integration team to tell (configure its site and the site's integration team)`,
        );
      }
      if (feed.holding && !holding) wake.push(feed.sender);
      // Its critical holds have run out (README decision 15): the patients' own next checks are at that instant;
      // this catches those computed before the feed's rhythm or quiet time moved. Waking early is harmless.
      else if (holding && !status.holdingCritical) wakeCritical.push(feed.sender);
      states.push({
        sender: feed.sender,
        state: status.state,
        quietSince: status.state === 'quiet' ? status.quietAt : null,
        holding,
        nextCheckAt: status.nextChangeAt,
      });
    }
    const applied = await this.ledger.applyMonitoringChanges(m, changes, now);
    const alertIdBySender = new Map(
      applied
        .filter((a) => a.change !== 'resolved')
        .map((a) => [a.dedupKey.slice('feed|'.length), a.alertId]),
    );
    await this.sweeps.saveFeedStates(
      m,
      states.map((s) => ({ ...s, alertId: alertIdBySender.get(s.sender) ?? null })),
    );
    const patientsWoken =
      (await this.sweeps.wakePatientsHeldBy(m, wake)) +
      (await this.sweeps.wakePatientsHeldBy(m, wakeCritical, 'critical'));
    for (const a of applied) this.metrics.alertChanges.inc({ rule: a.ruleId, change: a.change });
    return { feeds: feeds.length, patientsWoken, alertChanges: applied };
  }

  /**
   * Relearns the rhythm of feeds not configured by hand whose last learning is older than the refresh period:
   * the `learnPercentile` of the per-day longest silences over `learnLookbackDays`, × `learnFactor`, clamped;
   * the default threshold while there are too few days of traffic. Returns how many feeds were relearned.
   */
  async learnRhythms(now: Date): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      const staleBefore = new Date(now.getTime() - this.settings.feedRhythmRefreshMs);
      const due = await this.sweeps.claimFeedsToLearn(m, staleBefore, 500);
      if (due.length === 0) return 0;
      const withSettings = due.map((d) => ({
        sender: d.sender,
        feeds: this.siteSettings.get(d.siteId, null, d.settingsOverrides).settings.feeds,
      }));
      const longest = Math.max(...withSettings.map((d) => d.feeds.learnLookbackDays));
      const today = utcDay(now);
      const silences = await this.sweeps.feedSilences(
        m,
        due.map((d) => d.sender),
        utcDay(new Date(now.getTime() - longest * DAY_MS)),
        today,
      );
      const rhythms = withSettings.map((d) => {
        const from = utcDay(new Date(now.getTime() - d.feeds.learnLookbackDays * DAY_MS));
        // Days are keyed in SQL; keep those inside this feed's own lookback.
        const days = silences.get(d.sender) ?? [];
        const rhythm = feedRhythmFromSilences(
          days.filter((x) => x.day >= from).map((x) => x.ms),
          d.feeds,
        );
        return {
          sender: d.sender,
          quietAfterMs: rhythm.quietAfterMs,
          source: rhythm.source as 'learned' | 'default',
          learnedFrom: rhythm.learnedFrom,
        };
      });
      await this.sweeps.saveFeedRhythms(
        m,
        rhythms,
        now,
        utcDay(new Date(now.getTime() - (longest + 1) * DAY_MS)),
      );
      return rhythms.length;
    });
  }
}

function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}
