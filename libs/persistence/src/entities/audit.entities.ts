import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type AuditActorType = 'user' | 'api-key' | 'system' | 'anonymous';
export type AuditOutcome = 'success' | 'failure' | 'denied';

/**
 * One audit record (ASTM E2147): when, who, what was done to which record of which patient, the data
 * category, the outcome, where from, and the detail (before/after for changes). Rows are written only by
 * `AuditRepository.append` (raw SQL; the database assigns seq, prev_hash and hash) and never changed.
 */
@Entity('audit_log')
export class AuditLogEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  /** Position in the hash chain (1, 2, 3 ... without gaps). */
  @Column('bigint') seq!: string;
  @Column('timestamptz', { name: 'occurred_at', default: () => 'now()' }) occurredAt!: Date;
  @Column('text', { name: 'actor_type' }) actorType!: AuditActorType;
  /** User id, API key id or component name. */
  @Column('text', { name: 'actor_id', nullable: true }) actorId!: string | null;
  /** The actor as people know it when it acted (email, key description, component). */
  @Column('text', { name: 'actor_label', nullable: true }) actorLabel!: string | null;
  @Column('text') action!: string;
  @Column('text', { name: 'entity_type', nullable: true }) entityType!: string | null;
  @Column('text', { name: 'entity_id', nullable: true }) entityId!: string | null;
  @Column('uuid', { name: 'patient_id', nullable: true }) patientId!: string | null;
  @Column('text', { name: 'data_category' }) dataCategory!: string;
  @Column('text') outcome!: AuditOutcome;
  @Column('text', { name: 'source_ip', nullable: true }) sourceIp!: string | null;
  @Column('text', { name: 'user_agent', nullable: true }) userAgent!: string | null;
  @Column('jsonb', { default: () => "'{}'" }) detail!: Record<string, unknown>;
  @Column('text', { name: 'prev_hash' }) prevHash!: string;
  @Column('text') hash!: string;
}
