import { randomUUID } from 'node:crypto';
import { type AlertExplanation } from '@alem/clinical';
import { type EntityManager } from 'typeorm';
import { queryRows } from '../query-rows';
import { newAlertReference } from '../repositories/alert-reference';
import { writeTogether } from '../write-together';
import { type AlertEventRow, alertEventsWrite, notificationsWrite } from './ledger-writes';

/** An `unreachable` alert that was opened (or given another occurrence) for an alert nobody could be reached for. */
export interface UnreachableRaised {
  alertId: string;
  opened: boolean;
  notificationId: string | null;
}

/** The alert nobody could be reached for, and at which tier and why. */
export interface Unreachable {
  alertId: string;
  reference: string;
  kind: string;
  tier: number;
  reason: string;
  now: Date;
}

/**
 * Opens (once per alert) an `unreachable` alert for the admins: nobody on the responsible team could be reached
 * at some tier. A later tier failing too adds an occurrence. It goes out through the same outbox, and the alert
 * nobody was reached for says so on its timeline. Never raised about an `unreachable` alert itself (the admins
 * are the end of the line). Called through `AlertLedger`.
 */
export async function raiseUnreachable(
  m: EntityManager,
  input: Unreachable,
): Promise<UnreachableRaised | null> {
  if (input.kind === 'unreachable') return null;
  const explanation: AlertExplanation = {
    ruleId: 'UNREACHABLE',
    title: 'Nobody could be reached',
    evidence: '[TJC NPSG.02.03.01]',
    summary: `Nobody could be reached at tier ${input.tier} for alert ${input.reference}: ${input.reason}.`,
    action:
      'Find the responsible clinician for alert ' +
      `${input.reference}, act on it, and fix the care team's contacts or on-duty list.`,
    values: [],
    baseline: null,
    previous: null,
    daysSinceLastInfusion: null,
    window: null,
    ruleSetVersion: 'notifier',
  };
  const at = input.now.toISOString();
  const [row] = await queryRows<{ id: string; inserted: boolean }>(
    m,
    `INSERT INTO alerts (reference, patient_id, rule_id, kind, severity, emergency, state, dedup_key, rule_set_version,
                         explanation, occurrence_count, opened_at, last_occurrence_at, updated_at)
     VALUES ($1, NULL, 'UNREACHABLE', 'unreachable', 'critical', false, 'open', $2, 'notifier', $3, 1, $4, $4, $4)
     ON CONFLICT (dedup_key) WHERE state <> 'resolved'
     DO UPDATE SET occurrence_count = alerts.occurrence_count + 1, last_occurrence_at = $4, updated_at = $4
     RETURNING id, (xmax = 0) AS inserted`,
    [newAlertReference(), `unreachable|${input.alertId}`, JSON.stringify(explanation), at],
  );
  const { id, inserted } = row!;
  const detail = {
    aboutAlertId: input.alertId,
    aboutReference: input.reference,
    tier: input.tier,
    reason: input.reason,
  };
  const notificationId = inserted ? randomUUID() : null;
  const events: AlertEventRow[] = [
    {
      alertId: id,
      type: inserted ? 'opened' : 'occurrence',
      detail: { severity: 'critical', by: 'notifier', ...detail },
    },
  ];
  if (notificationId) {
    events.push({
      alertId: id,
      type: 'notification-queued',
      detail: { notificationId, severity: 'critical' },
    });
  }
  events.push({
    alertId: input.alertId,
    type: 'nobody-reachable',
    detail: { tier: input.tier, reason: input.reason, unreachableAlertId: id },
  });
  await writeTogether(m, [
    notificationsWrite(
      notificationId ? [{ id: notificationId, alertId: id, reason: 'opened', severity: 'critical' }] : [],
      at,
    ),
    alertEventsWrite(events, at),
  ]);
  return { alertId: id, opened: inserted, notificationId };
}
