import { randomUUID } from 'node:crypto';
import { type AlertExplanation, type Severity } from '@alem/clinical';
import { type EntityManager } from 'typeorm';
import { newAlertReference } from '../repositories/alert-reference';
import { writeTogether } from '../write-together';
import {
  alertChangeWrites,
  type AlertEventRow,
  alertRoutesWrite,
  alertsResolveWrite,
  type AlertUpdateRow,
  type NotificationRow,
  type OccurrenceRow,
} from './ledger-writes';

/**
 * The scheduler's path of the ledger: missed-result and quiet-feed alerts (and the administration intake's
 * enrolment alerts, which open and resolve the same way), on the same tables and outbox as the
 * threshold alerts (one open alert per dedup key), plus what the threshold path does not need: resolving an
 * alert by itself with a timeline entry, holding a notification (recorded, not sent), and a route for alerts
 * without a patient. Called through `AlertLedger`.
 */

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
      kind: 'missed' | 'feed' | 'enrolment';
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

/** Writes the changes: alerts, occurrences (on open and raise), timeline, routes and outbox rows. */
export async function applyMonitoringChanges(
  manager: EntityManager,
  changes: readonly MonitoringAlertChange[],
  now: Date,
): Promise<AppliedMonitoringAlertChange[]> {
  if (changes.length === 0) return [];
  const at = now.toISOString();
  const created: Array<Extract<MonitoringAlertChange, { type: 'open' }> & { id: string; reference: string }> =
    [];
  const updated: AlertUpdateRow[] = [];
  const resolved: Array<{ id: string; reason: string }> = [];
  const occurrences: OccurrenceRow[] = [];
  const events: AlertEventRow[] = [];
  const notifications: NotificationRow[] = [];
  const routes: Array<{ alertId: string; careTeamId: string; reason: string }> = [];
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
      occurrences.push(missedOccurrence(id, c.severity, c.explanation));
      events.push({
        alertId: id,
        type: 'opened',
        detail: { severity: c.severity, notified: c.notify, by: MONITORING_SCHEDULER_ACTOR },
      });
      for (const note of c.notes ?? []) events.push({ alertId: id, ...note });
      if (c.route) routes.push({ alertId: id, ...c.route });
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
        emergency: null,
        explanation: c.explanation,
        occurrencesAdded: c.severityRaised ? 1 : 0,
      });
      if (c.severityRaised) {
        occurrences.push(missedOccurrence(a.id, c.severity, c.explanation));
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
      applied.push(appliedTo(a, c.severity, c.severityRaised ? 'raised' : 'updated', notificationId));
    } else {
      const a = c.alert;
      resolved.push({ id: a.id, reason: c.reason });
      events.push({
        alertId: a.id,
        type: 'resolved',
        detail: { reason: c.reason, by: MONITORING_SCHEDULER_ACTOR, ...c.detail },
      });
      applied.push(appliedTo(a, a.severity, 'resolved', null));
    }
  }

  // Inserts and updates of different alerts together. Routes and resolves after: a route's trigger updates
  // the new alert, and an alert may be both updated and resolved in one sweep; one statement must not modify
  // a row twice.
  await writeTogether(
    manager,
    alertChangeWrites(
      {
        created: created.map((c) => ({ ...c, emergency: false, occurrenceCount: 1 })),
        updated,
        occurrences,
        notifications,
        events,
      },
      at,
    ),
  );
  await writeTogether(manager, [alertRoutesWrite(routes), alertsResolveWrite(resolved, at)]);
  return applied;
}

/** What a change did to an open alert. */
function appliedTo(
  a: OpenMonitoringAlert,
  severity: Severity,
  change: AppliedMonitoringAlertChange['change'],
  notificationId: string | null,
): AppliedMonitoringAlertChange {
  const { dedupKey, id: alertId, reference, ruleId, patientId } = a;
  return { dedupKey, alertId, reference, ruleId, patientId, severity, change, notificationId };
}

/** A missed result's occurrence: no result, never an emergency. */
function missedOccurrence(alertId: string, severity: Severity, explanation: AlertExplanation): OccurrenceRow {
  return { alertId, resultId: null, severity, emergency: false, explanation };
}
