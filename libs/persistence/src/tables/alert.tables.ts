import { type AlertExplanation, type AlertKind, type Severity } from '@alem/clinical';
import { bigint, bigserial, boolean, int, jsonb, table, text, timestamptz, uuid } from './table';

export type AlertState = 'open' | 'acknowledged' | 'resolved';

export const alertsTable = table('alerts', {
  id: uuid().withDefault('gen_random_uuid()'),
  /** Short reference that messages carry instead of any patient detail. */
  reference: text(),
  patient_id: uuid().orNull(),
  rule_id: text(),
  kind: text<AlertKind>(),
  severity: text<Severity>(),
  emergency: boolean().withDefault('false'),
  state: text<AlertState>().withDefault("'open'::text"),
  dedup_key: text(),
  rule_set_version: text(),
  explanation: jsonb<AlertExplanation>(),
  occurrence_count: int().withDefault('1'),
  opened_at: timestamptz().withDefault('now()'),
  last_occurrence_at: timestamptz().withDefault('now()'),
  updated_at: timestamptz().withDefault('now()'),
  acknowledged_at: timestamptz().orNull(),
  acknowledged_by: uuid().orNull(),
  resolved_at: timestamptz().orNull(),
  resolved_by: uuid().orNull(),
  resolution_reason: text().orNull(),
  /** The escalation policy version in force when the alert opened (pinned by a trigger). */
  escalation_policy_id: uuid().orNull(),
});

export const alertOccurrencesTable = table('alert_occurrences', {
  id: bigserial(),
  alert_id: uuid(),
  result_id: bigint().orNull(),
  severity: text<Severity>(),
  emergency: boolean().withDefault('false'),
  explanation: jsonb<AlertExplanation>(),
  occurred_at: timestamptz().withDefault('now()'),
  retracted_at: timestamptz().orNull(),
});

export const alertEventsTable = table('alert_events', {
  id: bigserial(),
  alert_id: uuid(),
  at: timestamptz().withDefault('now()'),
  type: text(),
  actor_user_id: uuid().orNull(),
  detail: jsonb<Record<string, unknown>>().withDefault("'{}'::jsonb"),
});
