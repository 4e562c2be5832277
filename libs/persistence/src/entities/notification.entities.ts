import { type Severity } from '@alem/clinical';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type NotificationState = 'pending' | 'queued' | 'dispatched' | 'cancelled';
export type DeliveryState = 'pending' | 'queued' | 'sent' | 'delivered' | 'failed' | 'skipped';
export type DeliveryOutcome = 'sent' | 'transient-failure' | 'permanent-failure' | 'skipped';

/** The outbox row: "this alert needs people to hear about it", written with the alert. */
@Entity('notifications')
export class NotificationEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'alert_id' }) alertId!: string;
  @Column('text') reason!: string;
  @Column('text') severity!: Severity;
  @Column('int', { default: 1 }) tier!: number;
  @Column('text', { default: 'pending' }) state!: NotificationState;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'available_at', default: () => 'now()' }) availableAt!: Date;
  @Column('timestamptz', { name: 'queued_at', nullable: true }) queuedAt!: Date | null;
  @Column('timestamptz', { name: 'dispatched_at', nullable: true }) dispatchedAt!: Date | null;
}

/** One message to one person on one channel. */
@Entity('deliveries')
export class DeliveryEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'notification_id' }) notificationId!: string;
  @Column('uuid', { name: 'user_id', nullable: true }) userId!: string | null;
  @Column('uuid', { name: 'contact_point_id', nullable: true }) contactPointId!: string | null;
  @Column('text') channel!: 'email' | 'sms';
  @Column('text') address!: string;
  @Column('text', { default: 'pending' }) state!: DeliveryState;
  @Column('int', { default: 0 }) attempts!: number;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'queued_at', nullable: true }) queuedAt!: Date | null;
  @Column('timestamptz', { name: 'sent_at', nullable: true }) sentAt!: Date | null;
  @Column('text', { name: 'last_error', nullable: true }) lastError!: string | null;
  /** Not sent before this instant (a warning's group window, a digest, a rate-limit hold). */
  @Column('timestamptz', { name: 'not_before', nullable: true }) notBefore!: Date | null;
  /** Deliveries with the same key to the same contact may go as one message (the patient, for warnings). */
  @Column('text', { name: 'group_key', nullable: true }) groupKey!: string | null;
  /** Bumped each time the delivery is held and queued again: part of its job id. */
  @Column('int', { default: 0 }) generation!: number;
  /** When it was first taken for sending: what the per-contact rate limit counts. */
  @Column('timestamptz', { name: 'claimed_at', nullable: true }) claimedAt!: Date | null;
  @Column('timestamptz', { name: 'lease_until', nullable: true }) leaseUntil!: Date | null;
  /** The delivery whose (summary) message carried this one. */
  @Column('uuid', { name: 'coalesced_into', nullable: true }) coalescedInto!: string | null;
  /** The failed delivery this one replaces on another channel of the same person. */
  @Column('uuid', { name: 'fallback_of', nullable: true }) fallbackOf!: string | null;
  @Column('text', { name: 'held_reason', nullable: true }) heldReason!: string | null;
  @Column('text', { name: 'provider_message_id', nullable: true }) providerMessageId!: string | null;
  @Column('text', { name: 'provider_status', nullable: true }) providerStatus!: string | null;
  @Column('timestamptz', { name: 'delivered_at', nullable: true }) deliveredAt!: Date | null;
  @Column('timestamptz', { name: 'failed_at', nullable: true }) failedAt!: Date | null;
  @Column('timestamptz', { name: 'replayed_at', nullable: true }) replayedAt!: Date | null;
  @Column('uuid', { name: 'replayed_by', nullable: true }) replayedBy!: string | null;
  @Column('timestamptz', { name: 'replay_queued_at', nullable: true }) replayQueuedAt!: Date | null;
}

@Entity('delivery_attempts')
export class DeliveryAttemptEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('uuid', { name: 'delivery_id' }) deliveryId!: string;
  @Column('int') attempt!: number;
  @Column('timestamptz', { name: 'started_at' }) startedAt!: Date;
  @Column('timestamptz', { name: 'finished_at' }) finishedAt!: Date;
  @Column('text') outcome!: DeliveryOutcome;
  @Column('text', { name: 'provider_response', nullable: true }) providerResponse!: string | null;
  @Column('text', { name: 'provider_message_id', nullable: true }) providerMessageId!: string | null;
  /** The provider's latest delivery status for the message this attempt sent (SMS receipts). */
  @Column('text', { name: 'provider_status', nullable: true }) providerStatus!: string | null;
  @Column('timestamptz', { name: 'status_at', nullable: true }) statusAt!: Date | null;
  /** Other deliveries this attempt's (summary) message carried. */
  @Column('int', { default: 0 }) carried!: number;
}

@Entity('dlq_records')
export class DlqRecordEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('text', { name: 'source_topic' }) sourceTopic!: string;
  @Column('int', { name: 'source_partition' }) sourcePartition!: number;
  @Column('bigint', { name: 'source_offset' }) sourceOffset!: string;
  @Column('text', { name: 'message_key', nullable: true }) messageKey!: string | null;
  @Column('text', { name: 'content_type', nullable: true }) contentType!: string | null;
  @Column('text') reason!: string;
  @Column('bytea', { nullable: true }) payload!: Buffer | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'replayed_at', nullable: true }) replayedAt!: Date | null;
  @Column('uuid', { name: 'replayed_by', nullable: true }) replayedBy!: string | null;
}
