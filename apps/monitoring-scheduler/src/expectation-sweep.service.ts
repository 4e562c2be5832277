import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  earliestTransition,
  type ExpectationState,
  expectationsFor,
  MONITORING_SCHEDULE_VERSION,
  type MonitoringSettings,
} from '@alem/clinical';
import {
  type AppliedMonitoringAlertChange,
  type ExpectationRowInput,
  type LabFeedRow,
  type MonitoringAlertChange,
  AlertLedger,
  MonitoringAlertRepository,
  type MonitoringPatientRow,
  type MonitoringResultRow,
  MonitoringSweepRepository,
  type PatientCheckInput,
} from '@alem/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { planPatientAlerts } from './missed-alert-plan';
import {
  monitoringContext,
  RARE_ANALYTES,
  readsWholeHistory,
  receivedResults,
  resultWindowDays,
  SiteSettingsCache,
  WINDOW_ANALYTES,
} from './monitoring-context';
import { MonitoringMetrics } from './monitoring.metrics';
import { SCHEDULER_SETTINGS, type SchedulerSettings } from './scheduler-settings';

const DAY_MS = 86_400_000;

/** What one batch did. */
export interface PatientBatchReport {
  patients: number;
  failed: number;
  alertChanges: AppliedMonitoringAlertChange[];
}

interface Evaluated {
  row: MonitoringPatientRow;
  states: ExpectationState[];
  settingsVersion: number | null;
  keyByRule: Map<string, string>;
  /** Stored fingerprint by rule id. */
  stored: Map<string, string | null>;
}

/**
 * Sweeps due patients in batches: ONE transaction per batch claims up to `batchSize` patients whose
 * `next_check_at` has come (FOR UPDATE SKIP LOCKED: several scheduler instances take disjoint batches), loads
 * their context with a fixed number of set-based queries (patients with courses, suspensions, plan, site zone
 * and settings; the results of the monitored analytes in the window; the feeds of their senders; the stored
 * expectations; the open missed-result alerts), computes every expectation with the pure schedule, applies the
 * missed-result alerts through the alert path (alerts, timeline, outbox), stores the expectations and moves
 * each patient's `next_check_at` to its earliest transition.
 */
@Injectable()
export class ExpectationSweepService {
  private readonly logger = new Logger(ExpectationSweepService.name);
  private readonly siteSettings = new SiteSettingsCache();

  constructor(
    private readonly dataSource: DataSource,
    private readonly sweeps: MonitoringSweepRepository,
    private readonly alerts: MonitoringAlertRepository,
    private readonly ledger: AlertLedger,
    private readonly metrics: MonitoringMetrics,
    @Inject(SCHEDULER_SETTINGS) private readonly settings: SchedulerSettings,
  ) {}

  /**
   * Makes due the patients last evaluated by another version of the schedule (`MONITORING_SCHEDULE_VERSION`):
   * their next checks were computed by the old logic and may come later than the new logic's (monitoring-2
   * anchors some clocks earlier and ends critical holds after 24 h). Returns how many.
   */
  async wakeOtherScheduleVersions(): Promise<number> {
    return this.dataSource.transaction((m) =>
      this.sweeps.wakePatientsOfOtherScheduleVersions(m, MONITORING_SCHEDULE_VERSION),
    );
  }

  /** Claims and evaluates one batch of due patients. A batch the database refuses is retried patient by patient. */
  async sweepBatch(now: Date): Promise<PatientBatchReport> {
    const stop = this.metrics.batchSeconds.startTimer();
    let claimed: string[] = [];
    try {
      return await this.dataSource.transaction(async (m) => {
        claimed = await this.sweeps.claimDuePatients(m, now, this.settings.batchSize);
        return this.evaluate(m, claimed, now);
      });
    } catch (error) {
      if (claimed.length === 0) throw error;
      this.logger.warn(
        `monitoring batch of ${claimed.length} patients failed (${(error as Error).message}); retrying one by one`,
      );
      return await this.isolate(claimed, now);
    } finally {
      stop();
    }
  }

  private async isolate(patientIds: readonly string[], now: Date): Promise<PatientBatchReport> {
    const total: PatientBatchReport = { patients: 0, failed: 0, alertChanges: [] };
    for (const id of patientIds) {
      try {
        const one = await this.dataSource.transaction(async (m) =>
          this.evaluate(m, await this.sweeps.claimPatients(m, [id], now), now),
        );
        total.patients += one.patients;
        total.failed += one.failed;
        total.alertChanges.push(...one.alertChanges);
      } catch (error) {
        this.logger.error(
          `monitoring evaluation of patient ${id} failed: ${(error as Error).message}; retried later`,
        );
        this.metrics.evaluationFailures.inc({ kind: 'batch' });
        await this.dataSource.transaction((m) =>
          this.sweeps.postpone(m, [id], new Date(now.getTime() + this.settings.retryFailedAfterMs)),
        );
        total.failed++;
      }
    }
    return total;
  }

