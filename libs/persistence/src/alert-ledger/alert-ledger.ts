import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type AlertDecision, type RecoveryObservation, type Severity } from '@alem/clinical';
import { type EntityManager } from 'typeorm';
import { queryRows } from '../query-rows';
import { writeTogether } from '../write-together';
import { type AlertEventRow, alertEventsWrite, notificationsWrite } from './ledger-writes';
import {
  type AppliedMonitoringAlertChange,
  applyMonitoringChanges,
  type MonitoringAlertChange,
} from './monitoring-alerts';
import {
  type AppliedAlertChange,
  applyDecisions,
  recordRecoveries,
  retractOccurrences,
} from './threshold-alerts';
import { raiseUnreachable, type Unreachable, type UnreachableRaised } from './unreachable-alert';

/** How a person acknowledged: through the API (the console), or an alert message's one-time link. */
export interface Acknowledgement {
  alertId: string;
  userId: string;
  at: Date;
  note?: string | null;
  /** The message whose link was used; none through the API. */
  link?: { deliveryId: string; notificationId: string; channel: string; tier: number } | null;
}

/**
 * The only writer of alerts, their occurrences, their timelines (`alert_events`) and the notification outbox
 * (`notifications`). Whoever changes an alert (the processor, the scheduler, the notifier, a person through the
 * admin API) does it here, inside the caller's transaction, so the safety invariants hold in one place:
 * - one open alert per identity (patient and rule, or the dedup key a rule narrows it to);
 * - every change of an alert is on its timeline, in the same transaction;
 * - every message about an alert starts as an outbox row, with a `notification-queued` entry.
 *
 * What should change is decided elsewhere (the rule engine's decisions and `planAlertChange` in
 * `@alem/clinical`, the scheduler's plans, the notifier's escalation policy, a person's request); the ledger
 * applies it with set-based statements.
 */
@Injectable()
export class AlertLedger {
  /**
   * A batch's rule decisions (processor, released result): one open alert per patient and rule (opened, or given
   * another occurrence), the timeline, and an outbox row for each change people must hear about.
   */
  applyDecisions(
    m: EntityManager,
    decisions: readonly AlertDecision[],
    now: Date,
  ): Promise<AppliedAlertChange[]> {
    return applyDecisions(m, decisions, now);
  }

  /**
   * Withdraws the occurrences of results that a correction superseded or a deletion retracted, with a timeline
   * entry on each alert. The alert itself stays as it is: a person resolves it.
   */
  retractOccurrences(
    m: EntityManager,
    retractions: ReadonlyArray<{ resultId: string; reason: 'superseded' | 'deleted'; by?: string }>,
    now: Date,
  ): Promise<number> {
    return retractOccurrences(m, retractions, now);
  }

  /** Notes on each rule's open alert that a new result is back in range; the alert stays open. */
  recordRecoveries(m: EntityManager, recoveries: readonly RecoveryObservation[], now: Date): Promise<number> {
    return recordRecoveries(m, recoveries, now);
  }

  /** The scheduler's missed-result and quiet-feed changes: open, update (raise, reopen, notify), resolve. */
  applyMonitoringChanges(
    m: EntityManager,
    changes: readonly MonitoringAlertChange[],
    now: Date,
  ): Promise<AppliedMonitoringAlertChange[]> {
    return applyMonitoringChanges(m, changes, now);
  }

  /** Nobody could be reached for an alert: the admins' `unreachable` alert (see `raiseUnreachable`). */
  raiseUnreachable(m: EntityManager, input: Unreachable): Promise<UnreachableRaised | null> {
    return raiseUnreachable(m, input);
  }

  /** An escalation step: an outbox row for the next tier and an `escalated` entry naming it. */
  async escalate(
    m: EntityManager,
    input: { alertId: string; severity: Severity; tier: number; detail: Record<string, unknown>; now: Date },
  ): Promise<string> {
    const notificationId = randomUUID();
    const at = input.now.toISOString();
    await writeTogether(m, [
      notificationsWrite(
        [
          {
            id: notificationId,
            alertId: input.alertId,
            reason: 'escalated',
            severity: input.severity,
            tier: input.tier,
          },
        ],
        at,
      ),
      alertEventsWrite(
        [{ alertId: input.alertId, type: 'escalated', detail: { ...input.detail, notificationId } }],
        at,
      ),
    ]);
    return notificationId;
  }

  /**
   * Pins the escalation policy an alert follows, as of its team's version in force, when the alert has none
   * (a row older than the trigger that pins it on insert). Returns the pinned policy's id.
   */
  async pinEscalationPolicy(
    m: Pick<EntityManager, 'query'>,
    alertId: string,
    careTeamId: string | null,
  ): Promise<string | null> {
    const [pinned] = await queryRows<{ id: string | null }>(
      m,
      `UPDATE alerts SET escalation_policy_id = coalesce(escalation_policy_id, escalation_policy_in_force($2))
       WHERE id = $1 RETURNING escalation_policy_id AS id`,
      [alertId, careTeamId],
    );
    return pinned?.id ?? null;
  }

