import { type Severity } from '@alem/clinical';
import { type EntityManager } from 'typeorm';
import { type Write, writeTogether } from '../write-together';

/** An entry of an alert's timeline (`alert_events`). */
export interface AlertEventRow {
  alertId: string;
  type: string;
  detail: Record<string, unknown>;
  /** The person whose action this entry records (a reviewer's release); none for the system's own entries. */
  actorUserId?: string | null;
}

/** A notification outbox row for the notifier, first tier, pending. */
export interface NotificationRow {
  id: string;
  alertId: string;
  reason: string;
  severity: Severity;
}

/** Appends timeline entries, all at `at` (ISO), in one statement; nothing when there are none. */
export async function insertAlertEvents(
  manager: EntityManager,
  events: readonly AlertEventRow[],
  at: string,
): Promise<void> {
  await writeTogether(manager, [alertEventsWrite(events, at)]);
}

/** The statement `insertAlertEvents` runs, to send with others (`writeTogether`); null when there are none. */
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

/** Writes outbox rows (tier 1, pending, available at once) in one statement; nothing when there are none. */
export async function insertNotifications(
  manager: EntityManager,
  notifications: readonly NotificationRow[],
  at: string,
): Promise<void> {
  await writeTogether(manager, [notificationsWrite(notifications, at)]);
}

/** The statement `insertNotifications` runs, to send with others (`writeTogether`); null when there are none. */
export function notificationsWrite(notifications: readonly NotificationRow[], at: string): Write | null {
  if (notifications.length === 0) return null;
  return {
    sql: `INSERT INTO notifications (id, alert_id, reason, severity, tier, state, created_at, available_at)
     SELECT id, alert_id, reason, severity, 1, 'pending', $5, $5
     FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS t(id, alert_id, reason, severity)`,
    parameters: [
      notifications.map((n) => n.id),
      notifications.map((n) => n.alertId),
      notifications.map((n) => n.reason),
      notifications.map((n) => n.severity),
      at,
    ],
  };
}
