import { Inject, Injectable } from '@nestjs/common';
import { type AuditAnchors, AuditRepository, type AuditVerification } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource } from 'typeorm';
import { type CsvColumn } from '../common/csv';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import { auditActorOf, type RequestActor } from '../common/request-actor';
import { SqlBuilder } from '../common/sql-builder';
import { AUDIT_ANCHORS } from './audit-anchor.service';
import { type AuditEntryView, type AuditQueryDto } from './audit-log.dto';

export const AUDIT_CSV_COLUMNS: CsvColumn<AuditEntryView>[] = [
  { header: 'seq', value: (r) => r.seq },
  { header: 'id', value: (r) => r.id },
  { header: 'occurred_at', value: (r) => r.occurredAt },
  { header: 'actor_type', value: (r) => r.actorType },
  { header: 'actor_id', value: (r) => r.actorId },
  { header: 'actor_label', value: (r) => r.actorLabel },
  { header: 'action', value: (r) => r.action },
  { header: 'entity_type', value: (r) => r.entityType },
  { header: 'entity_id', value: (r) => r.entityId },
  { header: 'patient_id', value: (r) => r.patientId },
  { header: 'data_category', value: (r) => r.dataCategory },
  { header: 'outcome', value: (r) => r.outcome },
  { header: 'source_ip', value: (r) => r.sourceIp },
  { header: 'user_agent', value: (r) => r.userAgent },
  { header: 'detail', value: (r) => r.detail },
  { header: 'prev_hash', value: (r) => r.prevHash },
  { header: 'hash', value: (r) => r.hash },
];

interface AuditRow {
  id: string;
  seq: string;
  occurred_at: Date;
  actor_type: string;
  actor_id: string | null;
  actor_label: string | null;
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  patient_id: string | null;
  data_category: string;
  outcome: string;
  source_ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** The audit log for auditors (ONC (d)(3) reports: filtered, sorted, exported) and its verification. */
@Injectable()
export class AuditLogService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
    @Inject(AUDIT_ANCHORS) private readonly anchors: AuditAnchors | null,
  ) {}

  async list(
    actor: RequestActor,
    query: AuditQueryDto,
    format: ListFormat,
  ): Promise<Page<AuditEntryView> & { nextAfterSeq: string | null }> {
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
    const limit = pageLimit(query, format);
    const order = query.order === 'desc' ? 'DESC' : 'ASC';
    return this.dataSource.transaction(async (m) => {
      const [{ total }]: Array<{ total: number }> = await m.query(
        `SELECT count(*)::int AS total FROM audit_log ${sql.whereSql()}`,
        sql.params,
      );
      // The cursor narrows the page, not the total: `total` stays the number of rows the filters match.
      if (query.afterSeq) sql.where(`seq ${order === 'ASC' ? '>' : '<'} ${sql.p(query.afterSeq)}`);
      const rows: AuditRow[] = await m.query(
        `SELECT id::text, seq::text, occurred_at, actor_type, actor_id, actor_label, action, entity_type, entity_id,
                patient_id, data_category, outcome, source_ip, user_agent, detail, prev_hash, hash
         FROM audit_log ${sql.whereSql()} ORDER BY audit_log.seq ${order}
         LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
        sql.params,
      );
      // Reading the audit log is itself recorded: it names patients and people.
      await this.audit.append(m, [
        {
          actor: auditActorOf(actor),
          action: 'audit.read',
          entityType: 'audit-log',
          dataCategory: 'audit-log',
          detail: { filters: { ...query, limit }, format, returned: rows.length, total },
          at: this.clock.now(),
        },
      ]);
      return {
        items: rows.map((r) => ({
          id: r.id,
          seq: r.seq,
          occurredAt: r.occurred_at.toISOString(),
          actorType: r.actor_type,
          actorId: r.actor_id,
          actorLabel: r.actor_label,
          action: r.action,
          entityType: r.entity_type,
          entityId: r.entity_id,
          patientId: r.patient_id,
          dataCategory: r.data_category,
          outcome: r.outcome,
          sourceIp: r.source_ip,
          userAgent: r.user_agent,
          detail: r.detail,
          prevHash: r.prev_hash,
          hash: r.hash,
        })),
        total,
        limit,
        offset: query.offset,
        nextAfterSeq: rows.length === limit ? rows[rows.length - 1]!.seq : null,
      };
    });
  }

  /** Recomputes the chain and checks it against the anchors; the check is recorded (with its verdict) after it ran. */
  verify(actor: RequestActor): Promise<AuditVerification> {
    return this.audit.verifyAndRecord(auditActorOf(actor), { at: this.clock.now(), anchors: this.anchors });
  }
}
