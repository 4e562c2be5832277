import { type AlertExplanation, type AlertKind, type Severity } from '@alem/clinical';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type AlertState = 'open' | 'acknowledged' | 'resolved';

@Entity('alerts')
export class AlertEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** Short reference that messages carry instead of any patient detail. */
  @Column('text', { unique: true }) reference!: string;
  @Column('uuid', { name: 'patient_id', nullable: true }) patientId!: string | null;
  @Column('text', { name: 'rule_id' }) ruleId!: string;
  @Column('text') kind!: AlertKind;
  @Column('text') severity!: Severity;
  @Column('boolean', { default: false }) emergency!: boolean;
  @Column('text', { default: 'open' }) state!: AlertState;
  @Column('text', { name: 'dedup_key' }) dedupKey!: string;
  @Column('text', { name: 'rule_set_version' }) ruleSetVersion!: string;
  @Column('jsonb') explanation!: AlertExplanation;
  @Column('int', { name: 'occurrence_count', default: 1 }) occurrenceCount!: number;
  @Column('timestamptz', { name: 'opened_at', default: () => 'now()' }) openedAt!: Date;
  @Column('timestamptz', { name: 'last_occurrence_at', default: () => 'now()' }) lastOccurrenceAt!: Date;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt!: Date;
  @Column('timestamptz', { name: 'acknowledged_at', nullable: true }) acknowledgedAt!: Date | null;
  @Column('uuid', { name: 'acknowledged_by', nullable: true }) acknowledgedBy!: string | null;
  @Column('timestamptz', { name: 'resolved_at', nullable: true }) resolvedAt!: Date | null;
  @Column('uuid', { name: 'resolved_by', nullable: true }) resolvedBy!: string | null;
  @Column('text', { name: 'resolution_reason', nullable: true }) resolutionReason!: string | null;
  /** The escalation policy version in force when the alert opened (pinned by a trigger). */
  @Column('uuid', { name: 'escalation_policy_id', nullable: true }) escalationPolicyId!: string | null;
}

@Entity('alert_occurrences')
export class AlertOccurrenceEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('uuid', { name: 'alert_id' }) alertId!: string;
  @Column('bigint', { name: 'result_id', nullable: true }) resultId!: string | null;
  @Column('text') severity!: Severity;
  @Column('boolean', { default: false }) emergency!: boolean;
  @Column('jsonb') explanation!: AlertExplanation;
  @Column('timestamptz', { name: 'occurred_at', default: () => 'now()' }) occurredAt!: Date;
  @Column('timestamptz', { name: 'retracted_at', nullable: true }) retractedAt!: Date | null;
}

@Entity('alert_events')
export class AlertEventEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('uuid', { name: 'alert_id' }) alertId!: string;
  @Column('timestamptz', { default: () => 'now()' }) at!: Date;
  @Column('text') type!: string;
  @Column('uuid', { name: 'actor_user_id', nullable: true }) actorUserId!: string | null;
  @Column('jsonb', { default: () => "'{}'" }) detail!: Record<string, unknown>;
}
