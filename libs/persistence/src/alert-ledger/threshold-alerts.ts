import { randomUUID } from 'node:crypto';
import {
  type AlertChange,
  type AlertDecision,
  type AlertExplanation,
  planAlertChange,
  type RecoveryObservation,
  type Severity,
} from '@alem/clinical';
import { type EntityManager } from 'typeorm';
import { queryRows } from '../query-rows';
import { newAlertReference } from '../repositories/alert-reference';
import { writeTogether } from '../write-together';
import {
  alertChangeWrites,
  type AlertEventRow,
  alertEventsWrite,
  type NotificationRow,
  type OccurrenceRow,
} from './ledger-writes';

/**
 * The threshold path of the ledger: the processor's (and a released result's) rule decisions, the occurrences a
 * correction or deletion withdraws, and "back in range" notes. Called through `AlertLedger`.
 */

/** What one decision did: which alert it touched, how, and the outbox row written for it (if any). */
export interface AppliedAlertChange {
  alertId: string;
  reference: string;
  ruleId: string;
  patientId: string;
  severity: Severity;
  emergency: boolean;
  change: AlertChange;
  notificationId: string | null;
}

interface WorkingAlert {
  id: string;
  reference: string;
  isNew: boolean;
  patientId: string;
  ruleId: string;
  kind: string;
  dedupKey: string;
  ruleSetVersion: string;
  severity: Severity;
  emergency: boolean;
  state: 'open' | 'acknowledged';
  explanation: AlertExplanation;
  explanationChanged: boolean;
  occurrencesAdded: number;
}

export function alertDedupKey(patientId: string, ruleId: string, scope?: string): string {
  return scope ? `${patientId}|${ruleId}|${scope}` : `${patientId}|${ruleId}`;
}

/** The identity of the alert a decision belongs to (a rule may narrow it: DQ-2 per course and analyte). */
function decisionKey(decision: AlertDecision): string {
  return alertDedupKey(decision.patientId, decision.ruleId, decision.dedupScope);
}

/**
 * Applies a batch's rule decisions inside the caller's transaction: one open alert per patient and rule
 * (opened, or given another occurrence), the timeline, and an outbox row for each change people must hear
 * about. A handful of statements per batch, whatever its size.
 */
export async function applyDecisions(
  manager: EntityManager,
  decisions: readonly AlertDecision[],
  now: Date,
): Promise<AppliedAlertChange[]> {
  decisions = await withoutRaisedOnce(manager, decisions);
  if (decisions.length === 0) return [];
  const keys = [...new Set(decisions.map(decisionKey))];
  const existing: Array<{
    id: string;
    reference: string;
    dedup_key: string;
    patient_id: string;
    rule_id: string;
    kind: string;
    rule_set_version: string;
    severity: Severity;
    emergency: boolean;
    state: 'open' | 'acknowledged';
    explanation: AlertExplanation;
  }> = await manager.query(
    `SELECT id, reference, dedup_key, patient_id, rule_id, kind, rule_set_version, severity, emergency, state, explanation
       FROM alerts WHERE dedup_key = ANY($1::text[]) AND state <> 'resolved' ORDER BY dedup_key FOR UPDATE`,
    [keys],
  );
  const working = new Map<string, WorkingAlert>();
  for (const row of existing) {
    working.set(row.dedup_key, {
      id: row.id,
      reference: row.reference,
      isNew: false,
      patientId: row.patient_id,
      ruleId: row.rule_id,
      kind: row.kind,
      dedupKey: row.dedup_key,
      ruleSetVersion: row.rule_set_version,
      severity: row.severity,
      emergency: row.emergency,
      state: row.state,
      explanation: row.explanation,
      explanationChanged: false,
      occurrencesAdded: 0,
    });
  }

  const occurrences: OccurrenceRow[] = [];
  const events: AlertEventRow[] = [];
  const notifications: NotificationRow[] = [];
  const applied: AppliedAlertChange[] = [];

  for (const decision of decisions) {
    const key = decisionKey(decision);
    let alert = working.get(key);
    const change = planAlertChange(
      alert ? { severity: alert.severity, emergency: alert.emergency, state: alert.state } : null,
      decision,
    );
    if (!alert) {
      alert = {
        id: randomUUID(),
        reference: newAlertReference(),
        isNew: true,
        patientId: decision.patientId,
        ruleId: decision.ruleId,
        kind: decision.kind,
        dedupKey: key,
        ruleSetVersion: decision.explanation.ruleSetVersion,
        severity: decision.severity,
        emergency: decision.emergency,
        state: 'open',
        explanation: decision.explanation,
        explanationChanged: false,
        occurrencesAdded: 0,
      };
      working.set(key, alert);
      events.push({
        alertId: alert.id,
        type: 'opened',
        detail: {
          severity: decision.severity,
          emergency: decision.emergency,
          resultIds: decision.resultIds,
        },
      });
    } else {
      alert.occurrencesAdded++;
      if (change.type === 'occurrence' && change.severityRaised) {
        events.push({
          alertId: alert.id,
          type: 'severity-raised',
          detail: {
            from: alert.severity,
            to: decision.severity,
            emergency: decision.emergency,
            resultIds: decision.resultIds,
            reopened: change.reopen,
          },
        });
        alert.severity = decision.severity;
        alert.emergency = decision.emergency;
        alert.explanation = decision.explanation;
        alert.explanationChanged = true;
        if (change.reopen) alert.state = 'open';
      } else {
        events.push({
          alertId: alert.id,
          type: 'occurrence',
          detail: {
            severity: decision.severity,
            emergency: decision.emergency,
            resultIds: decision.resultIds,
          },
        });
      }
    }
    occurrences.push({
      alertId: alert.id,
      resultId: decision.resultIds[0] ?? null,
      severity: decision.severity,
      emergency: decision.emergency,
      explanation: decision.explanation,
    });
    let notificationId: string | null = null;
    if (change.notify) {
      notificationId = randomUUID();
      notifications.push({
        id: notificationId,
        alertId: alert.id,
        reason: change.type === 'open' ? 'opened' : 'severity-raised',
        severity: alert.severity,
      });
      events.push({
        alertId: alert.id,
        type: 'notification-queued',
        detail: { notificationId, severity: alert.severity },
      });
    }
    applied.push({
      alertId: alert.id,
      reference: alert.reference,
      ruleId: alert.ruleId,
      patientId: alert.patientId,
      severity: alert.severity,
      emergency: alert.emergency,
      change,
      notificationId,
    });
  }

  const created = [...working.values()].filter((a) => a.isNew);
  const updated = [...working.values()].filter((a) => !a.isNew && a.occurrencesAdded > 0);
  const at = now.toISOString();

  // The alerts, their occurrences, the outbox and the timeline: one statement (`writeTogether`).
  await writeTogether(
    manager,
    alertChangeWrites(
      {
        created: created.map((a) => ({ ...a, occurrenceCount: 1 + a.occurrencesAdded })),
        updated: updated.map((a) => ({
          id: a.id,
          severity: a.severity,
          emergency: a.emergency,
          state: a.state,
          explanation: a.explanationChanged ? a.explanation : null,
          occurrencesAdded: a.occurrencesAdded,
        })),
        occurrences,
        notifications,
        events,
      },
      at,
    ),
  );
  return applied;
}

