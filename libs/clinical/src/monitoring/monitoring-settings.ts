import { type Severity } from '../alerts/alert-decision';

/**
 * When a rolling expectation is due and how a missing result escalates, in days after its anchor (the day of the
 * last complete sample, or the start of monitoring when none has come yet). All values are [P] defaults of
 * `docs/clinical-rules.md` §3; a site may override them.
 */
export interface IntervalSchedule {
  /** Due on anchor + `dueDays`. */
  dueDays: number;
  /** Missed-result warning from anchor + `warningDays`; null: this expectation never warns. */
  warningDays: number | null;
  /** Missed-result critical from anchor + `criticalDays`; null: this expectation never goes critical. */
  criticalDays: number | null;
}

/** A pre-course gate: which results satisfy it and how loud an unmet gate is. */
export interface GateSettings {
  /**
   * Results count when observed on a day in [course start − `windowDays`, course start] (the infusion day itself
   * included: labs drawn that morning before the infusion). Null: any result before the course counts.
   */
  windowDays: number | null;
  severity: Severity;
}

/** How quiet lab feeds are recognised (see `feed-rhythm.ts`) and how long they may hold patients' alerts. */
export interface FeedSettings {
  /** Days of arrivals a learned rhythm looks at. */
  learnLookbackDays: number;
  /** Fewer days with traffic than this: not enough to learn from, the default threshold applies. */
  learnMinActiveDays: number;
  /** Percentile (0–1, nearest rank) of the per-day longest silences. */
  learnPercentile: number;
  /** Safety factor applied to that percentile. */
  learnFactor: number;
  /** Bounds of a learned threshold, in hours. */
  quietFloorHours: number;
  quietCeilingHours: number;
  /** Threshold used when a feed has neither a configured nor a learned rhythm. */
  defaultQuietAfterHours: number;
  /** A sender serves a patient's test group when it sent one of that group's results within these days. */
  servingLookbackDays: number;
  /**
   * Days a quiet feed may hold its patients' missed-result alerts, counted from the moment it went quiet. After
   * that the alerts go out anyway (and the feed alert turns critical): an outage that long is a clinical risk.
   */
  maxHoldDays: number;
  /**
   * Hours a quiet feed may hold a CRITICAL missed-result alert, counted from the moment it went quiet (never
   * longer than `maxHoldDays`). A result missing past its critical threshold cannot wait a week for the lab's
   * interface: after this its page goes out even while the feed stays quiet. Warnings keep `maxHoldDays`.
   */
  maxCriticalHoldHours: number;
}

export interface MonitoringSettings {
  /** Monthly CBC with differential, creatinine and urinalysis with microscopy (§3 #1–#3): 30 / 38 / 45 days. */
  cbc: IntervalSchedule;
  creatinine: IntervalSchedule;
  urinalysis: IntervalSchedule;
  /** Thyroid function every 3 months (§3 #5): 91 / 105 / 120 days. */
  thyroid: IntervalSchedule;
  /** Liver tests (§3 #6): "warning if no LFT for >100 d", i.e. from day 101; at least every 3 months. */
  liver: IntervalSchedule;
  /** Campath (CLL): weekly CBC during therapy, warning at +10 d (§3 #15). */
  cllCbc: IntervalSchedule;
  /** CD4 reminder (§3 #9): first at course end + 60 d, then monthly until a count ≥ `stopAtOrAbove` /µL. */
  cd4: { firstReminderDays: number; repeatDays: number; stopAtOrAbove: number };
  cll: {
    /** Length of Campath therapy when no end is recorded: up to 12 weeks (§1.1). */
    defaultTherapyDays: number;
    /** The CLL CD4 reminder stops this many months after therapy (CLL has no 48-month schedule). */
    cd4ReminderMonths: number;
  };
  /**
   * Components of a group observed within this many calendar days of each other make one complete sample
   * (1 = same day only; 2 = same day or the next, e.g. microscopy reported against the next day's specimen).
   */
  completionWindowDays: number;
  /** Accept an automated urine RBC count (`urine-rbc-automated`, /µL) in place of microscopy (13945-1). */
  urinalysisAcceptsAutomatedRbc: boolean;
  gates: {
    /** An unmet gate alerts from this many days before the course start (time to draw and report the labs). */
    leadDays: number;
    /** A gate of a course that has started stays visible this many days, then ends (no longer actionable). */
    reviewDays: number;
    baseline: GateSettings;
    upcr: GateSettings;
    hiv: GateSettings;
  };
  feeds: FeedSettings;
}

