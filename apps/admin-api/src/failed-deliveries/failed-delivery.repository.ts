import { Injectable } from '@nestjs/common';
import { queryRows } from '@alem/persistence';
import { type EntityManager } from 'typeorm';
import { countAndRows, SqlBuilder } from '../common/sql-builder';
import { type FailedDeliveryQueryDto } from './failed-delivery.dto';

export interface FailedDeliveryRow {
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

/**
 * The queries of the failed deliveries and their replay. What the notifier coalesced into one message
 * (`coalesced_into`) is listed and replayed with it.
 */
@Injectable()
export class FailedDeliveryRepository {
  async list(
    m: EntityManager,
    query: FailedDeliveryQueryDto,
    limit: number,
  ): Promise<{ total: number; rows: FailedDeliveryRow[] }> {
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
    return countAndRows(
      m,
      sql,
      `SELECT count(*)::int AS total FROM deliveries d JOIN notifications n ON n.id = d.notification_id
       JOIN alerts a ON a.id = n.alert_id ${sql.whereSql()}`,
      () =>
        `${SELECT} ${sql.whereSql()} ORDER BY d.failed_at DESC NULLS LAST, d.id
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
    );
  }

  /** The delivery (not one coalesced into another; locked for update when asked), or null. */
  async find(m: EntityManager, id: string, lock = false): Promise<FailedDeliveryRow | null> {
    const [row] = await queryRows<FailedDeliveryRow>(
      m,
      `${SELECT} WHERE d.id = $1 AND d.coalesced_into IS NULL${lock ? ' FOR UPDATE OF d' : ''}`,
      [id],
    );
    return row ?? null;
  }

  /** Puts the delivery, and what it carried, back to pending (who and when), and wakes the notifier. */
  async replay(m: EntityManager, id: string, by: string, at: Date): Promise<void> {
    await m.query(
      `UPDATE deliveries SET state = 'pending', replayed_at = $2, replayed_by = $3, replay_queued_at = NULL,
                lease_until = NULL
         WHERE id = $1`,
      [id, at.toISOString(), by],
    );
    // What the message carried goes again with it.
    await m.query(`UPDATE deliveries SET state = 'pending' WHERE coalesced_into = $1 AND state = 'failed'`, [
      id,
    ]);
    await m.query(`SELECT pg_notify('notification_pending', '')`);
  }
}
