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

/**
 * A rolling expectation (monthly CBC, creatinine, urinalysis; 3-monthly thyroid; liver tests; weekly CBC in CLL).
 *
 * The clock counts from the last COMPLETE sample of the group (its day in the site zone), so a late sample resets
 * it and never causes a cascade. Before any complete sample since the start, it counts from the start day (course
 * 1's last infusion: monthly monitoring "starts upon completion of round 1"), or from enrolment when that is later.
 * Components received after the anchor without completing the group make the state `partial`: it escalates on the
 * same thresholds as a missing sample (a dipstick-only urinalysis is still a missing urinalysis), but shows what
 * arrived.
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

  let anchorDay: CalendarDay | null = null;
  let anchorSource: BaseEvaluation['anchorSource'] = null;
  if (window.startDay !== null) {
    const candidates: [CalendarDay, NonNullable<BaseEvaluation['anchorSource']>][] = [
      [window.startDay, window.startSource],
    ];
    if (window.enrolledOn) candidates.push([window.enrolledOn, 'enrolment']);
    if (lastComplete) candidates.push([lastComplete, 'result']);
    // Latest wins; on a tie a result is the better explanation.
    [anchorDay, anchorSource] = candidates.reduce((a, b) => (b[0] >= a[0] ? b : a));
  }
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