  /** Outbox rows handed to the dispatch queue (again, for stale ones). */
  async markNotificationsQueued(
    m: Pick<EntityManager, 'query'>,
    ids: readonly string[],
    now: Date,
  ): Promise<void> {
    if (ids.length === 0) return;
    await m.query(
      `UPDATE notifications SET state = 'queued', queued_at = $2 WHERE id = ANY($1::uuid[]) AND state IN ('pending', 'queued')`,
      [ids, now.toISOString()],
    );
  }

  /**
   * An outbox row expanded into its deliveries: `dispatched`, with a `notification-dispatched` entry the first
   * time. Returns whether this was the first time (a repeated dispatch changes nothing).
   */
  async markNotificationDispatched(
    m: EntityManager,
    input: { notificationId: string; alertId: string; detail: Record<string, unknown>; now: Date },
  ): Promise<boolean> {
    const at = input.now.toISOString();
    const first = await queryRows<{ id: string }>(
      m,
      `UPDATE notifications SET state = 'dispatched', dispatched_at = $2 WHERE id = $1 AND state <> 'dispatched' RETURNING id`,
      [input.notificationId, at],
    );
    if (first.length === 0) return false;
    await this.note(
      m,
      [
        {
          alertId: input.alertId,
          type: 'notification-dispatched',
          detail: { notificationId: input.notificationId, ...input.detail },
        },
      ],
      input.now,
    );
    return true;
  }

  /**
   * A person acknowledges an open alert (the caller has checked that it is). Through a message's link the record
   * of how comes first, so the alerts trigger adds no `api` record of its own. Returns the timeline entry's
   * detail (for the audit row) and the link acknowledgement's id.
   */
  async acknowledge(
    m: EntityManager,
    input: Acknowledgement,
  ): Promise<{ acknowledgementId: string | null; detail: Record<string, unknown> }> {
    const at = input.at.toISOString();
    const note = input.note ? { note: input.note } : {};
    let acknowledgementId: string | null = null;
    let detail: Record<string, unknown> = note;
    if (input.link) {
      const [ack] = await queryRows<{ id: string }>(
        m,
        `INSERT INTO alert_acknowledgements (alert_id, user_id, acknowledged_at, via, delivery_id, notification_id, note)
         VALUES ($1, $2, $3, 'link', $4, $5, $6) RETURNING id`,
        [
          input.alertId,
          input.userId,
          at,
          input.link.deliveryId,
          input.link.notificationId,
          input.note ?? null,
        ],
      );
      acknowledgementId = ack!.id;
      detail = { via: 'link', acknowledgementId, ...input.link, ...note };
    }
    await m.query(
      `UPDATE alerts SET state = 'acknowledged', acknowledged_at = $2, acknowledged_by = $3, updated_at = $2
       WHERE id = $1`,
      [input.alertId, at, input.userId],
    );
    await this.note(
      m,
      [{ alertId: input.alertId, type: 'acknowledged', actorUserId: input.userId, detail }],
      input.at,
    );
    return { acknowledgementId, detail };
  }

  /** A person resolves an alert that is not resolved (the caller has checked). */
  async resolve(
    m: EntityManager,
    input: { alertId: string; userId: string; reason: string; at: Date },
  ): Promise<Record<string, unknown>> {
    const at = input.at.toISOString();
    await m.query(
      `UPDATE alerts SET state = 'resolved', resolved_at = $2, resolved_by = $3, resolution_reason = $4, updated_at = $2
       WHERE id = $1`,
      [input.alertId, at, input.userId, input.reason],
    );
    const detail = { reason: input.reason };
    await this.note(
      m,
      [{ alertId: input.alertId, type: 'resolved', actorUserId: input.userId, detail }],
      input.at,
    );
    return detail;
  }

  /**
   * A person reopens a resolved alert (the caller has checked that no newer one of its identity is open). It
   * needs a new acknowledgement; the old one stays on the timeline, in `detail`.
   */
  async reopen(
    m: EntityManager,
    input: { alertId: string; userId: string; at: Date; detail: Record<string, unknown> },
  ): Promise<void> {
    await m.query(
      `UPDATE alerts SET state = 'open', acknowledged_at = NULL, acknowledged_by = NULL, resolved_at = NULL,
              resolved_by = NULL, resolution_reason = NULL, updated_at = $2
       WHERE id = $1`,
      [input.alertId, input.at.toISOString()],
    );
    await this.note(
      m,
      [{ alertId: input.alertId, type: 'reopened', actorUserId: input.userId, detail: input.detail }],
      input.at,
    );
  }

  /**
   * Timeline entries for what happened around alerts without changing them (a result released, a hold
   * released, a delivery replayed, nobody reachable), all at `at`, in one statement.
   */
  async note(m: Pick<EntityManager, 'query'>, entries: readonly AlertEventRow[], at: Date): Promise<void> {
    await writeTogether(m, [alertEventsWrite(entries, at.toISOString())]);
  }
}