/**
 * Drops the decisions of rules that raise an alert once (DQ-2: a missing baseline, per course and analyte) when
 * an alert with that identity exists in any state, and all but the first of them within the batch.
 */
async function withoutRaisedOnce(
  manager: EntityManager,
  decisions: readonly AlertDecision[],
): Promise<AlertDecision[]> {
  const once = decisions.filter((d) => d.once);
  if (once.length === 0) return [...decisions];
  const raised = await queryRows<{ dedup_key: string }>(
    manager,
    `SELECT DISTINCT dedup_key FROM alerts WHERE dedup_key = ANY($1::text[])`,
    [[...new Set(once.map(decisionKey))]],
  );
  const seen = new Set(raised.map((r) => r.dedup_key));
  return decisions.filter((d) => {
    if (!d.once) return true;
    const key = decisionKey(d);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Withdraws the alert occurrences of results that a correction superseded or a deletion retracted, with a
 * timeline entry on each alert. The alert itself stays as it is: a person resolves it.
 */
export async function retractOccurrences(
  manager: EntityManager,
  retractions: ReadonlyArray<{ resultId: string; reason: 'superseded' | 'deleted'; by?: string }>,
  now: Date,
): Promise<number> {
  if (retractions.length === 0) return 0;
  const rows = await queryRows<{ alert_id: string; result_id: string }>(
    manager,
    `UPDATE alert_occurrences SET retracted_at = $2
       WHERE result_id = ANY($1::bigint[]) AND retracted_at IS NULL
       RETURNING alert_id, result_id`,
    [retractions.map((r) => r.resultId), now.toISOString()],
  );
  if (rows.length === 0) return 0;
  const byResult = new Map(retractions.map((r) => [r.resultId, r]));
  await writeTogether(manager, [
    alertEventsWrite(
      rows.map((r) => {
        const why = byResult.get(String(r.result_id));
        return {
          alertId: r.alert_id,
          type: 'occurrence-retracted',
          detail: { resultId: String(r.result_id), reason: why?.reason, replacedBy: why?.by ?? null },
        };
      }),
      now.toISOString(),
    ),
  ]);
  return rows.length;
}

/**
 * Records on the patient's open alert of each rule that a new result is back in range. The alert stays
 * open: a value back in range never silently closes an alert, a person resolves it.
 */
export async function recordRecoveries(
  manager: EntityManager,
  recoveries: readonly RecoveryObservation[],
  now: Date,
): Promise<number> {
  if (recoveries.length === 0) return 0;
  const rows = await queryRows<{ id: string }>(
    manager,
    `INSERT INTO alert_events (alert_id, type, detail, at)
       SELECT a.id, 'back-in-range', t.detail, $3
       FROM unnest($1::text[], $2::jsonb[]) AS t(dedup_key, detail)
       JOIN alerts a ON a.dedup_key = t.dedup_key AND a.state <> 'resolved'
       RETURNING id`,
    [
      recoveries.map((r) => alertDedupKey(r.patientId, r.ruleId)),
      recoveries.map((r) =>
        JSON.stringify({
          resultId: r.resultId,
          analyte: r.analyte,
          observedAt: r.observedAt,
          summary: r.summary,
          ruleSetVersion: r.ruleSetVersion,
        }),
      ),
      now.toISOString(),
    ],
  );
  return rows.length;
}
