import { Inject, Injectable } from '@nestjs/common';
import { type AuditAnchors, AuditRepository, type AuditVerification } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { AuditedTransactions } from '../common/audited-transaction';
import { type CsvColumn } from '../common/csv';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import { auditActorOf, type RequestActor } from '../common/request-actor';
import { AUDIT_ANCHORS } from './audit-anchor.service';
import { type AuditEntryView, type AuditQueryDto } from './audit-log.dto';
import { AuditLogRepository } from './audit-log.repository';

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

/** The audit log for auditors (ONC (d)(3) reports: filtered, sorted, exported) and its verification. */
@Injectable()
export class AuditLogService {
  constructor(
    private readonly entries: AuditLogRepository,
    private readonly audited: AuditedTransactions,
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
    @Inject(AUDIT_ANCHORS) private readonly anchors: AuditAnchors | null,
  ) {}

  async list(
    actor: RequestActor,
    query: AuditQueryDto,
    format: ListFormat,
  ): Promise<Page<AuditEntryView> & { nextAfterSeq: string | null }> {
    const limit = pageLimit(query, format);
    return this.audited.run(actor, 'audit-log', async (m, trail) => {
      const { total, rows } = await this.entries.list(m, query, limit);
      // Reading the audit log is itself recorded: it names patients and people.
      trail.record({
        action: 'audit.read',
        entityType: 'audit-log',
        detail: { filters: { ...query, limit }, format, returned: rows.length, total },
      });
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
