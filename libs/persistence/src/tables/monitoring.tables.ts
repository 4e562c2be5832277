import { type ExpectationExplanation } from '@alem/clinical';
import { bigint, boolean, date, int, jsonb, table, text, textArray, timestamptz, uuid } from './table';

/**
 * The monitoring schedule's tables (migration 1732300006000). Rows are written with set-based SQL by
 * `MonitoringRepository` and the sweep repositories.
 */

/** One sweep unit per patient, and the monitoring facts that are not treatment courses. */
export const monitoringPatientsTable = table('monitoring_patients', {
  patient_id: uuid(),
  /** The next instant the patient's expectations change by themselves; '-infinity' after new input. */
  next_check_at: timestamptz().orNull(),
  evaluated_at: timestamptz().orNull(),
  schedule_version: text().orNull(),
  settings_version: int().orNull(),
  planned_course_number: int().orNull(),
  planned_course_start_day: date().orNull(),
  cll_therapy_end_day: date().orNull(),
  monitoring_extension_months: int().withDefault('0'),
  thyroid_extension_months: int().withDefault('0'),
  plan_updated_at: timestamptz().orNull(),
  plan_updated_by: uuid().orNull(),
});

/** The computed state of one expectation of one patient (see `ExpectationState`). */
export const monitoringExpectationsTable = table('monitoring_expectations', {
  patient_id: uuid(),
  rule_id: text(),
  kind: text<'periodic' | 'gate' | 'reminder'>(),
  course_number: int().orNull(),
  status: text(),
  severity: text<'none' | 'info' | 'warning' | 'critical'>(),
  due_day: date().orNull(),
  last_received_day: date().orNull(),
  held_by: textArray().withDefault("'{}'::text[]"),
  next_change_at: timestamptz().orNull(),
  alert_id: uuid().orNull(),
  explanation: jsonb<ExpectationExplanation>(),
  evaluated_at: timestamptz(),
  status_since: timestamptz(),
  schedule_version: text(),
  settings_version: int().orNull(),
  /** Digest of the computed state; an evaluation that changes nothing leaves the row (and `evaluated_at`) as is. */
  fingerprint: text().orNull(),
});

/** A period without missed-result alerts: authored, with an end except for a death. */
export const monitoringSuspensionsTable = table('monitoring_suspensions', {
  id: uuid().withDefault('gen_random_uuid()'),
  patient_id: uuid(),
  reason: text<'hospitalised' | 'transferred' | 'deceased' | 'off-protocol'>(),
  author_user_id: uuid(),
  start_day: date(),
  end_day: date().orNull(),
  note: text().orNull(),
  created_at: timestamptz().withDefault('now()'),
  updated_at: timestamptz().orNull(),
  updated_by: uuid().orNull(),
  withdrawn_at: timestamptz().orNull(),
  withdrawn_by: uuid().orNull(),
});

/** One version of a site's overrides of the monitoring defaults (immutable). */
export const monitoringSiteSettingsTable = table('monitoring_site_settings', {
  site_id: text(),
  version: int(),
  overrides: jsonb<Record<string, unknown>>(),
  changed_by: uuid().orNull(),
  changed_at: timestamptz().withDefault('now()'),
  reason: text().orNull(),
});

/** A sending lab: its rhythm, its last message, and whether it is quiet. */
export const labFeedsTable = table('lab_feeds', {
  sender: text(),
  site_id: text().orNull(),
  site_source: text<'configured' | 'learned'>().orNull(),
  quiet_after_ms: bigint(),
  rhythm_source: text<'configured' | 'learned' | 'default'>(),
  rhythm_learned_from: jsonb<Record<string, unknown>>().orNull(),
  rhythm_learned_at: timestamptz().orNull(),
  last_seen_at: timestamptz().orNull(),
  state: text<'ok' | 'quiet' | 'unknown'>().withDefault("'unknown'::text"),
  quiet_since: timestamptz().orNull(),
  holding: boolean().withDefault('false'),
  hold_released_at: timestamptz().orNull(),
  hold_released_by: uuid().orNull(),
  next_check_at: timestamptz().orNull(),
  alert_id: uuid().orNull(),
  created_at: timestamptz().withDefault('now()'),
});

/** The longest silence of a feed that ended on a UTC day. */
export const labFeedSilencesTable = table('lab_feed_silences', {
  sender: text(),
  day: date(),
  longest_silence_ms: bigint(),
});

/** Where an alert without a patient goes, pinned when it opened. */
export const alertRoutesTable = table('alert_routes', {
  alert_id: uuid(),
  care_team_id: uuid(),
  reason: text(),
});
