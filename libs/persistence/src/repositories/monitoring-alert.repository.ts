import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type AlertExplanation, type Severity } from '@alem/clinical';
import { type EntityManager } from 'typeorm';
import { newAlertReference } from './alert-reference';
import {
  type AlertEventRow,
  insertAlertEvents,
  insertNotifications,
  type NotificationRow,
} from './alert-timeline';

/** An open (not resolved) missed-result or feed alert, as the scheduler plans against it. */
export interface OpenMonitoringAlert {
  id: string;
  reference: string;
  dedupKey: string;
  patientId: string | null;
  ruleId: string;
  severity: Severity;
  state: 'open' | 'acknowledged';
  /** The highest severity an outbox row was written for (not cancelled); null while nobody was told. */
  notifiedSeverity: Severity | null;
}

/** An extra entry for the alert's timeline (e.g. `held`, `hold-released`). */
export interface TimelineNote {
  type: string;
  detail: Record<string, unknown>;
}

/** Where an alert without a patient goes. */
export interface AlertRoute {
  careTeamId: string;
  /** Why this team (e.g. `site-integration-team:<site>`), for the record. */
  reason: string;
}

export type MonitoringAlertChange =
  | {
      type: 'open';
      dedupKey: string;
      patientId: string | null;
      ruleId: string;
      kind: 'missed' | 'feed';
      severity: Severity;
      notify: boolean;
      explanation: AlertExplanation;
      ruleSetVersion: string;
      route?: AlertRoute | null;
      notes?: TimelineNote[];
    }
  | {
      type: 'update';
      alert: OpenMonitoringAlert;
      severity: Severity;
      severityRaised: boolean;
      reopen: boolean;
      notify: boolean;
      /** Outbox reason when notifying without a raise (e.g. after a hold is released). */
      notifyReason?: string;
      explanation: AlertExplanation;
      notes?: TimelineNote[];
    }
  | { type: 'resolve'; alert: OpenMonitoringAlert; reason: string; detail?: Record<string, unknown> };

/** The effect of one change: the alert it touched and the outbox row written for it (if any). */
export interface AppliedMonitoringAlertChange {
  dedupKey: string;
  alertId: string;
  reference: string;
  ruleId: string;
  patientId: string | null;
  severity: Severity;
  /** `opened`, `raised`, `updated`, `resolved`. */
  change: 'opened' | 'raised' | 'updated' | 'resolved';
  notificationId: string | null;
}

/** The actor the scheduler writes on timelines (it is not a user). */
export const MONITORING_SCHEDULER_ACTOR = 'monitoring-scheduler';

const RANK_SQL = `CASE n.severity WHEN 'critical' THEN 2 WHEN 'warning' THEN 1 ELSE 0 END`;

/**
 * The missed-result and quiet-feed alerts, on the same tables and outbox as the threshold alerts (alerts,
 * alert_occurrences, alert_events, notifications; one open alert per dedup key), plus what the threshold path
 * does not need: resolving an alert by itself with a timeline entry, holding a notification (recorded, not
 * sent), and a route for alerts without a patient. A fixed handful of statements per batch, inside the
 * caller's transaction, whatever its size.
 */
@Injectable()
export class MonitoringAlertRepository {
  /** The open missed-result alerts of these patients, locked for the caller's transaction. */
  async openMissedAlerts(
    manager: EntityManager,
    patientIds: readonly string[],
  ): Promise<OpenMonitoringAlert[]> {
    if (patientIds.length === 0) return [];
    return this.open(manager, `a.patient_id = ANY($1::uuid[]) AND a.kind = 'missed'`, [patientIds]);
  }

  /** The open alerts with these dedup keys (feed alerts), locked for the caller's transaction. */
  async openAlertsByKey(
    manager: EntityManager,
    dedupKeys: readonly string[],
  ): Promise<OpenMonitoringAlert[]> {
    if (dedupKeys.length === 0) return [];
    return this.open(manager, `a.dedup_key = ANY($1::text[])`, [dedupKeys]);
  }

