import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type CsvColumn } from '../common/csv';
import { NotFoundError } from '../common/domain.errors';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import { SqlBuilder } from '../common/sql-builder';
import {
  type AttemptQueryDto,
  type AttemptView,
  type NotificationDetailView,
  type NotificationQueryDto,
  type NotificationView,
} from './notification.dto';

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

const NOTIFICATION_SQL = `
  SELECT n.id, n.alert_id, a.reference, n.reason, n.severity, n.tier, n.state, n.created_at, n.available_at,
         n.queued_at, n.dispatched_at, (SELECT count(*)::int FROM deliveries d WHERE d.notification_id = n.id) AS delivery_count
  FROM notifications n JOIN alerts a ON a.id = n.alert_id`;

interface NotificationRow {
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

const toNotification = (r: NotificationRow): NotificationView => ({
  id: r.id,
  alertId: r.alert_id,
  alertReference: r.reference,
  reason: r.reason,
  severity: r.severity,
  tier: r.tier,
  state: r.state,
  createdAt: r.created_at.toISOString(),
  availableAt: r.available_at.toISOString(),
  queuedAt: iso(r.queued_at),
  dispatchedAt: iso(r.dispatched_at),
  deliveryCount: r.delivery_count,
});

const ATTEMPT_SQL = `
  SELECT t.id::text, t.delivery_id, d.notification_id, n.alert_id, a.reference, d.user_id, d.channel, d.address,
         t.attempt, t.started_at, t.finished_at, t.outcome, t.provider_response, t.provider_message_id
  FROM delivery_attempts t JOIN deliveries d ON d.id = t.delivery_id
       JOIN notifications n ON n.id = d.notification_id JOIN alerts a ON a.id = n.alert_id`;

interface AttemptRow {
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

const toAttempt = (r: AttemptRow): AttemptView => ({
  id: r.id,
  deliveryId: r.delivery_id,
  notificationId: r.notification_id,
  alertId: r.alert_id,
  alertReference: r.reference,
  userId: r.user_id,
  channel: r.channel,
  address: r.address,
  attempt: r.attempt,
  startedAt: r.started_at.toISOString(),
  finishedAt: r.finished_at.toISOString(),
  outcome: r.outcome,
  providerResponse: r.provider_response,
  providerMessageId: r.provider_message_id,
});

export const NOTIFICATION_CSV_COLUMNS: CsvColumn<NotificationView>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'alert_id', value: (r) => r.alertId },
  { header: 'alert_reference', value: (r) => r.alertReference },
  { header: 'reason', value: (r) => r.reason },
  { header: 'severity', value: (r) => r.severity },
  { header: 'tier', value: (r) => r.tier },
  { header: 'state', value: (r) => r.state },
  { header: 'created_at', value: (r) => r.createdAt },
  { header: 'queued_at', value: (r) => r.queuedAt },
  { header: 'dispatched_at', value: (r) => r.dispatchedAt },
  { header: 'deliveries', value: (r) => r.deliveryCount },
];

export const ATTEMPT_CSV_COLUMNS: CsvColumn<AttemptView>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'alert_reference', value: (r) => r.alertReference },
  { header: 'alert_id', value: (r) => r.alertId },
  { header: 'notification_id', value: (r) => r.notificationId },
  { header: 'delivery_id', value: (r) => r.deliveryId },
  { header: 'user_id', value: (r) => r.userId },
  { header: 'channel', value: (r) => r.channel },
  { header: 'address', value: (r) => r.address },
  { header: 'attempt', value: (r) => r.attempt },
  { header: 'started_at', value: (r) => r.startedAt },
  { header: 'finished_at', value: (r) => r.finishedAt },
  { header: 'outcome', value: (r) => r.outcome },
  { header: 'provider_response', value: (r) => r.providerResponse },
  { header: 'provider_message_id', value: (r) => r.providerMessageId },
];

/** What was sent about alerts, to whom, and how each attempt went (read-only). */
@Injectable()
export class NotificationService {
  constructor(private readonly dataSource: DataSource) {}

  async list(query: NotificationQueryDto, format: ListFormat): Promise<Page<NotificationView>> {
    const limit = pageLimit(query, format);
    const sql = new SqlBuilder()
      .whereEquals('n.alert_id', query.alertId)
      .whereEquals('n.state', query.state)
      .whereEquals('n.severity', query.severity);
    if (query.from) sql.where(`n.created_at >= ${sql.p(query.from)}`);
    if (query.to) sql.where(`n.created_at < ${sql.p(query.to)}`);
    const [{ total }]: Array<{ total: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM notifications n ${sql.whereSql()}`,
      sql.params,
    );
    const rows: NotificationRow[] = await this.dataSource.query(
      `${NOTIFICATION_SQL} ${sql.whereSql()} ORDER BY n.created_at DESC, n.id
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
      sql.params,
    );
    return { items: rows.map(toNotification), total, limit, offset: query.offset };
  }

  async get(id: string): Promise<NotificationDetailView> {
    const rows: NotificationRow[] = await this.dataSource.query(`${NOTIFICATION_SQL} WHERE n.id = $1`, [id]);
    if (!rows[0]) throw new NotFoundError('Notification');
    const deliveries: Array<{
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
    }> = await this.dataSource.query(
      `SELECT id, user_id, contact_point_id, channel, address, state, attempts, created_at, queued_at, sent_at, last_error
       FROM deliveries WHERE notification_id = $1 ORDER BY created_at, id`,
      [id],
    );
    const attempts: AttemptRow[] = await this.dataSource.query(
      `${ATTEMPT_SQL} WHERE d.notification_id = $1 ORDER BY t.started_at, t.id`,
      [id],
    );
    return {
      ...toNotification(rows[0]),
      deliveries: deliveries.map((d) => ({
        id: d.id,
        userId: d.user_id,
        contactPointId: d.contact_point_id,
        channel: d.channel,
        address: d.address,
        state: d.state,
        attempts: d.attempts,
        createdAt: d.created_at.toISOString(),
        queuedAt: iso(d.queued_at),
        sentAt: iso(d.sent_at),
        lastError: d.last_error,
      })),
      attempts: attempts.map(toAttempt),
    };
  }

  async attempts(query: AttemptQueryDto, format: ListFormat): Promise<Page<AttemptView>> {
    const limit = pageLimit(query, format);
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
    const [{ total }]: Array<{ total: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS total ${from} ${sql.whereSql()}`,
      sql.params,
    );
    const rows: AttemptRow[] = await this.dataSource.query(
      `${ATTEMPT_SQL} ${sql.whereSql()} ORDER BY t.started_at DESC, t.id DESC
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
      sql.params,
    );
    return { items: rows.map(toAttempt), total, limit, offset: query.offset };
  }
}
