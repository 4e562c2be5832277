import { addDays, type CalendarDay, maxDay } from '../courses/calendar';
import { type BaseEvaluation, EMPTY_EVALUATION, type RuleEvaluator } from './rule-evaluator';
import { TEST_GROUPS } from './test-group';

/** A CD4 count of the patient on a site-zone day; value in /µL, null when unknown. */
export interface Cd4Day {
  day: CalendarDay;
  value: number | null;
}

export interface Cd4ReminderWindow {
  /** Last infusion of the latest course (MS) or end of Campath therapy (CLL); null: none yet. */
  courseEndDay: CalendarDay | null;
  courseNumber: number | null;
  /** Last day reminders run (monitoring_end for MS). */
  endDay: CalendarDay | null;
}

/**
 * CD4 reminder (`docs/clinical-rules.md` §3 #9, CD4-1; CAMP-3 for CLL), info only: first due at course end + 60 days,
 * then `repeatDays` after each CD4 count below the stop criterion, until a count ≥ 200/µL after the course end
 * (`met`). A new course starts a new cycle; only the latest course counts.
 */
export function cd4ReminderEvaluator(
  window: Cd4ReminderWindow,
  counts: readonly Cd4Day[],
  settings: { firstReminderDays: number; repeatDays: number; stopAtOrAbove: number },
): RuleEvaluator {
  const base = {
    ruleId: 'CD4-REMINDER' as const,
    kind: 'reminder' as const,
    group: 'cd4' as const,
    members: TEST_GROUPS.cd4.requires.flatMap((r) => r.anyOf),
    title: 'CD4 count after the course',
    evidence: '[FDA-L] prophylaxis criterion; reminder [P]',
    action: 'Order a CD4 count: anti-herpes prophylaxis continues until CD4 ≥200 cells/µL (and ≥2 months).',
  };
  const end = window.courseEndDay;
  if (end === null) {
    return {
      ...base,
      at: () => ({ ...EMPTY_EVALUATION, status: 'not-started', severity: 'none' }),
      boundaries: [],
    };
  }
  const after = counts.filter((c) => c.day > end);
  const stopDay = maxDay(
    after.filter((c) => c.value !== null && c.value >= settings.stopAtOrAbove).map((c) => c.day),
  );
  const last = maxDay(after.map((c) => c.day));
  const first = addDays(end, settings.firstReminderDays);
  const dueDay = last === null ? first : maxDay([first, addDays(last, settings.repeatDays)])!;
  const common = {
    ...EMPTY_EVALUATION,
    courseNumber: window.courseNumber,
    endDay: window.endDay,
    lastReceivedDay: last,
    anchorDay: last ?? end,
    anchorSource: last === null ? ('course' as const) : ('result' as const),
  };

  const at = (day: CalendarDay): BaseEvaluation => {
    if (window.endDay !== null && day > window.endDay) {
      return { ...common, status: 'ended', severity: 'none', endReason: 'monitoring-ended' };
    }
    if (day <= end) return { ...common, status: 'not-started', severity: 'none' };
    if (stopDay !== null) return { ...common, lastReceivedDay: stopDay, status: 'met', severity: 'none' };
    return {
      ...common,
      status: day >= dueDay ? 'due' : 'pending',
      severity: day >= dueDay ? 'info' : 'none',
      dueDay,
      missingComponents: day >= dueDay ? ['cd4'] : [],
    };
  };
  const boundaries = [addDays(end, 1), dueDay, ...(window.endDay ? [addDays(window.endDay, 1)] : [])];
  return { ...base, at, boundaries };
}
