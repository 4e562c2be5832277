import { type ExpectationExplanation } from '@alem/clinical';
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The monitoring schedule's tables (migration 1732300006000). Rows are written with set-based SQL by
 * `MonitoringRepository` and the sweep repositories; the entities describe the schema (and keep the schema
 * test honest), the way the other entities do.
 */

/** One sweep unit per patient, and the monitoring facts that are not treatment courses. */
@Entity('monitoring_patients')
export class MonitoringPatientEntity {
  @PrimaryColumn('uuid', { name: 'patient_id' }) patientId!: string;
  /** The next instant the patient's expectations change by themselves; '-infinity' after new input. */
  @Column('timestamptz', { name: 'next_check_at', nullable: true }) nextCheckAt!: Date | null;
  @Column('timestamptz', { name: 'evaluated_at', nullable: true }) evaluatedAt!: Date | null;
  @Column('text', { name: 'schedule_version', nullable: true }) scheduleVersion!: string | null;
  @Column('int', { name: 'settings_version', nullable: true }) settingsVersion!: number | null;
  @Column('int', { name: 'planned_course_number', nullable: true }) plannedCourseNumber!: number | null;
  @Column('date', { name: 'planned_course_start_day', nullable: true }) plannedCourseStartDay!: string | null;
  @Column('date', { name: 'cll_therapy_end_day', nullable: true }) cllTherapyEndDay!: string | null;
  @Column('int', { name: 'monitoring_extension_months', default: 0 }) monitoringExtensionMonths!: number;
  @Column('int', { name: 'thyroid_extension_months', default: 0 }) thyroidExtensionMonths!: number;
  @Column('timestamptz', { name: 'plan_updated_at', nullable: true }) planUpdatedAt!: Date | null;
  @Column('uuid', { name: 'plan_updated_by', nullable: true }) planUpdatedBy!: string | null;
}

/** The computed state of one expectation of one patient (see `ExpectationState`). */
@Entity('monitoring_expectations')
export class MonitoringExpectationEntity {
  @PrimaryColumn('uuid', { name: 'patient_id' }) patientId!: string;
  @PrimaryColumn('text', { name: 'rule_id' }) ruleId!: string;
  @Column('text') kind!: 'periodic' | 'gate' | 'reminder';
  @Column('int', { name: 'course_number', nullable: true }) courseNumber!: number | null;
  @Column('text') status!: string;
  @Column('text') severity!: 'none' | 'info' | 'warning' | 'critical';
  @Column('date', { name: 'due_day', nullable: true }) dueDay!: string | null;
  @Column('date', { name: 'last_received_day', nullable: true }) lastReceivedDay!: string | null;
  @Column('text', { name: 'held_by', array: true, default: () => "'{}'" }) heldBy!: string[];
  @Column('timestamptz', { name: 'next_change_at', nullable: true }) nextChangeAt!: Date | null;
  @Column('uuid', { name: 'alert_id', nullable: true }) alertId!: string | null;
  @Column('jsonb') explanation!: ExpectationExplanation;
  @Column('timestamptz', { name: 'evaluated_at' }) evaluatedAt!: Date;
  @Column('timestamptz', { name: 'status_since' }) statusSince!: Date;
  @Column('text', { name: 'schedule_version' }) scheduleVersion!: string;
  @Column('int', { name: 'settings_version', nullable: true }) settingsVersion!: number | null;
  /** Digest of the computed state; an evaluation that changes nothing leaves the row (and `evaluated_at`) as is. */
  @Column('text', { nullable: true }) fingerprint!: string | null;
}

/** A period without missed-result alerts: authored, with an end except for a death. */
@Entity('monitoring_suspensions')
export class MonitoringSuspensionEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'patient_id' }) patientId!: string;
  @Column('text') reason!: 'hospitalised' | 'transferred' | 'deceased' | 'off-protocol';
  @Column('uuid', { name: 'author_user_id' }) authorUserId!: string;
  @Column('date', { name: 'start_day' }) startDay!: string;
  @Column('date', { name: 'end_day', nullable: true }) endDay!: string | null;
  @Column('text', { nullable: true }) note!: string | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at', nullable: true }) updatedAt!: Date | null;
  @Column('uuid', { name: 'updated_by', nullable: true }) updatedBy!: string | null;
  @Column('timestamptz', { name: 'withdrawn_at', nullable: true }) withdrawnAt!: Date | null;
  @Column('uuid', { name: 'withdrawn_by', nullable: true }) withdrawnBy!: string | null;
}

/** One version of a site's overrides of the monitoring defaults (immutable). */
@Entity('monitoring_site_settings')
export class MonitoringSiteSettingsEntity {
  @PrimaryColumn('text', { name: 'site_id' }) siteId!: string;
  @PrimaryColumn('int') version!: number;
  @Column('jsonb') overrides!: Record<string, unknown>;
  @Column('uuid', { name: 'changed_by', nullable: true }) changedBy!: string | null;
  @Column('timestamptz', { name: 'changed_at', default: () => 'now()' }) changedAt!: Date;
  @Column('text', { nullable: true }) reason!: string | null;
}

/** A sending lab: its rhythm, its last message, and whether it is quiet. */
@Entity('lab_feeds')
export class LabFeedEntity {
  @PrimaryColumn('text') sender!: string;
  @Column('text', { name: 'site_id', nullable: true }) siteId!: string | null;
  @Column('text', { name: 'site_source', nullable: true }) siteSource!: 'configured' | 'learned' | null;
  @Column('bigint', { name: 'quiet_after_ms' }) quietAfterMs!: string;
  @Column('text', { name: 'rhythm_source' }) rhythmSource!: 'configured' | 'learned' | 'default';
  @Column('jsonb', { name: 'rhythm_learned_from', nullable: true }) rhythmLearnedFrom!: Record<
    string,
    unknown
  > | null;
  @Column('timestamptz', { name: 'rhythm_learned_at', nullable: true }) rhythmLearnedAt!: Date | null;
  @Column('timestamptz', { name: 'last_seen_at', nullable: true }) lastSeenAt!: Date | null;
  @Column('text', { default: 'unknown' }) state!: 'ok' | 'quiet' | 'unknown';
  @Column('timestamptz', { name: 'quiet_since', nullable: true }) quietSince!: Date | null;
  @Column('boolean', { default: false }) holding!: boolean;
  @Column('timestamptz', { name: 'hold_released_at', nullable: true }) holdReleasedAt!: Date | null;
  @Column('uuid', { name: 'hold_released_by', nullable: true }) holdReleasedBy!: string | null;
  @Column('timestamptz', { name: 'next_check_at', nullable: true }) nextCheckAt!: Date | null;
  @Column('uuid', { name: 'alert_id', nullable: true }) alertId!: string | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
}

/** The longest silence of a feed that ended on a UTC day. */
@Entity('lab_feed_silences')
export class LabFeedSilenceEntity {
  @PrimaryColumn('text') sender!: string;
  @PrimaryColumn('date') day!: string;
  @Column('bigint', { name: 'longest_silence_ms' }) longestSilenceMs!: string;
}

/** Where an alert without a patient goes, pinned when it opened. */
@Entity('alert_routes')
export class AlertRouteEntity {
  @PrimaryColumn('uuid', { name: 'alert_id' }) alertId!: string;
  @Column('uuid', { name: 'care_team_id' }) careTeamId!: string;
  @Column('text') reason!: string;
}
