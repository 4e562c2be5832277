import {
  type AnalyteId,
  analytesForRule,
  DEFAULT_MONITORING_SETTINGS,
  type FeedObservation,
  localDay,
  type MonitoringContext,
  monitoringRules,
  type MonitoringSettings,
  type MonitoringSettingsOverrides,
  type ReceivedResult,
  resolveMonitoringSettings,
} from '@alem/clinical';
import { type LabFeedRow, type MonitoringPatientRow, type MonitoringResultRow } from '@alem/persistence';

/**
 * Rows → the pure schedule's inputs. Nothing here reads the database or the clock.
 */

/** Rare analytes read over the whole history: the gates (UPCR, HIV before course 1) and the CD4 reminder. */
export const RARE_ANALYTES: readonly AnalyteId[] = ['cd4', 'upcr', 'hiv-screen'];

/** Every analyte a monitoring rule reads, except the rare ones: read only within the window. */
export const WINDOW_ANALYTES: readonly AnalyteId[] = [
  ...new Set([...monitoringRules('MS'), ...monitoringRules('CLL')].flatMap(analytesForRule)),
].filter((a) => !RARE_ANALYTES.includes(a));

/**
 * Days of results the sweep loads for the rolling tests: longer than every threshold (so a sample older than
 * the window is past critical whichever way it is read, and every state is exact; see `readsWholeHistory` for
 * the one exception), than the lookback of the feeds that serve a patient, and than a gate's window plus its
 * review period.
 */
export function resultWindowDays(s: MonitoringSettings): number {
  const schedules = [s.cbc, s.creatinine, s.urinalysis, s.thyroid, s.liver, s.cllCbc];
  const thresholds = Math.max(...schedules.map((x) => x.criticalDays ?? x.warningDays ?? x.dueDays));
  const gateWindow = Math.max(...[s.gates.baseline, s.gates.upcr, s.gates.hiv].map((g) => g.windowDays ?? 0));
  // +1 day: results are filtered by instant, the schedule counts site-zone days.
  return (
    Math.max(thresholds, s.feeds.servingLookbackDays, s.gates.reviewDays + gateWindow) +
    s.completionWindowDays +
    1
  );
}

/**
 * Whether the sweep reads the patient's rolling-test results over their whole history instead of from
 * `windowStart`: true for a patient enrolled at or after it. A complete sample since the start of monitoring
 * anchors the clock even when it predates enrolment (README decision 7), so a backfilled sample older than the
 * window decides the state of a recently enrolled patient (overdue from the sample, not pending from the
 * enrolment day). For a patient enrolled before the window, such a sample and the enrolment day are both older
 * than the window: past every threshold whichever way it is read.
 */
export function readsWholeHistory(row: Pick<MonitoringPatientRow, 'enrolledAt'>, windowStart: Date): boolean {
  return row.enrolledAt.getTime() >= windowStart.getTime();
}

/**
 * A feed whose hold a person released for its current quiet episode (no message since the release) is left
 * out of the patients' context: it holds nothing, their alerts go out as if it were not quiet.
 */
export function isHoldReleased(feed: Pick<LabFeedRow, 'lastSeenAt' | 'holdReleasedAt'>): boolean {
  return (
    feed.holdReleasedAt !== null &&
    feed.lastSeenAt !== null &&
    feed.holdReleasedAt.getTime() >= feed.lastSeenAt.getTime()
  );
}

export function feedObservation(feed: LabFeedRow): FeedObservation {
  return {
    sender: feed.sender,
    rhythm: {
      quietAfterMs: feed.quietAfterMs,
      source: feed.rhythmSource,
      learnedFrom: feed.rhythmLearnedFrom,
    },
    lastSeenAt: feed.lastSeenAt,
  };
}

/** The schedule's view of one patient: courses, plan, suspensions, zone, enrolment and the feeds serving them. */
export function monitoringContext(
  row: MonitoringPatientRow,
  feeds: readonly LabFeedRow[],
): MonitoringContext {
  return {
    patientId: row.patientId,
    indication: row.indication,
    timeZone: row.timeZone,
    courses: row.courses.map((c) => ({ courseNumber: c.courseNumber, infusionDays: c.infusionDays })),
    plannedCourse: row.plannedCourse && {
      courseNumber: row.plannedCourse.courseNumber,
      startDay: row.plannedCourse.startDay,
    },
    suspensions: row.suspensions.map((s) => ({
      reason: s.reason,
      author: s.author,
      start: s.start,
      end: s.end,
      note: s.note,
    })),
    enrolledOn: localDay(row.enrolledAt, row.timeZone),
    monitoringExtensionMonths: row.monitoringExtensionMonths,
    thyroidExtensionMonths: row.thyroidExtensionMonths,
    cllTherapyEnd: row.cllTherapyEndDay,
    feeds: feeds.filter((f) => !isHoldReleased(f)).map(feedObservation),
  };
}

export function receivedResults(rows: readonly MonitoringResultRow[]): ReceivedResult[] {
  return rows.map((r) => ({
    analyte: r.analyte as AnalyteId,
    observedAt: r.observedAt,
    sender: r.sender,
    status: r.status,
    value: r.value,
  }));
}

/**
 * Resolved settings per site version, remembered: a batch's patients share a handful of sites. Stored
 * overrides were validated when saved; if they no longer are (a newer schedule version tightened the rules),
 * the defaults apply and the caller logs it, rather than stopping the site's sweep.
 */
export class SiteSettingsCache {
  private readonly resolved = new Map<string, MonitoringSettings>();

  get(
    siteId: string | null,
    version: number | null,
    overrides: MonitoringSettingsOverrides | null,
  ): { settings: MonitoringSettings; problem: string | null } {
    if (overrides === null || siteId === null)
      return { settings: DEFAULT_MONITORING_SETTINGS, problem: null };
    const key = `${siteId}@${version ?? JSON.stringify(overrides)}`;
    const known = this.resolved.get(key);
    if (known) return { settings: known, problem: null };
    try {
      const settings = resolveMonitoringSettings(overrides);
      if (this.resolved.size > 1000) this.resolved.clear();
      this.resolved.set(key, settings);
      return { settings, problem: null };
    } catch (error) {
      return { settings: DEFAULT_MONITORING_SETTINGS, problem: (error as Error).message };
    }
  }
}
