import { Injectable } from '@nestjs/common';
import { AlertLedger, AuditRepository, type AuditEntry, queryRows } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { ConflictError, NotFoundError } from '../common/domain.errors';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import { auditActorOf, type RequestActor, userOf } from '../common/request-actor';
import { SqlBuilder } from '../common/sql-builder';
import { type FailedDeliveryQueryDto, type FailedDeliveryView } from './failed-delivery.dto';

interface Row {
  id: string;
  notification_id: string;
  alert_id: string;
  reference: string;
  alert_state: string;
  tier: number;
  user_id: string | null;
  channel: string;
  address: string;
  state: string;
  attempts: number;
  last_error: string | null;
  failed_at: Date | null;
  carried: number;
  replayed_at: Date | null;
  replayed_by: string | null;
}

const SELECT = `
  SELECT d.id, d.notification_id, a.id AS alert_id, a.reference, a.state AS alert_state, n.tier, d.user_id,
         d.channel, d.address, d.state, d.attempts, d.last_error, d.failed_at,
         (SELECT count(*)::int FROM deliveries c WHERE c.coalesced_into = d.id) AS carried,
         d.replayed_at, d.replayed_by
  FROM deliveries d JOIN notifications n ON n.id = d.notification_id JOIN alerts a ON a.id = n.alert_id`;

const toView = (r: Row): FailedDeliveryView => ({
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
    private readonly ledger: AlertLedger,
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
  ) {}

  private entry(actor: RequestActor, entry: Omit<AuditEntry, 'actor' | 'at' | 'dataCategory'>): AuditEntry {
    return { actor: auditActorOf(actor), at: this.clock.now(), dataCategory: 'notifications', ...entry };
  }

  async list(query: FailedDeliveryQueryDto, format: ListFormat): Promise<Page<FailedDeliveryView>> {
    const limit = pageLimit(query, format);
    // A replayed delivery stays on the list (with who and when), whatever happened to it since.
    const sql = new SqlBuilder()
      .where(`(d.state = 'failed' OR d.replayed_at IS NOT NULL)`)
      .where('d.coalesced_into IS NULL')
      .whereEquals('d.channel', query.channel)
      .whereEquals('a.id', query.alertId);
    if (query.replayed === 'true') sql.where('d.replayed_at IS NOT NULL');
    if (query.replayed === 'false') sql.where('d.replayed_at IS NULL');
    if (query.from) sql.where(`d.failed_at >= ${sql.p(query.from)}`);
    if (query.to) sql.where(`d.failed_at < ${sql.p(query.to)}`);
    const [{ total }] = await queryRows<{ total: number }>(
      this.dataSource.manager,
      `SELECT count(*)::int AS total FROM deliveries d JOIN notifications n ON n.id = d.notification_id
       JOIN alerts a ON a.id = n.alert_id ${sql.whereSql()}`,
      sql.params,
    );
    const rows = await queryRows<Row>(
      this.dataSource.manager,
      `${SELECT} ${sql.whereSql()} ORDER BY d.failed_at DESC NULLS LAST, d.id
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
      sql.params,
    );
    return { items: rows.map(toView), total: total!, limit, offset: query.offset };
  }

  async replay(actor: RequestActor, id: string): Promise<FailedDeliveryView> {
    const user = userOf(actor);
    const now = this.clock.now();
    return this.dataSource.transaction(async (m) => {
      const before = await this.find(m, id, true);
      if (before.replayed_at) {
        throw new ConflictError(
          `This delivery was already replayed (${before.replayed_at.toISOString()}); it is replayed once`,
        );
      }
      if (before.state !== 'failed') throw new ConflictError('Only a failed delivery can be replayed');
      await m.query(
        `UPDATE deliveries SET state = 'pending', replayed_at = $2, replayed_by = $3, replay_queued_at = NULL,
                lease_until = NULL
         WHERE id = $1`,
        [id, now.toISOString(), user.userId],
      );
      // What the message carried goes again with it.
      await m.query(
        `UPDATE deliveries SET state = 'pending' WHERE coalesced_into = $1 AND state = 'failed'`,
        [id],
      );
      await m.query(`SELECT pg_notify('notification_pending', '')`);
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
      await this.audit.append(m, [
        this.entry(actor, {
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
        }),
      ]);
      return toView(after);
    });
  }

  private async find(m: EntityManager, id: string, lock = false): Promise<Row> {
    const [row] = await queryRows<Row>(
      m,
      `${SELECT} WHERE d.id = $1 AND d.coalesced_into IS NULL${lock ? ' FOR UPDATE OF d' : ''}`,
      [id],
    );
    if (!row) throw new NotFoundError('Delivery');
    return row;
  }
}
