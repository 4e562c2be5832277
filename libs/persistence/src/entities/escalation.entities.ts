import { type Severity } from '@alem/clinical';
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** One version of a care team's escalation policy (`careTeamId` null: the default policy). Never updated. */
@Entity('escalation_policies')
export class EscalationPolicyEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'care_team_id', nullable: true }) careTeamId!: string | null;
  @Column('int') version!: number;
  /** `EscalationPolicyDefinition` (libs/notifications). */
  @Column('jsonb') definition!: Record<string, unknown>;
  @Column('text', { nullable: true }) note!: string | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('uuid', { name: 'created_by', nullable: true }) createdBy!: string | null;
}

/** The durable escalation timer of one alert. */
@Entity('alert_escalations')
export class AlertEscalationEntity {
  @PrimaryColumn('uuid', { name: 'alert_id' }) alertId!: string;
  @Column('uuid', { name: 'escalation_policy_id' }) escalationPolicyId!: string;
  @Column('text') severity!: Severity;
  @Column('int') tier!: number;
  @Column('int', { default: 0 }) cycle!: number;
  @Column('timestamptz', { name: 'next_at', nullable: true }) nextAt!: Date | null;
  @Column('timestamptz', { name: 'started_at' }) startedAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
  @Column('timestamptz', { name: 'stopped_at', nullable: true }) stoppedAt!: Date | null;
  @Column('text', { name: 'stop_reason', nullable: true }) stopReason!: string | null;
}

/** A status the SMS provider reported for a message (or the notifier concluded: no receipt in time). */
@Entity('delivery_receipts')
export class DeliveryReceiptEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('uuid', { name: 'delivery_id', nullable: true }) deliveryId!: string | null;
  @Column('text', { name: 'provider_message_id' }) providerMessageId!: string;
  @Column('text') status!: string;
  @Column('text', { name: 'error_code', nullable: true }) errorCode!: string | null;
  @Column('text') source!: 'provider' | 'notifier';
  @Column('timestamptz', { name: 'received_at' }) receivedAt!: Date;
  @Column('jsonb', { default: () => "'{}'" }) detail!: Record<string, unknown>;
}

/** Who acknowledged an alert, when, how, and which delivery (message) led to it. */
@Entity('alert_acknowledgements')
export class AlertAcknowledgementEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'alert_id' }) alertId!: string;
  @Column('uuid', { name: 'user_id' }) userId!: string;
  @Column('timestamptz', { name: 'acknowledged_at' }) acknowledgedAt!: Date;
  @Column('text') via!: 'link' | 'api';
  @Column('uuid', { name: 'delivery_id', nullable: true }) deliveryId!: string | null;
  @Column('uuid', { name: 'notification_id', nullable: true }) notificationId!: string | null;
  @Column('text', { nullable: true }) note!: string | null;
}

export type ContactVerificationState =
  'requested' | 'sent' | 'confirmed' | 'failed' | 'expired' | 'superseded';

/** A test message with a code, sent to a contact point before it may receive alerts. */
@Entity('contact_verifications')
export class ContactVerificationEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'contact_point_id' }) contactPointId!: string;
  @Column('text') channel!: 'email' | 'sms';
  @Column('text') address!: string;
  @Column('text', { default: 'requested' }) state!: ContactVerificationState;
  @Column('timestamptz', { name: 'requested_at' }) requestedAt!: Date;
  @Column('uuid', { name: 'requested_by', nullable: true }) requestedBy!: string | null;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt!: Date;
  @Column('timestamptz', { name: 'queued_at', nullable: true }) queuedAt!: Date | null;
  @Column('timestamptz', { name: 'sent_at', nullable: true }) sentAt!: Date | null;
  @Column('int', { name: 'send_attempts', default: 0 }) sendAttempts!: number;
  @Column('text', { name: 'provider_response', nullable: true }) providerResponse!: string | null;
  @Column('int', { name: 'confirm_attempts', default: 0 }) confirmAttempts!: number;
  @Column('timestamptz', { name: 'confirmed_at', nullable: true }) confirmedAt!: Date | null;
  @Column('uuid', { name: 'confirmed_by', nullable: true }) confirmedBy!: string | null;
}

/** The daily digest of informational alerts of one site, at its local digest time. */
@Entity('digests')
export class DigestEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text', { name: 'site_id' }) siteId!: string;
  @Column('timestamptz', { name: 'scheduled_for' }) scheduledFor!: Date;
  @Column('timestamptz', { name: 'period_start' }) periodStart!: Date;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
}

@Entity('digest_deliveries')
export class DigestDeliveryEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'digest_id' }) digestId!: string;
  @Column('uuid', { name: 'user_id' }) userId!: string;
  @Column('uuid', { name: 'contact_point_id' }) contactPointId!: string;
  @Column('text') address!: string;
  @Column('int', { name: 'alert_count' }) alertCount!: number;
  @Column('text', { default: 'pending' }) state!: 'pending' | 'sent' | 'failed';
  @Column('int', { default: 0 }) attempts!: number;
  @Column('timestamptz', { name: 'sent_at', nullable: true }) sentAt!: Date | null;
  @Column('text', { name: 'last_error', nullable: true }) lastError!: string | null;
  @Column('text', { name: 'provider_response', nullable: true }) providerResponse!: string | null;
}
