import { type Severity } from '@alem/clinical';
import { bigserial, int, jsonb, table, text, timestamptz, uuid } from './table';

/** One version of a care team's escalation policy (`care_team_id` null: the default policy). Never updated. */
export const escalationPoliciesTable = table('escalation_policies', {
  id: uuid().withDefault('gen_random_uuid()'),
  care_team_id: uuid().orNull(),
  version: int(),
  /** `EscalationPolicyDefinition` (libs/notifications). */
  definition: jsonb<Record<string, unknown>>(),
  note: text().orNull(),
  created_at: timestamptz().withDefault('now()'),
  created_by: uuid().orNull(),
});

/** The durable escalation timer of one alert. */
export const alertEscalationsTable = table('alert_escalations', {
  alert_id: uuid(),
  escalation_policy_id: uuid(),
  severity: text<Severity>(),
  tier: int(),
  cycle: int().withDefault('0'),
  next_at: timestamptz().orNull(),
  started_at: timestamptz(),
  updated_at: timestamptz(),
  stopped_at: timestamptz().orNull(),
  stop_reason: text().orNull(),
});

/** A status the SMS provider reported for a message (or the notifier concluded: no receipt in time). */
export const deliveryReceiptsTable = table('delivery_receipts', {
  id: bigserial(),
  delivery_id: uuid().orNull(),
  provider_message_id: text(),
  status: text(),
  error_code: text().orNull(),
  source: text<'provider' | 'notifier'>(),
  received_at: timestamptz(),
  detail: jsonb<Record<string, unknown>>().withDefault("'{}'::jsonb"),
});

/** Who acknowledged an alert, when, how, and which delivery (message) led to it. */
export const alertAcknowledgementsTable = table('alert_acknowledgements', {
  id: uuid().withDefault('gen_random_uuid()'),
  alert_id: uuid(),
  user_id: uuid(),
  acknowledged_at: timestamptz(),
  via: text<'link' | 'api'>(),
  delivery_id: uuid().orNull(),
  notification_id: uuid().orNull(),
  note: text().orNull(),
});

export type ContactVerificationState =
  'requested' | 'sent' | 'confirmed' | 'failed' | 'expired' | 'superseded';

/** A test message with a code, sent to a contact point before it may receive alerts. */
export const contactVerificationsTable = table('contact_verifications', {
  id: uuid().withDefault('gen_random_uuid()'),
  contact_point_id: uuid(),
  channel: text<'email' | 'sms'>(),
  address: text(),
  state: text<ContactVerificationState>().withDefault("'requested'::text"),
  requested_at: timestamptz(),
  requested_by: uuid().orNull(),
  expires_at: timestamptz(),
  queued_at: timestamptz().orNull(),
  sent_at: timestamptz().orNull(),
  send_attempts: int().withDefault('0'),
  provider_response: text().orNull(),
  confirm_attempts: int().withDefault('0'),
  confirmed_at: timestamptz().orNull(),
  confirmed_by: uuid().orNull(),
});

/** The daily digest of informational alerts of one site, at its local digest time. */
export const digestsTable = table('digests', {
  id: uuid().withDefault('gen_random_uuid()'),
  site_id: text(),
  scheduled_for: timestamptz(),
  period_start: timestamptz(),
  created_at: timestamptz(),
});

export const digestDeliveriesTable = table('digest_deliveries', {
  id: uuid().withDefault('gen_random_uuid()'),
  digest_id: uuid(),
  user_id: uuid(),
  contact_point_id: uuid(),
  address: text(),
  alert_count: int(),
  state: text<'pending' | 'sent' | 'failed'>().withDefault("'pending'::text"),
  attempts: int().withDefault('0'),
  sent_at: timestamptz().orNull(),
  last_error: text().orNull(),
  provider_response: text().orNull(),
});
