import {
  daysSinceLastInfusion,
  type ExpectationState,
  missedAlertDecision,
  missedAlertDedupKey,
  MONITORING_SCHEDULE_VERSION,
  planMissedAlertChange,
  type TreatmentCourse,
} from '@alem/clinical';
import {
  type MonitoringAlertChange,
  type OpenMonitoringAlert,
  type StoredExpectationRow,
  type TimelineNote,
} from '@alem/persistence';

/** Why an open missed-result alert closes when the patient leaves monitoring or its rule goes away. */
export type PatientEndReason = 'enrolment-ended';

export interface PatientAlertPlan {
  changes: MonitoringAlertChange[];
  /** The dedup key of each state's alert, by rule id (to link expectation rows to their alert). */
  keyByRule: Map<string, string>;
}

/**
 * What one patient's evaluation does to their missed-result alerts, through `planMissedAlertChange`:
 * - a state with a severity opens or updates its alert (raise, reopen, notify), or records it without paging
 *   while a quiet feed holds it (`held` on the timeline; `hold-released` when the hold ends);
 * - a state without one resolves its open alert by itself, with the reason on the timeline (`received` when the
 *   result came);
 * - an open alert no state claims any more (the gate of a course that is no longer the target, a rule the
 *   patient no longer has, or a patient whose enrolment ended) is resolved too.
 */
export function planPatientAlerts(input: {
  patientId: string;
  states: readonly ExpectationState[];
  courses: readonly TreatmentCourse[];
  open: readonly OpenMonitoringAlert[];
  previous: ReadonlyMap<string, Pick<StoredExpectationRow, 'status' | 'heldBy'>>;
  endReason?: PatientEndReason | null;
}): PatientAlertPlan {
  const { patientId, states, courses } = input;
  const openByKey = new Map(input.open.map((a) => [a.dedupKey, a]));
  const changes: MonitoringAlertChange[] = [];
  const keyByRule = new Map<string, string>();
  const claimed = new Set<string>();

  for (const state of states) {
    const key = missedAlertDedupKey(patientId, state);
    keyByRule.set(state.ruleId, key);
    claimed.add(key);
    const existing = openByKey.get(key) ?? null;
    const change = planMissedAlertChange(existing, state);
    if (change.type === 'none') continue;
    if (change.type === 'resolve') {
      changes.push({
        type: 'resolve',
        alert: existing!,
        reason: change.reason,
        detail: { ruleId: state.ruleId, status: state.status, summary: state.explanation.summary },
      });
      continue;
    }
    const decision = missedAlertDecision(patientId, state, daysSinceLastInfusion(state.day, courses))!;
    const notes = holdNotes(input.previous.get(state.ruleId)?.status ?? null, state);
    if (change.type === 'open') {
      changes.push({
        type: 'open',
        dedupKey: key,
        patientId,
        ruleId: state.ruleId,
        kind: 'missed',
        severity: change.severity,
        notify: change.notify,
        explanation: decision.explanation,
        ruleSetVersion: MONITORING_SCHEDULE_VERSION,
        notes,
      });
    } else {
      changes.push({
        type: 'update',
        alert: existing!,
        severity: change.severity,
        severityRaised: change.severityRaised,
        reopen: change.reopen,
        notify: change.notify,
        // Told without a raise: the alert was recorded while held and the hold has ended.
        notifyReason: 'hold-released',
        explanation: decision.explanation,
        notes,
      });
    }
  }

  for (const alert of input.open) {
    if (claimed.has(alert.dedupKey)) continue;
    changes.push({
      type: 'resolve',
      alert,
      reason: input.endReason ?? 'not-applicable',
      detail: { ruleId: alert.ruleId },
    });
  }
  return { changes, keyByRule };
}

function holdNotes(previousStatus: string | null, state: ExpectationState): TimelineNote[] {
  if (state.status === 'held' && previousStatus !== 'held') {
    return [
      {
        type: 'held',
        detail: {
          senders: state.heldBy,
          until: state.explanation.hold?.until ?? null,
          severity: state.severity,
        },
      },
    ];
  }
  if (previousStatus === 'held' && state.status !== 'held') {
    return [{ type: 'hold-released', detail: { status: state.status, severity: state.severity } }];
  }
  return [];
}