  /** Evaluates these (claimed) patients at `now` inside the caller's transaction. */
  async evaluate(m: EntityManager, patientIds: readonly string[], now: Date): Promise<PatientBatchReport> {
    if (patientIds.length === 0) return { patients: 0, failed: 0, alertChanges: [] };
    const rows = await this.sweeps.loadPatients(m, patientIds);
    const settingsByPatient = new Map<string, { settings: MonitoringSettings; version: number | null }>();
    let windowDays = 0;
    for (const row of rows) {
      const { settings, problem } = this.siteSettings.get(
        row.siteId,
        row.settingsVersion,
        row.settingsOverrides,
      );
      if (problem)
        this.logger.error(
          `site ${row.siteId}: stored monitoring settings invalid, defaults used: ${problem}`,
        );
      settingsByPatient.set(row.patientId, { settings, version: problem ? null : row.settingsVersion });
      windowDays = Math.max(windowDays, resultWindowDays(settings));
    }
    const from = new Date(now.getTime() - windowDays * DAY_MS);
    const wholeHistory = rows.filter((r) => readsWholeHistory(r, from)).map((r) => r.patientId);
    const results = groupBy(
      await this.sweeps.loadResults(m, patientIds, WINDOW_ANALYTES, RARE_ANALYTES, from, now, wholeHistory),
      (r) => r.patientId,
    );
    const senders = [...new Set([...results.values()].flat().map((r) => r.sender))];
    const feeds = new Map((await this.sweeps.loadFeeds(m, senders)).map((f) => [f.sender, f]));
    const previous = groupBy(await this.sweeps.loadExpectations(m, patientIds), (e) => e.patientId);
    const open = groupBy(await this.alerts.openMissedAlerts(m, patientIds), (a) => a.patientId!);

    const changes: MonitoringAlertChange[] = [];
    const evaluated: Evaluated[] = [];
    const failed: string[] = [];
    for (const row of rows) {
      const mine = results.get(row.patientId) ?? [];
      const before = new Map((previous.get(row.patientId) ?? []).map((e) => [e.ruleId, e]));
      const openAlerts = open.get(row.patientId) ?? [];
      const { settings, version } = settingsByPatient.get(row.patientId)!;
      let states: ExpectationState[] = [];
      const left = row.enrolmentEndedAt !== null && row.enrolmentEndedAt.getTime() <= now.getTime();
      // A patient who left the programme expects nothing any more: their open missed-result alerts close.
      if (!left) {
        try {
          states = this.compute(row, mine, feeds, now, settings);
        } catch (error) {
          this.logger.error(
            `monitoring evaluation of patient ${row.patientId} failed: ${(error as Error).message}; retried later`,
          );
          this.metrics.evaluationFailures.inc({ kind: 'compute' });
          failed.push(row.patientId);
          continue;
        }
      }
      const plan = planPatientAlerts({
        patientId: row.patientId,
        states,
        courses: row.courses,
        open: openAlerts,
        previous: before,
        endReason: left ? 'enrolment-ended' : null,
      });
      changes.push(...plan.changes);
      evaluated.push({
        row,
        states,
        settingsVersion: version,
        keyByRule: plan.keyByRule,
        stored: new Map([...before].map(([rule, e]) => [rule, e.fingerprint])),
      });
    }

    const recheckNow = await this.feedsThatSpoke(m, evaluated, feeds);
    await this.learnFeedSites(m, rows, results, feeds);
    // The alert each state will point to: the open one it already has, or the one about to be opened.
    const openIdByKey = new Map([...open.values()].flat().map((a) => [a.dedupKey, a.id]));
    const resolving = new Set(changes.flatMap((c) => (c.type === 'resolve' ? [c.alert.dedupKey] : [])));
    const rowsOf = (e: Evaluated, alertIdOf: (key: string) => string | null) =>
      e.states.map((s) =>
        expectationRow(e.row.patientId, s, alertIdOf(e.keyByRule.get(s.ruleId)!), e.settingsVersion),
      );
    // An alert update that raises, reopens, notifies or notes nothing, for a state whose row is unchanged, is a
    // no-op: re-evaluating a patient whose expectations did not move rewrites nothing.
    const unchanged = new Set<string>();
    for (const e of evaluated) {
      for (const x of rowsOf(e, (key) => (resolving.has(key) ? null : (openIdByKey.get(key) ?? null)))) {
        if (e.stored.get(x.ruleId) === x.fingerprint) unchanged.add(e.keyByRule.get(x.ruleId)!);
      }
    }
    const effective = changes.filter(
      (c) =>
        !(
          c.type === 'update' &&
          !c.severityRaised &&
          !c.reopen &&
          !c.notify &&
          (c.notes ?? []).length === 0 &&
          unchanged.has(c.alert.dedupKey)
        ),
    );
    const applied = await this.ledger.applyMonitoringChanges(m, effective, now);
    const alertIdByKey = new Map(openIdByKey);
    for (const a of applied) {
      if (a.change === 'resolved') alertIdByKey.delete(a.dedupKey);
      else alertIdByKey.set(a.dedupKey, a.alertId);
    }

    const expectationRows: ExpectationRowInput[] = [];
    const checks: PatientCheckInput[] = [];
    for (const e of evaluated) {
      for (const x of rowsOf(e, (key) => alertIdByKey.get(key) ?? null)) {
        if (e.stored.get(x.ruleId) !== x.fingerprint) expectationRows.push(x);
      }
      checks.push({
        patientId: e.row.patientId,
        nextCheckAt: recheckNow.has(e.row.patientId) ? now : earliestTransition(e.states),
        settingsVersion: e.settingsVersion,
        ruleIds: e.states.map((s) => s.ruleId),
      });
    }
    await this.sweeps.saveEvaluations(m, expectationRows, checks, MONITORING_SCHEDULE_VERSION, now);
    await this.sweeps.postpone(m, failed, new Date(now.getTime() + this.settings.retryFailedAfterMs));

    this.metrics.patientsSwept.inc(evaluated.length);
    for (const a of applied) this.metrics.alertChanges.inc({ rule: a.ruleId, change: a.change });
    return { patients: evaluated.length, failed: failed.length, alertChanges: applied };
  }