/** The [P] defaults of `docs/clinical-rules.md` §1.2 and §3. Every value needs clinical sign-off (§6.4). */
export const DEFAULT_MONITORING_SETTINGS: MonitoringSettings = {
  cbc: { dueDays: 30, warningDays: 38, criticalDays: 45 },
  creatinine: { dueDays: 30, warningDays: 38, criticalDays: 45 },
  urinalysis: { dueDays: 30, warningDays: 38, criticalDays: 45 },
  thyroid: { dueDays: 91, warningDays: 105, criticalDays: 120 },
  liver: { dueDays: 91, warningDays: 101, criticalDays: null },
  // Critical at 14 d: "two consecutive slots missed", the same principle as the monthly rule (see README).
  cllCbc: { dueDays: 7, warningDays: 10, criticalDays: 14 },
  cd4: { firstReminderDays: 60, repeatDays: 30, stopAtOrAbove: 200 },
  cll: { defaultTherapyDays: 84, cd4ReminderMonths: 12 },
  completionWindowDays: 2,
  urinalysisAcceptsAutomatedRbc: false,
  gates: {
    leadDays: 7,
    reviewDays: 60,
    baseline: { windowDays: 30, severity: 'warning' },
    upcr: { windowDays: 30, severity: 'critical' },
    hiv: { windowDays: null, severity: 'critical' },
  },
  feeds: {
    learnLookbackDays: 28,
    learnMinActiveDays: 7,
    learnPercentile: 0.9,
    learnFactor: 1.5,
    quietFloorHours: 1,
    quietCeilingHours: 7 * 24,
    defaultQuietAfterHours: 72,
    servingLookbackDays: 120,
    maxHoldDays: 7,
    maxCriticalHoldHours: 24,
  },
};

type Overrides<T> = { [K in keyof T]?: T[K] extends object ? Overrides<T[K]> : T[K] };

/** A site's overrides of the defaults; anything left out keeps its default. */
export type MonitoringSettingsOverrides = Overrides<MonitoringSettings>;

