import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { countAndRows, SqlBuilder } from '../common/sql-builder';
import { type AttemptQueryDto, type NotificationQueryDto } from './notification.dto';

const NOTIFICATION_SQL = `
  SELECT n.id, n.alert_id, a.reference, n.reason, n.severity, n.tier, n.state, n.created_at, n.available_at,
         n.queued_at, n.dispatched_at, (SELECT count(*)::int FROM deliveries d WHERE d.notification_id = n.id) AS delivery_count
  FROM notifications n JOIN alerts a ON a.id = n.alert_id`;

export interface NotificationRow {
  id: string;
  alert_id: string;
  reference: string;
  reason: string;
  severity: string;
  tier: number;
  state: string;
  created_at: Date;
  available_at: Date;
  queued_at: Date | null;
  dispatched_at: Date | null;
  delivery_count: number;
}

const ATTEMPT_SQL = `
  SELECT t.id::text, t.delivery_id, d.notification_id, n.alert_id, a.reference, d.user_id, d.channel, d.address,
         t.attempt, t.started_at, t.finished_at, t.outcome, t.provider_response, t.provider_message_id
  FROM delivery_attempts t JOIN deliveries d ON d.id = t.delivery_id
       JOIN notifications n ON n.id = d.notification_id JOIN alerts a ON a.id = n.alert_id`;

export interface AttemptRow {
  id: string;
  delivery_id: string;
  notification_id: string;
  alert_id: string;
  reference: string;
  user_id: string | null;
  channel: string;
  address: string;
  attempt: number;
  started_at: Date;
  finished_at: Date;
  outcome: string;
  provider_response: string | null;
  provider_message_id: string | null;
}

export interface DeliveryRow {
  id: string;
  user_id: string | null;
  contact_point_id: string | null;
  channel: string;
  address: string;
  state: string;
  attempts: number;
  created_at: Date;
  queued_at: Date | null;
  sent_at: Date | null;
  last_error: string | null;
}

/** The queries of what was sent about alerts: notifications, their deliveries and every attempt (read-only). */
@Injectable()
export class NotificationQueryRepository {
  async list(
    m: EntityManager,
    query: NotificationQueryDto,
    limit: number,
  ): Promise<{ total: number; rows: NotificationRow[] }> {
    const sql = new SqlBuilder()
      .whereEquals('n.alert_id', query.alertId)
      .whereEquals('n.state', query.state)
      .whereEquals('n.severity', query.severity);
    if (query.from) sql.where(`n.created_at >= ${sql.p(query.from)}`);
    if (query.to) sql.where(`n.created_at < ${sql.p(query.to)}`);
    return countAndRows(
      m,
      sql,
      `SELECT count(*)::int AS total FROM notifications n ${sql.whereSql()}`,
      () =>
        `${NOTIFICATION_SQL} ${sql.whereSql()} ORDER BY n.created_at DESC, n.id
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
    );
  }

  async find(m: EntityManager, id: string): Promise<NotificationRow | null> {
    const rows: NotificationRow[] = await m.query(`${NOTIFICATION_SQL} WHERE n.id = $1`, [id]);
    return rows[0] ?? null;
  }

  async deliveries(m: EntityManager, notificationId: string): Promise<DeliveryRow[]> {
    return m.query(
      `SELECT id, user_id, contact_point_id, channel, address, state, attempts, created_at, queued_at, sent_at, last_error
       FROM deliveries WHERE notification_id = $1 ORDER BY created_at, id`,
      [notificationId],
    );
  }

  /** Every attempt of the notification's deliveries, oldest first. */
  async attemptsOf(m: EntityManager, notificationId: string): Promise<AttemptRow[]> {
    return m.query(`${ATTEMPT_SQL} WHERE d.notification_id = $1 ORDER BY t.started_at, t.id`, [
      notificationId,
    ]);
  }

  async attempts(
    m: EntityManager,
    query: AttemptQueryDto,
    limit: number,
  ): Promise<{ total: number; rows: AttemptRow[] }> {
    const sql = new SqlBuilder()
      .whereEquals('n.alert_id', query.alertId)
      .whereEquals('d.notification_id', query.notificationId)
      .whereEquals('d.user_id', query.userId)
      .whereEquals('t.outcome', query.outcome)
      .whereEquals('d.channel', query.channel);
    if (query.from) sql.where(`t.started_at >= ${sql.p(query.from)}`);
    if (query.to) sql.where(`t.started_at < ${sql.p(query.to)}`);
    const from = `FROM delivery_attempts t JOIN deliveries d ON d.id = t.delivery_id
                  JOIN notifications n ON n.id = d.notification_id`;
    return countAndRows(
      m,
      sql,
      `SELECT count(*)::int AS total ${from} ${sql.whereSql()}`,
      () =>
        `${ATTEMPT_SQL} ${sql.whereSql()} ORDER BY t.started_at DESC, t.id DESC
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
    );
  }
}