  private compute(
    row: MonitoringPatientRow,
    results: readonly MonitoringResultRow[],
    feeds: ReadonlyMap<string, LabFeedRow>,
    now: Date,
    settings: MonitoringSettings,
  ): ExpectationState[] {
    const mine = [...new Set(results.map((r) => r.sender))]
      .map((s) => feeds.get(s))
      .filter((f): f is LabFeedRow => f !== undefined);
    return expectationsFor(monitoringContext(row, mine), receivedResults(results), now, settings);
  }

  /**
   * Re-reads, under a share lock, the feeds that hold this batch's alerts. Those that spoke or were released
   * since they were loaded make their patients due again at once: otherwise a release committed while this
   * batch was computing would find no held row to wake, and the alert would stay held until the hold ran out.
   */
  private async feedsThatSpoke(
    m: EntityManager,
    evaluated: readonly Evaluated[],
    loaded: ReadonlyMap<string, LabFeedRow>,
  ): Promise<Set<string>> {
    const holding = [...new Set(evaluated.flatMap((e) => e.states.flatMap((s) => s.heldBy)))];
    if (holding.length === 0) return new Set();
    const current = await this.sweeps.lockHoldingFeeds(m, holding);
    const moved = new Set(
      current
        .filter((c) => {
          const was = loaded.get(c.sender);
          return (
            !was ||
            c.lastSeenAt?.getTime() !== was.lastSeenAt?.getTime() ||
            c.holdReleasedAt?.getTime() !== was.holdReleasedAt?.getTime()
          );
        })
        .map((c) => c.sender),
    );
    return new Set(
      evaluated
        .filter((e) => e.states.some((s) => s.heldBy.some((h) => moved.has(h))))
        .map((e) => e.row.patientId),
    );
  }

  /** Feeds without an owning site get the site of a patient they serve (their FEED-QUIET alert's route). */
  private async learnFeedSites(
    m: EntityManager,
    rows: readonly MonitoringPatientRow[],
    results: ReadonlyMap<string, MonitoringResultRow[]>,
    feeds: ReadonlyMap<string, LabFeedRow>,
  ): Promise<void> {
    const orphan = new Set([...feeds.values()].filter((f) => f.siteId === null).map((f) => f.sender));
    if (orphan.size === 0) return;
    const votes = new Map<string, Map<string, number>>();
    for (const row of rows) {
      for (const sender of new Set((results.get(row.patientId) ?? []).map((r) => r.sender))) {
        if (!orphan.has(sender)) continue;
        const bySite = votes.get(sender) ?? new Map<string, number>();
        bySite.set(row.siteId, (bySite.get(row.siteId) ?? 0) + 1);
        votes.set(sender, bySite);
      }
    }
    const pairs = [...votes].map(([sender, bySite]) => ({
      sender,
      siteId: [...bySite].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0],
    }));
    await this.sweeps.learnFeedSites(m, pairs);
  }
}

function expectationRow(
  patientId: string,
  s: ExpectationState,
  alertId: string | null,
  settingsVersion: number | null,
): ExpectationRowInput {
  const row = {
    patientId,
    ruleId: s.ruleId,
    kind: s.kind,
    courseNumber: s.courseNumber,
    status: s.status,
    severity: s.severity,
    dueDay: s.dueDay,
    lastReceivedDay: s.lastReceivedDay,
    heldBy: s.heldBy,
    nextChangeAt: s.nextChange?.at ?? null,
    alertId,
    explanation: s.explanation,
    settingsVersion,
  };
  // Everything stored except the evaluation time.
  const fingerprint = createHash('sha1')
    .update(MONITORING_SCHEDULE_VERSION)
    .update(JSON.stringify(row))
    .digest('base64url');
  return { ...row, fingerprint };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
