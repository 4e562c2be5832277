import { Injectable } from '@nestjs/common';
import { AlertLedger } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditedTransactions } from '../common/audited-transaction';
import { ConflictError, NotFoundError } from '../common/domain.errors';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import { type RequestActor, userOf } from '../common/request-actor';
import { type FailedDeliveryQueryDto, type FailedDeliveryView } from './failed-delivery.dto';
import { FailedDeliveryRepository, type FailedDeliveryRow } from './failed-delivery.repository';

const toView = (r: FailedDeliveryRow): FailedDeliveryView => ({
  id: r.id,
  notificationId: r.notification_id,
  alertId: r.alert_id,
  alertReference: r.reference,
  alertState: r.alert_state,
  tier: r.tier,
  userId: r.user_id,
  channel: r.channel,
  address: r.address,
  state: r.state,
  attempts: r.attempts,
  lastError: r.last_error,
  failedAt: r.failed_at?.toISOString() ?? null,
  carried: r.carried,
  replayedAt: r.replayed_at?.toISOString() ?? null,
  replayedBy: r.replayed_by,
});

/**
 * The notifications' dead-letter list: deliveries that failed for good (after the last retry, a permanent
 * refusal, an undelivered SMS or one without a receipt in time), each the record of its own failure. An admin
 * replays one once: it goes back to pending, and the notifier re-runs its job under the same job id; who and
 * when are recorded and audited, and a second replay is refused.
 */
@Injectable()
export class FailedDeliveryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly deliveries: FailedDeliveryRepository,
    private readonly ledger: AlertLedger,
    private readonly audited: AuditedTransactions,
    private readonly clock: Clock,
  ) {}

  async list(query: FailedDeliveryQueryDto, format: ListFormat): Promise<Page<FailedDeliveryView>> {
    const limit = pageLimit(query, format);
    const { total, rows } = await this.deliveries.list(this.dataSource.manager, query, limit);
    return { items: rows.map(toView), total, limit, offset: query.offset };
  }

  async replay(actor: RequestActor, id: string): Promise<FailedDeliveryView> {
    const user = userOf(actor);
    const now = this.clock.now();
    return this.audited.run(actor, 'notifications', async (m, trail) => {
      const before = await this.find(m, id, true);
      if (before.replayed_at) {
        throw new ConflictError(
          `This delivery was already replayed (${before.replayed_at.toISOString()}); it is replayed once`,
        );
      }
      if (before.state !== 'failed') throw new ConflictError('Only a failed delivery can be replayed');
      await this.deliveries.replay(m, id, user.userId, now);
      await this.ledger.note(
        m,
        [
          {
            alertId: before.alert_id,
            type: 'delivery-replayed',
            actorUserId: user.userId,
            detail: { deliveryId: id, notificationId: before.notification_id, channel: before.channel },
          },
        ],
        now,
      );
      const after = await this.find(m, id);
      trail.record({
        action: 'delivery.replay',
        entityType: 'delivery',
        entityId: id,
        detail: {
          alertId: before.alert_id,
          alertReference: before.reference,
          notificationId: before.notification_id,
          channel: before.channel,
          lastError: before.last_error,
          before: { state: before.state, replayedAt: null },
          after: { state: after.state, replayedAt: now.toISOString(), replayedBy: user.userId },
        },
      });
      return toView(after);
    });
  }

  private async find(m: EntityManager, id: string, lock = false): Promise<FailedDeliveryRow> {
    const row = await this.deliveries.find(m, id, lock);
    if (!row) throw new NotFoundError('Delivery');
    return row;
  }
}
