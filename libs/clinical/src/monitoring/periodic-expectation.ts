import { addDays, type CalendarDay, maxDay } from '../courses/calendar';
import { type ExpectationSeverity, type MonitoringRuleId } from './expectation';
import { type IntervalSchedule } from './monitoring-settings';
import { type BaseEvaluation, EMPTY_EVALUATION, escalation, type RuleEvaluator } from './rule-evaluator';
import {
  type AnalyteDay,
  completionDays,
  slotProgress,
  type TestGroup,
  testGroupMembers,
} from './test-group';

export interface PeriodicRule {
  ruleId: MonitoringRuleId;
  title: string;
  evidence: string;
  action: string;
  group: TestGroup;
  schedule: IntervalSchedule;
  /** Severity while due but inside the grace (none for the safety tests: due is not yet missed). */
  dueSeverity: ExpectationSeverity;
}

export interface PeriodicWindow {
  /** First day the expectation runs (course 1 completed, or CLL therapy started); null: nothing given yet. */
  startDay: CalendarDay | null;
  startSource: 'course' | 'therapy';
  /** Last day it runs (monitoring_end, or CLL therapy end). */
  endDay: CalendarDay | null;
  enrolledOn: CalendarDay | null;
}

/** The day a rolling clock counts from, and why that day (shown in the explanation). */
export interface PeriodicAnchor {
  day: CalendarDay;
  source: NonNullable<BaseEvaluation['anchorSource']>;
}

/**
 * The day a rolling expectation's clock counts from (clinical-rules §3: "Interval arithmetic should count from the
 * last resulted sample (rolling)"; README decision 7). Null before anything is given (no start day).
 *
 * - A complete sample on or after the start day: the later of the start day and that sample's day, i.e. the
 *   sample's day. Even a sample from before enrolment (backfilled, or sent before the patient was enrolled)
 *   anchors the clock: the enrolment day never pushes it later, so a backfilled result cannot delay an alert.
 * - None since the start: the start day (course 1's last infusion: monthly monitoring "starts upon completion of
 *   round 1"; CLL: the start of therapy), or the enrolment day when that is later, so a patient enrolled years
 *   after course 1 without any result sent to us is not critical on day one. On a tie, enrolment explains it.
 *
 * Samples before the start (baseline draws) never anchor it: they do not start the monthly clock early.
 */
export function periodicAnchor(
  window: Pick<PeriodicWindow, 'startDay' | 'startSource' | 'enrolledOn'>,
  lastComplete: CalendarDay | null,
): PeriodicAnchor | null {
  const { startDay, enrolledOn } = window;
  if (startDay === null) return null;
  if (lastComplete !== null && lastComplete >= startDay) return { day: lastComplete, source: 'result' };
  if (enrolledOn !== null && enrolledOn >= startDay) return { day: enrolledOn, source: 'enrolment' };
  return { day: startDay, source: window.startSource };
}

/**
 * A rolling expectation (monthly CBC, creatinine, urinalysis; 3-monthly thyroid; liver tests; weekly CBC in CLL).
 *
 * The clock counts from its anchor (`periodicAnchor`): the last COMPLETE sample of the group since the start, so a
 * late sample resets it and never causes a cascade. Components received after the anchor without completing the
 * group make the state `partial`: it escalates on the same thresholds as a missing sample (a dipstick-only
 * urinalysis is still a missing urinalysis), but shows what arrived.
 */
export function periodicEvaluator(
  rule: PeriodicRule,
  window: PeriodicWindow,
  received: readonly AnalyteDay[],
  today: CalendarDay,
  completionWindowDays: number,
): RuleEvaluator {
  const { group, schedule } = rule;
  const members = testGroupMembers(group);
  const mine = received.filter((r) => members.includes(r.analyte) && r.day <= today);
  const lastComplete = maxDay(completionDays(group, mine, completionWindowDays));

  const anchor = periodicAnchor(window, lastComplete);
  const anchorDay = anchor?.day ?? null;
  const anchorSource = anchor?.source ?? null;
  const dueDay = anchorDay && addDays(anchorDay, schedule.dueDays);
  const warningDay =
    anchorDay && schedule.warningDays !== null ? addDays(anchorDay, schedule.warningDays) : null;
  const criticalDay =
    anchorDay && schedule.criticalDays !== null ? addDays(anchorDay, schedule.criticalDays) : null;
  const slot = slotProgress(group, mine, anchorDay, today, completionWindowDays);

  const at = (day: CalendarDay): BaseEvaluation => {
    const common = { ...EMPTY_EVALUATION, lastReceivedDay: lastComplete, endDay: window.endDay };
    if (window.startDay === null || anchorDay === null || dueDay === null) {
      return { ...common, status: 'not-started', severity: 'none' };
    }
    if (window.endDay !== null && day > window.endDay) {
      return { ...common, status: 'ended', severity: 'none', endReason: 'monitoring-ended' };
    }
    if (day < window.startDay) return { ...common, status: 'not-started', severity: 'none' };
    const severity = escalation(day, dueDay, warningDay, criticalDay, rule.dueSeverity);
    const partial = slot.latestDay !== null;
    const status: BaseEvaluation['status'] = partial
      ? 'partial'
      : criticalDay !== null && day >= criticalDay
        ? 'overdue-critical'
        : warningDay !== null && day >= warningDay
          ? 'overdue-warning'
          : day >= dueDay
            ? 'due'
            : 'pending';
    return {
      ...common,
      status,
      severity,
      anchorDay,
      anchorSource,
      dueDay,
      warningDay,
      criticalDay,
      receivedComponents: partial ? slot.received : [],
      missingComponents: partial || day >= dueDay ? slot.missing : [],
      partialDay: slot.latestDay,
      holdable: true,
    };
  };

  const boundaries = [
    window.startDay,
    dueDay,
    warningDay,
    criticalDay,
    window.endDay && addDays(window.endDay, 1),
  ];
  return {
    ruleId: rule.ruleId,
    kind: 'periodic',
    group: group.id,
    members,
    title: rule.title,
    evidence: rule.evidence,
    action: rule.action,
    at,
    boundaries: boundaries.filter((d): d is CalendarDay => d !== null),
  };
}
