import { type AlertExplanation, type Severity } from '@alem/clinical';
import { type Write } from '../write-together';

/**
 * The statements that write alerts, their occurrences, timelines and outbox rows, for the ledger's paths to send
 * (`writeTogether`): each is set-based (one statement whatever the count) and null when there is nothing to write.
 * Nothing outside `alert-ledger/` builds them.
 */

/** An entry of an alert's timeline (`alert_events`). */
export interface AlertEventRow {
  alertId: string;
  type: string;
  detail: Record<string, unknown>;
  /** The person whose action this entry records; none for the system's own entries. */
  actorUserId?: string | null;
}

/** A notification outbox row for the notifier: pending, available at once. */
export interface NotificationRow {
  id: string;
  alertId: string;
  /** `opened`, `severity-raised`, `escalated`, ... */
  reason: string;
  severity: Severity;
  /** The escalation tier it pages; 1 unless an escalation step wrote it. */
  tier?: number;
}

/** A new alert, open. */
export interface NewAlertRow {
  id: string;
  reference: string;
  patientId: string | null;
  ruleId: string;
  kind: string;
  severity: Severity;
  emergency: boolean;
  dedupKey: string;
  ruleSetVersion: string;
  explanation: AlertExplanation;
  occurrenceCount: number;
}

/** A change to an open alert: its severity and state now, and how many occurrences it gained. */
export interface AlertUpdateRow {
  id: string;
  severity: Severity;
  /** Null keeps the alert's own. */
  emergency: boolean | null;
  state: 'open' | 'acknowledged';
  /** Null keeps the alert's own. */
  explanation: AlertExplanation | null;
  occurrencesAdded: number;
}

/** One occurrence of an alert: the result it was raised on (none for a missed result) and how it was judged. */
export interface OccurrenceRow {
  alertId: string;
  resultId: string | null;
  severity: Severity;
  emergency: boolean;
  explanation: AlertExplanation;
}

export function alertsInsertWrite(alerts: readonly NewAlertRow[], at: string): Write | null {
  if (alerts.length === 0) return null;
  return {
    sql: `INSERT INTO alerts (id, reference, patient_id, rule_id, kind, severity, emergency, state, dedup_key, rule_set_version,
                         explanation, occurrence_count, opened_at, last_occurrence_at, updated_at)
     SELECT id, reference, patient_id, rule_id, kind, severity, emergency, 'open', dedup_key, rule_set_version,
            explanation, occurrence_count, $12, $12, $12
     FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::text[],
                 $9::text[], $10::jsonb[], $11::int[])
       AS t(id, reference, patient_id, rule_id, kind, severity, emergency, dedup_key, rule_set_version, explanation, occurrence_count)`,
    parameters: [
      alerts.map((a) => a.id),
      alerts.map((a) => a.reference),
      alerts.map((a) => a.patientId),
      alerts.map((a) => a.ruleId),
      alerts.map((a) => a.kind),
      alerts.map((a) => a.severity),
      alerts.map((a) => a.emergency),
      alerts.map((a) => a.dedupKey),
      alerts.map((a) => a.ruleSetVersion),
      alerts.map((a) => JSON.stringify(a.explanation)),
      alerts.map((a) => a.occurrenceCount),
      at,
    ],
  };
}

export function alertsUpdateWrite(updates: readonly AlertUpdateRow[], at: string): Write | null {
  if (updates.length === 0) return null;
  return {
    sql: `UPDATE alerts a SET severity = u.severity, emergency = COALESCE(u.emergency, a.emergency), state = u.state,
            explanation = COALESCE(u.explanation, a.explanation), occurrence_count = a.occurrence_count + u.added,
            last_occurrence_at = CASE WHEN u.added > 0 THEN $7 ELSE a.last_occurrence_at END, updated_at = $7
     FROM unnest($1::uuid[], $2::text[], $3::boolean[], $4::text[], $5::jsonb[], $6::int[])
       AS u(id, severity, emergency, state, explanation, added)
     WHERE a.id = u.id`,
    parameters: [
      updates.map((u) => u.id),
      updates.map((u) => u.severity),
      updates.map((u) => u.emergency),
      updates.map((u) => u.state),
      updates.map((u) => (u.explanation ? JSON.stringify(u.explanation) : null)),
      updates.map((u) => u.occurrencesAdded),
      at,
    ],
  };
}

