import {
  type AlertDecision,
  type AlertExplanation,
  type Severity,
  severityRank,
} from '../alerts/alert-decision';
import { type ExpectationExplanation, type ExpectationState } from './expectation';
import { MONITORING_SCHEDULE_VERSION } from './monitoring-schedule';

/**
 * Dedup key of the missed-result alert of an expectation: one open alert per patient and rule; gates and the CD4
 * reminder also per course, so course 2's baseline gate never merges into course 1's.
 *
 * Same scheme as the threshold alerts of the result processor (`<patient id>|<rule id>`, persistence's
 * `alertDedupKey`), with `|course-<n>` appended where an alert is per course: one key space for every alert of a
 * patient. Monitoring rule ids (`MISSED-*`, `GATE-*`, `CD4-REMINDER`) never name a threshold rule, so the two
 * kinds of alert cannot collide.
 */
export function missedAlertDedupKey(
  patientId: string,
  state: Pick<ExpectationState, 'ruleId' | 'kind' | 'courseNumber'>,
): string {
  const perCourse = state.kind === 'gate' || state.ruleId === 'CD4-REMINDER';
  return perCourse && state.courseNumber !== null
    ? `${patientId}|${state.ruleId}|course-${state.courseNumber}`
    : `${patientId}|${state.ruleId}`;
}

/** The open missed-result alert of the expectation, as the scheduler stored it. */
export interface OpenMissedAlert {
  severity: Severity;
  state: 'open' | 'acknowledged';
  /** The highest severity people were notified at; null while nothing was sent (e.g. opened while held). */
  notifiedSeverity: Severity | null;
}

/** Why an open missed-result alert closes by itself. */
export type MissedResolution =
  /** The expected result arrived (state back to pending, or the gate / CD4 criterion met). */
  | 'received'
  /** Not overdue any more for another reason (e.g. a planned course moved later). */
  | 'no-longer-due'
  /** An authored suspension is in force. */
  | 'suspended'
  | 'monitoring-ended'
  | 'deceased'
  /** The gate belongs to a course that is past its review period, or the rule no longer applies. */
  | 'not-applicable';

export type MissedAlertChange =
  /** No alert is open and none is wanted. */
  | { type: 'none' }
  /** Open an alert; notify unless held or informational. */
  | { type: 'open'; severity: Severity; notify: boolean }
  /** Keep the open alert: record the occurrence, raise its severity, reopen it, notify as told. */
  | { type: 'update'; severity: Severity; severityRaised: boolean; reopen: boolean; notify: boolean }
  /** Close the open alert, with the reason for its timeline. */
  | { type: 'resolve'; reason: MissedResolution };

const RANK_NONE = -1;

/**
 * What the scheduler does to a patient's missed-result alert for one expectation, given the alert it has open.
 *
 * - A state with a severity wants an alert. Info (the CD4 reminder) is recorded, never paged. A `held` state is
 *   recorded at its severity but not notified: holding suppresses the page, never the alert or its audit.
 * - Notification happens when the alert is not held and its severity is above what was notified before; so when a
 *   hold is released and the result is still missing, people are told then. An acknowledged alert is notified
 *   again only when its severity rises (it is then reopened).
 * - A state without a severity resolves the open alert: `received` when the state went back to pending or met.
 *
 * After sending, the caller stores `notifiedSeverity = severity`; after resolving, it clears it.
 */
export function planMissedAlertChange(
  existing: OpenMissedAlert | null,
  state: ExpectationState,
): MissedAlertChange {
  if (state.severity === 'none') {
    return existing ? { type: 'resolve', reason: resolutionOf(state) } : { type: 'none' };
  }
  const severity: Severity = state.severity;
  const pageable = state.status !== 'held' && severity !== 'info';
  if (!existing) return { type: 'open', severity, notify: pageable };
  const raised = severityRank(severity) > severityRank(existing.severity);
  const kept: Severity = raised ? severity : existing.severity;
  const notifiedRank =
    existing.notifiedSeverity === null ? RANK_NONE : severityRank(existing.notifiedSeverity);
  const notify =
    pageable && severityRank(kept) > notifiedRank && (existing.state === 'open' || raised) && kept !== 'info';
  return {
    type: 'update',
    severity: kept,
    severityRaised: raised,
    reopen: raised && existing.state === 'acknowledged',
    notify,
  };
}

function resolutionOf(state: ExpectationState): MissedResolution {
  switch (state.status) {
    case 'pending':
    case 'met':
      return 'received';
    case 'suspended':
      return 'suspended';
    case 'ended':
      return state.explanation.endReason ?? 'monitoring-ended';
    default:
      return 'no-longer-due';
  }
}

/** The explanation stored with a missed-result alert: the common alert explanation plus the schedule's own. */
export interface MissedAlertExplanation extends AlertExplanation {
  monitoring: ExpectationExplanation;
}

/**
 * The expectation as an `AlertDecision` of kind `missed`, for the existing alert path (dedup by patient and rule,
 * `planAlertChange`, outbox). Null when the state implies no alert.
 */
export function missedAlertDecision(
  patientId: string,
  state: ExpectationState,
  daysSinceLastInfusion: number | null = null,
): (AlertDecision & { explanation: MissedAlertExplanation }) | null {
  if (state.severity === 'none') return null;
  const x = state.explanation;
  return {
    patientId,
    ruleId: state.ruleId,
    kind: 'missed',
    severity: state.severity,
    emergency: false,
    resultIds: [],
    explanation: {
      ruleId: state.ruleId,
      title: x.title,
      evidence: x.evidence,
      summary: x.summary,
      action: x.action,
      values: [],
      baseline: null,
      previous: null,
      daysSinceLastInfusion,
      window: null,
      ruleSetVersion: MONITORING_SCHEDULE_VERSION,
      monitoring: x,
    },
  };
}
