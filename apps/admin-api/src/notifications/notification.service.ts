import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type CsvColumn } from '../common/csv';
import { NotFoundError } from '../common/domain.errors';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import {
  type AttemptQueryDto,
  type AttemptView,
  type NotificationDetailView,
  type NotificationQueryDto,
  type NotificationView,
} from './notification.dto';
import {
  type AttemptRow,
  NotificationQueryRepository,
  type NotificationRow,
} from './notification.repository';

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

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
  constructor(
    private readonly dataSource: DataSource,
    private readonly notifications: NotificationQueryRepository,
  ) {}

  async list(query: NotificationQueryDto, format: ListFormat): Promise<Page<NotificationView>> {
    const limit = pageLimit(query, format);
    const { total, rows } = await this.notifications.list(this.dataSource.manager, query, limit);
    return { items: rows.map(toNotification), total, limit, offset: query.offset };
  }

  async get(id: string): Promise<NotificationDetailView> {
    const m = this.dataSource.manager;
    const row = await this.notifications.find(m, id);
    if (!row) throw new NotFoundError('Notification');
    const deliveries = await this.notifications.deliveries(m, id);
    const attempts = await this.notifications.attemptsOf(m, id);
    return {
      ...toNotification(row),
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
    const { total, rows } = await this.notifications.attempts(this.dataSource.manager, query, limit);
    return { items: rows.map(toAttempt), total, limit, offset: query.offset };
  }
}
