import { addDays, type CalendarDay, maxDay } from '../courses/calendar';
import { type MonitoringRuleId } from './expectation';
import { type GateSettings } from './monitoring-settings';
import { type BaseEvaluation, EMPTY_EVALUATION, type RuleEvaluator } from './rule-evaluator';
import {
  type AnalyteDay,
  completionDays,
  slotProgress,
  type TestGroup,
  testGroupMembers,
} from './test-group';

export interface GateRule {
  ruleId: MonitoringRuleId;
  title: string;
  evidence: string;
  action: string;
  /** Every group must be complete inside the window. */
  groups: readonly TestGroup[];
  settings: GateSettings;
  /** UPCR and HIV gate course 1 only; the baseline gate applies before every course ([P]). */
  firstCourseOnly: boolean;
}

/** The course a gate protects: the planned next course, or else the latest recorded one. */
export interface GateTarget {
  courseNumber: number;
  startDay: CalendarDay;
  planned: boolean;
}

/**
 * A pre-course gate (`docs/clinical-rules.md` §1.2 baseline window, §3 #4 UPCR, §3 #12 HIV). Results count when observed
 * in [start − windowDays, start]. An unmet gate is `open` (nothing received) or `partial` (some of it), silent until
 * `leadDays` before the start, then at the gate's severity; it stays so after the start (the gate can no longer be
 * met, results after the start are not baseline) until `reviewDays` after the start, when it ends.
 */
export function gateEvaluator(
  rule: GateRule,
  target: GateTarget | null,
  received: readonly AnalyteDay[],
  completionWindowDays: number,
  gates: { leadDays: number; reviewDays: number },
): RuleEvaluator {
  const members = [...new Set(rule.groups.flatMap(testGroupMembers))];
  const base = {
    ruleId: rule.ruleId,
    kind: 'gate' as const,
    group: rule.groups.length === 1 ? rule.groups[0]!.id : null,
    members,
    title: rule.title,
    evidence: rule.evidence,
    action: rule.action,
  };
  if (target === null) {
    return {
      ...base,
      at: () => ({ ...EMPTY_EVALUATION, status: 'not-started', severity: 'none' }),
      boundaries: [],
    };
  }
  const start = target.startDay;
  const common = {
    ...EMPTY_EVALUATION,
    courseNumber: target.courseNumber,
    courseStartDay: start,
    dueDay: start,
  };
  if (rule.firstCourseOnly && target.courseNumber !== 1) {
    const ended: BaseEvaluation = {
      ...common,
      status: 'ended',
      severity: 'none',
      endReason: 'not-applicable',
    };
    return { ...base, at: () => ended, boundaries: [] };
  }

  const from = rule.settings.windowDays === null ? null : addDays(start, -rule.settings.windowDays);
  const inWindow = received.filter((r) => (from === null || r.day >= from) && r.day <= start);
  const multi = rule.groups.length > 1;
  const received_: string[] = [];
  const missing: string[] = [];
  const metDays: CalendarDay[] = [];
  let anyComponent = false;
  for (const group of rule.groups) {
    const done = maxDay(completionDays(group, inWindow, completionWindowDays));
    if (done) {
      metDays.push(done);
      received_.push(multi ? group.id : group.requires[0]!.id);
      continue;
    }
    const slot = slotProgress(group, inWindow, null, start, completionWindowDays);
    if (slot.latestDay) anyComponent = true;
    const prefix = (id: string) => (multi ? `${group.id}:${id}` : id);
    received_.push(...slot.received.map(prefix));
    missing.push(...slot.missing.map(prefix));
  }
  const met = missing.length === 0;
  const alertDay = addDays(start, -gates.leadDays);
  const reviewEnd = addDays(start, gates.reviewDays);
  const severity = rule.settings.severity;

  const at = (day: CalendarDay): BaseEvaluation => {
    if (day > reviewEnd) return { ...common, status: 'ended', severity: 'none', endReason: 'not-applicable' };
    const evaluation = {
      ...common,
      lastReceivedDay: maxDay(metDays),
      warningDay: severity === 'warning' ? alertDay : null,
      criticalDay: severity === 'critical' ? alertDay : null,
      receivedComponents: received_,
      missingComponents: missing,
      endDay: reviewEnd,
    };
    if (met) return { ...evaluation, status: 'met', severity: 'none' };
    return {
      ...evaluation,
      status: anyComponent || received_.length > 0 ? 'partial' : 'open',
      severity: day >= alertDay ? severity : 'none',
    };
  };
  return { ...base, at, boundaries: [alertDay, addDays(reviewEnd, 1)] };
}