  private async open(
    manager: EntityManager,
    where: string,
    params: unknown[],
  ): Promise<OpenMonitoringAlert[]> {
    const rows: Array<{
      id: string;
      reference: string;
      dedup_key: string;
      patient_id: string | null;
      rule_id: string;
      severity: Severity;
      state: 'open' | 'acknowledged';
      notified_severity: Severity | null;
    }> = await manager.query(
      `SELECT a.id, a.reference, a.dedup_key, a.patient_id, a.rule_id, a.severity, a.state,
              (SELECT n.severity FROM notifications n WHERE n.alert_id = a.id AND n.state <> 'cancelled'
               ORDER BY ${RANK_SQL} DESC LIMIT 1) AS notified_severity
       FROM alerts a WHERE ${where} AND a.state <> 'resolved'
       ORDER BY a.dedup_key FOR UPDATE OF a`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      reference: r.reference,
      dedupKey: r.dedup_key,
      patientId: r.patient_id,
      ruleId: r.rule_id,
      severity: r.severity,
      state: r.state,
      notifiedSeverity: r.notified_severity,
    }));
  }

  /** Writes the changes: alerts, occurrences (on open and raise), timeline, routes and outbox rows. */
  async apply(
    manager: EntityManager,
    changes: readonly MonitoringAlertChange[],
    now: Date,
  ): Promise<AppliedMonitoringAlertChange[]> {
    if (changes.length === 0) return [];
    const at = now.toISOString();
    const created: Array<
      Extract<MonitoringAlertChange, { type: 'open' }> & { id: string; reference: string }
    > = [];
    const updated: Array<{
      id: string;
      severity: Severity;
      state: 'open' | 'acknowledged';
      explanation: AlertExplanation;
      occurrence: boolean;
    }> = [];
    const resolved: Array<{ id: string; reason: string }> = [];
    const occurrences: Array<{ alertId: string; severity: Severity; explanation: AlertExplanation }> = [];
    const events: AlertEventRow[] = [];
    const notifications: NotificationRow[] = [];
    const routes: Array<{ alertId: string; route: AlertRoute }> = [];
    const applied: AppliedMonitoringAlertChange[] = [];

    const notify = (alertId: string, reason: string, severity: Severity): string => {
      const id = randomUUID();
      notifications.push({ id, alertId, reason, severity });
      events.push({ alertId, type: 'notification-queued', detail: { notificationId: id, severity } });
      return id;
    };

    for (const c of changes) {
      if (c.type === 'open') {
        const id = randomUUID();
        const reference = newAlertReference();
        created.push({ ...c, id, reference });
        occurrences.push({ alertId: id, severity: c.severity, explanation: c.explanation });
        events.push({
          alertId: id,
          type: 'opened',
          detail: { severity: c.severity, notified: c.notify, by: MONITORING_SCHEDULER_ACTOR },
        });
        for (const note of c.notes ?? []) events.push({ alertId: id, ...note });
        if (c.route) routes.push({ alertId: id, route: c.route });
        const notificationId = c.notify ? notify(id, 'opened', c.severity) : null;
        applied.push({
          dedupKey: c.dedupKey,
          alertId: id,
          reference,
          ruleId: c.ruleId,
          patientId: c.patientId,
          severity: c.severity,
          change: 'opened',
          notificationId,
        });
      } else if (c.type === 'update') {
        const a = c.alert;
        const state = c.reopen ? 'open' : a.state;
        updated.push({
          id: a.id,
          severity: c.severity,
          state,
          explanation: c.explanation,
          occurrence: c.severityRaised,
        });
        if (c.severityRaised) {
          occurrences.push({ alertId: a.id, severity: c.severity, explanation: c.explanation });
          events.push({
            alertId: a.id,
            type: 'severity-raised',
            detail: { from: a.severity, to: c.severity, reopened: c.reopen, notified: c.notify },
          });
        }
        for (const note of c.notes ?? []) events.push({ alertId: a.id, ...note });
        const notificationId = c.notify
          ? notify(a.id, c.severityRaised ? 'severity-raised' : (c.notifyReason ?? 'opened'), c.severity)
          : null;
        applied.push({
          dedupKey: a.dedupKey,
          alertId: a.id,
          reference: a.reference,
          ruleId: a.ruleId,
          patientId: a.patientId,
          severity: c.severity,
          change: c.severityRaised ? 'raised' : 'updated',
          notificationId,
        });
      } else {
        const a = c.alert;
        resolved.push({ id: a.id, reason: c.reason });
        events.push({
          alertId: a.id,
          type: 'resolved',
          detail: { reason: c.reason, by: MONITORING_SCHEDULER_ACTOR, ...c.detail },
        });
        applied.push({
          dedupKey: a.dedupKey,
          alertId: a.id,
          reference: a.reference,
          ruleId: a.ruleId,
          patientId: a.patientId,
          severity: a.severity,
          change: 'resolved',
          notificationId: null,
        });
      }
    }

    if (created.length > 0) {
      await manager.query(
        `INSERT INTO alerts (id, reference, patient_id, rule_id, kind, severity, emergency, state, dedup_key, rule_set_version,
                             explanation, occurrence_count, opened_at, last_occurrence_at, updated_at)
         SELECT id, reference, patient_id, rule_id, kind, severity, false, 'open', dedup_key, rule_set_version,
                explanation, 1, $10, $10, $10
         FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[])
           AS t(id, reference, patient_id, rule_id, kind, severity, dedup_key, rule_set_version, explanation)`,
        [
          created.map((a) => a.id),
          created.map((a) => a.reference),
          created.map((a) => a.patientId),
          created.map((a) => a.ruleId),
          created.map((a) => a.kind),
          created.map((a) => a.severity),
          created.map((a) => a.dedupKey),
          created.map((a) => a.ruleSetVersion),
          created.map((a) => JSON.stringify(a.explanation)),
          at,
        ],
      );
    }
    if (routes.length > 0) {
      await manager.query(
        `INSERT INTO alert_routes (alert_id, care_team_id, reason)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[])`,
        [
          routes.map((r) => r.alertId),
          routes.map((r) => r.route.careTeamId),
          routes.map((r) => r.route.reason),
        ],
      );
    }
    if (updated.length > 0) {
      await manager.query(
        `UPDATE alerts a SET severity = u.severity, state = u.state, explanation = u.explanation, updated_at = $6,
                occurrence_count = a.occurrence_count + CASE WHEN u.occurrence THEN 1 ELSE 0 END,
                last_occurrence_at = CASE WHEN u.occurrence THEN $6 ELSE a.last_occurrence_at END
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::boolean[])
           AS u(id, severity, state, explanation, occurrence)
         WHERE a.id = u.id`,
        [
          updated.map((u) => u.id),
          updated.map((u) => u.severity),
          updated.map((u) => u.state),
          updated.map((u) => JSON.stringify(u.explanation)),
          updated.map((u) => u.occurrence),
          at,
        ],
      );
    }
    if (resolved.length > 0) {
      await manager.query(
        `UPDATE alerts a SET state = 'resolved', resolved_at = $3, resolution_reason = u.reason, updated_at = $3
         FROM unnest($1::uuid[], $2::text[]) AS u(id, reason)
         WHERE a.id = u.id AND a.state <> 'resolved'`,
        [resolved.map((r) => r.id), resolved.map((r) => r.reason), at],
      );
    }
    if (occurrences.length > 0) {
      await manager.query(
        `INSERT INTO alert_occurrences (alert_id, result_id, severity, emergency, explanation, occurred_at)
         SELECT alert_id, NULL, severity, false, explanation, $4
         FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) AS t(alert_id, severity, explanation)`,
        [
          occurrences.map((o) => o.alertId),
          occurrences.map((o) => o.severity),
          occurrences.map((o) => JSON.stringify(o.explanation)),
          at,
        ],
      );
    }
    await insertNotifications(manager, notifications, at);
    await insertAlertEvents(manager, events, at);
    return applied;
  }
}
