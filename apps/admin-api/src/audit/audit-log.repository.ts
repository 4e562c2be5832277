import { Injectable } from '@nestjs/common';
import { type auditLogTable, type RowOf } from '@alem/persistence';
import { type EntityManager } from 'typeorm';
import { countAndRows, SqlBuilder } from '../common/sql-builder';
import { type AuditQueryDto } from './audit-log.dto';

/** An audit record as auditors read it. */
export type AuditRow = RowOf<typeof auditLogTable>;

/** The audit log as auditors read it (written only by `AuditRepository`). */
@Injectable()
export class AuditLogRepository {
  /**
   * The rows the filters match in `seq` order, one page from the cursor `afterSeq` on; `total` is the number of
   * rows the filters match (the cursor narrows the page, not the total).
   */
  async list(
    m: EntityManager,
    query: AuditQueryDto,
    limit: number,
  ): Promise<{ total: number; rows: AuditRow[] }> {
    const sql = new SqlBuilder()
      .whereEquals('actor_id', query.actorId)
      .whereEquals('action', query.action)
      .whereEquals('entity_type', query.entityType)
      .whereEquals('entity_id', query.entityId)
      .whereEquals('patient_id', query.patientId)
      .whereEquals('data_category', query.dataCategory)
      .whereEquals('outcome', query.outcome);
    if (query.from) sql.where(`occurred_at >= ${sql.p(query.from)}`);
    if (query.to) sql.where(`occurred_at < ${sql.p(query.to)}`);
    const order = query.order === 'desc' ? 'DESC' : 'ASC';
    return countAndRows(m, sql, `SELECT count(*)::int AS total FROM audit_log ${sql.whereSql()}`, () => {
      if (query.afterSeq) sql.where(`seq ${order === 'ASC' ? '>' : '<'} ${sql.p(query.afterSeq)}`);
      return `SELECT id::text, seq::text, occurred_at, actor_type, actor_id, actor_label, action, entity_type, entity_id,
                patient_id, data_category, outcome, source_ip, user_agent, detail, prev_hash, hash
         FROM audit_log ${sql.whereSql()} ORDER BY audit_log.seq ${order}
         LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`;
    });
  }
}