/** Resolves open alerts by themselves (no person), each with its reason. */
export function alertsResolveWrite(
  resolved: ReadonlyArray<{ id: string; reason: string }>,
  at: string,
): Write | null {
  if (resolved.length === 0) return null;
  return {
    sql: `UPDATE alerts a SET state = 'resolved', resolved_at = $3, resolution_reason = u.reason, updated_at = $3
     FROM unnest($1::uuid[], $2::text[]) AS u(id, reason)
     WHERE a.id = u.id AND a.state <> 'resolved'`,
    parameters: [resolved.map((r) => r.id), resolved.map((r) => r.reason), at],
  };
}

export function occurrencesWrite(occurrences: readonly OccurrenceRow[], at: string): Write | null {
  if (occurrences.length === 0) return null;
  return {
    sql: `INSERT INTO alert_occurrences (alert_id, result_id, severity, emergency, explanation, occurred_at)
     SELECT alert_id, result_id, severity, emergency, explanation, $6
     FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::boolean[], $5::jsonb[]) AS t(alert_id, result_id, severity, emergency, explanation)
     ON CONFLICT (alert_id, result_id) DO NOTHING`,
    parameters: [
      occurrences.map((o) => o.alertId),
      occurrences.map((o) => o.resultId),
      occurrences.map((o) => o.severity),
      occurrences.map((o) => o.emergency),
      occurrences.map((o) => JSON.stringify(o.explanation)),
      at,
    ],
  };
}

/** The team an alert without a patient goes to (a quiet lab feed), and why that team. */
export function alertRoutesWrite(
  routes: ReadonlyArray<{ alertId: string; careTeamId: string; reason: string }>,
): Write | null {
  if (routes.length === 0) return null;
  return {
    sql: `INSERT INTO alert_routes (alert_id, care_team_id, reason)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[])`,
    parameters: [routes.map((r) => r.alertId), routes.map((r) => r.careTeamId), routes.map((r) => r.reason)],
  };
}

export function alertEventsWrite(events: readonly AlertEventRow[], at: string): Write | null {
  if (events.length === 0) return null;
  return {
    sql: `INSERT INTO alert_events (alert_id, type, detail, actor_user_id, at)
     SELECT alert_id, type, detail, actor_user_id, $5
     FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::uuid[]) AS t(alert_id, type, detail, actor_user_id)`,
    parameters: [
      events.map((e) => e.alertId),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.detail)),
      events.map((e) => e.actorUserId ?? null),
      at,
    ],
  };
}

export function notificationsWrite(notifications: readonly NotificationRow[], at: string): Write | null {
  if (notifications.length === 0) return null;
  return {
    sql: `INSERT INTO notifications (id, alert_id, reason, severity, tier, state, created_at, available_at)
     SELECT id, alert_id, reason, severity, tier, 'pending', $6, $6
     FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int[]) AS t(id, alert_id, reason, severity, tier)`,
    parameters: [
      notifications.map((n) => n.id),
      notifications.map((n) => n.alertId),
      notifications.map((n) => n.reason),
      notifications.map((n) => n.severity),
      notifications.map((n) => n.tier ?? 1),
      at,
    ],
  };
}

/** What one application of alert changes writes (either path): alerts opened and changed, and what follows. */
export interface AlertChangeRows {
  created: readonly NewAlertRow[];
  updated: readonly AlertUpdateRow[];
  occurrences: readonly OccurrenceRow[];
  notifications: readonly NotificationRow[];
  events: readonly AlertEventRow[];
}

/** The statements of `AlertChangeRows`, to send together: they write disjoint rows. */
export function alertChangeWrites(rows: AlertChangeRows, at: string): Array<Write | null> {
  return [
    alertsInsertWrite(rows.created, at),
    alertsUpdateWrite(rows.updated, at),
    occurrencesWrite(rows.occurrences, at),
    notificationsWrite(rows.notifications, at),
    alertEventsWrite(rows.events, at),
  ];
}
