import { type Severity } from '@alem/clinical';
import { bigint, bigserial, bytea, int, table, text, timestamptz, uuid } from './table';

export type NotificationState = 'pending' | 'queued' | 'dispatched' | 'cancelled';
export type DeliveryState = 'pending' | 'queued' | 'sent' | 'delivered' | 'failed' | 'skipped';
export type DeliveryOutcome = 'sent' | 'transient-failure' | 'permanent-failure' | 'skipped';

/** The outbox row: "this alert needs people to hear about it", written with the alert. */
export const notificationsTable = table('notifications', {
  id: uuid().withDefault('gen_random_uuid()'),
  alert_id: uuid(),
  reason: text(),
  severity: text<Severity>(),
  tier: int().withDefault('1'),
  state: text<NotificationState>().withDefault("'pending'::text"),
  created_at: timestamptz().withDefault('now()'),
  available_at: timestamptz().withDefault('now()'),
  queued_at: timestamptz().orNull(),
  dispatched_at: timestamptz().orNull(),
});

/** One message to one person on one channel. */
export const deliveriesTable = table('deliveries', {
  id: uuid().withDefault('gen_random_uuid()'),
  notification_id: uuid(),
  user_id: uuid().orNull(),
  contact_point_id: uuid().orNull(),
  channel: text<'email' | 'sms'>(),
  address: text(),
  state: text<DeliveryState>().withDefault("'pending'::text"),
  attempts: int().withDefault('0'),
  created_at: timestamptz().withDefault('now()'),
  queued_at: timestamptz().orNull(),
  sent_at: timestamptz().orNull(),
  last_error: text().orNull(),
  /** Not sent before this instant (a warning's group window, a digest, a rate-limit hold). */
  not_before: timestamptz().orNull(),
  /** Deliveries with the same key to the same contact may go as one message (the patient, for warnings). */
  group_key: text().orNull(),
  /** Bumped each time the delivery is held and queued again: part of its job id. */
  generation: int().withDefault('0'),
  /** When it was first taken for sending: what the per-contact rate limit counts. */
  claimed_at: timestamptz().orNull(),
  lease_until: timestamptz().orNull(),
  /** The delivery whose (summary) message carried this one. */
  coalesced_into: uuid().orNull(),
  /** The failed delivery this one replaces on another channel of the same person. */
  fallback_of: uuid().orNull(),
  held_reason: text().orNull(),
  provider_message_id: text().orNull(),
  provider_status: text().orNull(),
  delivered_at: timestamptz().orNull(),
  failed_at: timestamptz().orNull(),
  replayed_at: timestamptz().orNull(),
  replayed_by: uuid().orNull(),
  replay_queued_at: timestamptz().orNull(),
});

export const deliveryAttemptsTable = table('delivery_attempts', {
  id: bigserial(),
  delivery_id: uuid(),
  attempt: int(),
  started_at: timestamptz(),
  finished_at: timestamptz(),
  outcome: text<DeliveryOutcome>(),
  provider_response: text().orNull(),
  provider_message_id: text().orNull(),
  /** The provider's latest delivery status for the message this attempt sent (SMS receipts). */
  provider_status: text().orNull(),
  status_at: timestamptz().orNull(),
  /** Other deliveries this attempt's (summary) message carried. */
  carried: int().withDefault('0'),
});

export const dlqRecordsTable = table('dlq_records', {
  id: bigserial(),
  source_topic: text(),
  source_partition: int(),
  source_offset: bigint(),
  message_key: text().orNull(),
  content_type: text().orNull(),
  reason: text(),
  payload: bytea().orNull(),
  created_at: timestamptz().withDefault('now()'),
  replayed_at: timestamptz().orNull(),
  replayed_by: uuid().orNull(),
});
