import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { countAndRows, SqlBuilder } from '../common/sql-builder';
import { type DlqQueryDto } from './dlq.dto';

export interface DlqRow {
  id: string;
  source_topic: string;
  source_partition: number;
  source_offset: string;
  content_type: string | null;
  reason: string;
  payload_bytes: number;
  created_at: Date;
  replayed_at: Date | null;
  replayed_by: string | null;
}

/** A record with what it carried: the message's key and payload (patient data). */
export type DlqMessageRow = DlqRow & { message_key: string | null; payload: Buffer | null };

const COLUMNS = `id::text, source_topic, source_partition, source_offset::text, content_type, reason,
  coalesce(octet_length(payload), 0) AS payload_bytes, created_at, replayed_at, replayed_by`;

/** The queries of the dead-letter records and of their replay claims. */
@Injectable()
export class DlqAdminRepository {
  async list(
    m: EntityManager,
    query: DlqQueryDto,
    limit: number,
  ): Promise<{ total: number; rows: DlqRow[] }> {
    const sql = new SqlBuilder().whereEquals('source_partition', query.sourcePartition);
    if (query.replayed === 'true') sql.where('replayed_at IS NOT NULL');
    if (query.replayed === 'false') sql.where('replayed_at IS NULL');
    if (query.from) sql.where(`created_at >= ${sql.p(query.from)}`);
    if (query.to) sql.where(`created_at < ${sql.p(query.to)}`);
    return countAndRows(
      m,
      sql,
      `SELECT count(*)::int AS total FROM dlq_records ${sql.whereSql()}`,
      () =>
        `SELECT ${COLUMNS} FROM dlq_records ${sql.whereSql()} ORDER BY dlq_records.id DESC
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
    );
  }

  async find(m: EntityManager, id: string): Promise<DlqRow | null> {
    const rows: DlqRow[] = await m.query(`SELECT ${COLUMNS} FROM dlq_records WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** The record with its key and payload (locked for update when asked), or null. */
  async findMessage(m: EntityManager, id: string, lock = false): Promise<DlqMessageRow | null> {
    const rows: DlqMessageRow[] = await m.query(
      `SELECT ${COLUMNS}, message_key, payload FROM dlq_records WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Claims the record for a replay (who and when). */
  async claim(m: EntityManager, id: string, by: string, at: Date): Promise<void> {
    await m.query(`UPDATE dlq_records SET replayed_at = $2, replayed_by = $3 WHERE id = $1`, [
      id,
      at.toISOString(),
      by,
    ]);
  }

  /** Withdraws the claim made at `claimedAt` (and no later one). */
  async withdrawClaim(m: EntityManager, id: string, claimedAt: Date): Promise<void> {
    await m.query(
      `UPDATE dlq_records SET replayed_at = NULL, replayed_by = NULL WHERE id = $1 AND replayed_at = $2`,
      [id, claimedAt.toISOString()],
    );
  }
}