export class MonitoringSettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid monitoring settings: ${problems.join('; ')}`);
    this.name = 'MonitoringSettingsError';
  }
}

/**
 * The defaults merged with a site's overrides, checked for coherence. Throws `MonitoringSettingsError` listing
 * every problem, so a bad site configuration fails when it is saved or loaded, not in the middle of a sweep.
 */
export function resolveMonitoringSettings(overrides: MonitoringSettingsOverrides = {}): MonitoringSettings {
  const settings = merge(DEFAULT_MONITORING_SETTINGS, overrides) as MonitoringSettings;
  const problems = monitoringSettingsProblems(settings);
  if (problems.length > 0) throw new MonitoringSettingsError(problems);
  return settings;
}

/** What is wrong with a settings object (empty when it is coherent). */
export function monitoringSettingsProblems(settings: MonitoringSettings): string[] {
  const problems: string[] = [];
  const schedules = ['cbc', 'creatinine', 'urinalysis', 'thyroid', 'liver', 'cllCbc'] as const;
  for (const name of schedules) {
    const s = settings[name];
    if (!isWhole(s.dueDays) || s.dueDays < 1) problems.push(`${name}.dueDays must be a whole number ≥ 1`);
    if (s.warningDays !== null && (!isWhole(s.warningDays) || s.warningDays < s.dueDays))
      problems.push(`${name}.warningDays must be a whole number ≥ dueDays`);
    const floor = s.warningDays ?? s.dueDays;
    if (s.criticalDays !== null && (!isWhole(s.criticalDays) || s.criticalDays < floor))
      problems.push(`${name}.criticalDays must be a whole number ≥ warningDays (or dueDays)`);
  }
  const { cd4, cll, gates, feeds } = settings;
  if (!isWhole(cd4.firstReminderDays) || cd4.firstReminderDays < 0)
    problems.push('cd4.firstReminderDays must be a whole number ≥ 0');
  if (!isWhole(cd4.repeatDays) || cd4.repeatDays < 1)
    problems.push('cd4.repeatDays must be a whole number ≥ 1');
  if (!(cd4.stopAtOrAbove > 0)) problems.push('cd4.stopAtOrAbove must be > 0');
  if (!isWhole(cll.defaultTherapyDays) || cll.defaultTherapyDays < 1)
    problems.push('cll.defaultTherapyDays must be a whole number ≥ 1');
  if (!isWhole(cll.cd4ReminderMonths) || cll.cd4ReminderMonths < 0)
    problems.push('cll.cd4ReminderMonths must be a whole number ≥ 0');
  if (!isWhole(settings.completionWindowDays) || settings.completionWindowDays < 1)
    problems.push('completionWindowDays must be a whole number ≥ 1');
  if (!isWhole(gates.leadDays) || gates.leadDays < 0)
    problems.push('gates.leadDays must be a whole number ≥ 0');
  if (!isWhole(gates.reviewDays) || gates.reviewDays < 0)
    problems.push('gates.reviewDays must be a whole number ≥ 0');
  for (const name of ['baseline', 'upcr', 'hiv'] as const) {
    const w = gates[name].windowDays;
    if (w !== null && (!isWhole(w) || w < 0))
      problems.push(`gates.${name}.windowDays must be a whole number ≥ 0`);
    if (!['info', 'warning', 'critical'].includes(gates[name].severity))
      problems.push(`gates.${name}.severity must be info, warning or critical`);
  }
  if (!(feeds.learnPercentile > 0 && feeds.learnPercentile <= 1))
    problems.push('feeds.learnPercentile must be in (0, 1]');
  if (!(feeds.learnFactor >= 1)) problems.push('feeds.learnFactor must be ≥ 1');
  if (!(feeds.quietFloorHours > 0 && feeds.quietCeilingHours >= feeds.quietFloorHours))
    problems.push('feeds.quietFloorHours must be > 0 and ≤ feeds.quietCeilingHours');
  if (!(feeds.defaultQuietAfterHours > 0)) problems.push('feeds.defaultQuietAfterHours must be > 0');
  if (!isWhole(feeds.learnLookbackDays) || feeds.learnLookbackDays < 1)
    problems.push('feeds.learnLookbackDays must be a whole number ≥ 1');
  if (!isWhole(feeds.learnMinActiveDays) || feeds.learnMinActiveDays < 1)
    problems.push('feeds.learnMinActiveDays must be a whole number ≥ 1');
  if (!isWhole(feeds.servingLookbackDays) || feeds.servingLookbackDays < 1)
    problems.push('feeds.servingLookbackDays must be a whole number ≥ 1');
  if (!(feeds.maxHoldDays >= 0)) problems.push('feeds.maxHoldDays must be ≥ 0');
  // Not required to be ≤ maxHoldDays × 24: the shorter of the two applies (`feedHoldEnds`), so a site that
  // stored a short maxHoldDays before this setting existed stays valid.
  if (!(feeds.maxCriticalHoldHours >= 0)) problems.push('feeds.maxCriticalHoldHours must be ≥ 0');
  return problems;
}

function isWhole(n: number): boolean {
  return Number.isInteger(n);
}

function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (base === null || typeof base !== 'object' || over === null || typeof over !== 'object') return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(over as Record<string, unknown>)) {
    out[key] = merge((base as Record<string, unknown>)[key], value);
  }
  return out;
}
