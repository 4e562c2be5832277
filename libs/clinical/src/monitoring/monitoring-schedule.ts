import { localDay } from '../courses/calendar';
import { type ExpectationState, type MonitoringContext, type ReceivedResult } from './expectation';
import { ExpectationLayers } from './expectation-layers';
import { explainExpectation } from './expectation-summary';
import { type SenderDay } from './feed-hold';
import { DEFAULT_MONITORING_SETTINGS, type MonitoringSettings } from './monitoring-settings';
import { type RuleEvaluator } from './rule-evaluator';
import { ruleEvaluatorsFor } from './schedule-rules';
import { type AnalyteDay } from './test-group';

export { analytesForRule, monitoringRules } from './schedule-rules';

/**
 * Version of the schedule logic and defaults; missed-result alerts pin it (alerting-anchors §4 item 11).
 * `monitoring-2`: a complete sample since the start anchors the clock even before enrolment (README decision 7);
 * a quiet feed holds a critical missed result 24 h at most (`feeds.maxCriticalHoldHours`, decision 15).
 */
export const MONITORING_SCHEDULE_VERSION = 'monitoring-2';

/**
 * The state of every expectation of one patient at `now`: which results are expected, by which site-zone day,
 * what is missing, the missed-result alert severity it implies, and the next instant it changes without new input.
 *
 * Pure: everything is derived from the arguments every time (courses, plan, suspensions, results, feeds), so a new
 * course moves monitoring_end and the gates with nothing stored that could go stale. Results observed after `now`
 * are ignored, as are `not-obtainable` and `deleted` ones.
 *
 * Layers, outermost first: death ends everything; a suspension silences (status `suspended`, severity none); a
 * quiet serving feed holds warning/critical alerts of the periodic tests (status `held`, severity kept).
 */
export function expectationsFor(
  context: MonitoringContext,
  received: readonly ReceivedResult[],
  now: Date,
  settings: MonitoringSettings = DEFAULT_MONITORING_SETTINGS,
): ExpectationState[] {
  const tz = context.timeZone;
  const today = localDay(now, tz);
  const counted = received.filter(
    (r) => r.observedAt.getTime() <= now.getTime() && r.status !== 'not-obtainable' && r.status !== 'deleted',
  );
  const senderDays: SenderDay[] = counted.map((r) => ({
    sender: r.sender,
    analyte: r.analyte,
    day: localDay(r.observedAt, tz),
  }));
  const analyteDays: (AnalyteDay & { value: number | null })[] = counted.flatMap((r, i) =>
    r.analyte === null ? [] : [{ analyte: r.analyte, day: senderDays[i]!.day, value: r.value ?? null }],
  );
  const evaluators = ruleEvaluatorsFor(context, analyteDays, today, settings);
  const layers = new ExpectationLayers(context, senderDays, settings);
  return evaluators.map((ev) => stateOf(ev, layers, now));
}

/** The earliest instant at which the expectation's state could change without new input; null when none. */
export function nextTransitionAt(state: ExpectationState): Date | null {
  return state.nextChange?.at ?? null;
}

/** The earliest next transition over a patient's expectations: the scheduler's next check for that patient. */
export function earliestTransition(states: readonly ExpectationState[]): Date | null {
  const times = states.map(nextTransitionAt).filter((d): d is Date => d !== null);
  return times.length === 0 ? null : new Date(Math.min(...times.map((d) => d.getTime())));
}

function stateOf(ev: RuleEvaluator, layers: ExpectationLayers, now: Date): ExpectationState {
  const current = layers.at(ev, now);
  let nextChange: ExpectationState['nextChange'] = null;
  for (const at of layers.candidates(ev, now)) {
    const then = layers.at(ev, at);
    if (then.status !== current.status || then.severity !== current.severity) {
      nextChange = { at, status: then.status, severity: then.severity };
      break;
    }
  }
  const { base } = current;
  return {
    ruleId: ev.ruleId,
    kind: ev.kind,
    group: ev.group,
    courseNumber: base.courseNumber,
    status: current.status,
    severity: current.severity,
    dueDay: base.dueDay,
    lastReceivedDay: base.lastReceivedDay,
    heldBy: current.hold?.senders ?? [],
    evaluatedAt: now,
    day: current.day,
    timeZone: layers.timeZone,
    nextChange,
    explanation: explainExpectation(ev, current),
  };
}
