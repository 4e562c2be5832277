import { bigserial, date, int, jsonb, numeric, table, text, timestamptz, uuid } from './table';

/** Which medication codes are alemtuzumab (sender `*`: every sender, e.g. RxNorm). */
export const medicationCodeMappingsTable = table('medication_code_mappings', {
  id: uuid().withDefault('gen_random_uuid()'),
  sender: text(),
  code_system: text(),
  code: text(),
  /** `alemtuzumab`: the ingredient; the product follows the patient's indication. */
  product: text<'lemtrada' | 'campath' | 'alemtuzumab'>(),
  description: text(),
  created_by: uuid().orNull(),
  created_at: timestamptz().withDefault('now()'),
  updated_at: timestamptz().orNull(),
});

/** The care team a sender's location enrols a patient into on their first administration (location `*`: any). */
export const enrolmentLocationsTable = table('enrolment_locations', {
  id: uuid().withDefault('gen_random_uuid()'),
  sender: text(),
  location: text(),
  site_id: text(),
  /** Null: the site is known but no team is named (the site's integration team is alerted). */
  care_team_id: uuid().orNull(),
  indication: text<'MS' | 'CLL'>().orNull(),
  created_by: uuid().orNull(),
  created_at: timestamptz().withDefault('now()'),
  updated_at: timestamptz().orNull(),
});

/** Every alemtuzumab administration record taken (corrections and cancellations are rows of their own). */
export const medicationAdministrationsTable = table('medication_administrations', {
  id: bigserial(),
  idempotency_key: text(),
  sender: text(),
  message_control_id: text(),
  authority: text(),
  patient_identifier: text(),
  patient_id: uuid().orNull(),
  administration_id: text(),
  status: text<'given' | 'entered-in-error' | 'cancelled'>(),
  evidence: text<'administered' | 'dispensed' | 'ordered'>(),
  day: date().orNull(),
  at: timestamptz().orNull(),
  dose_mg: numeric().orNull(),
  medication_system: text(),
  medication_code: text(),
  product: text<'lemtrada' | 'campath' | 'alemtuzumab'>(),
  location: text().orNull(),
  recorded_at: timestamptz().orNull(),
  received_at: timestamptz(),
  created_at: timestamptz().withDefault('now()'),
});

/** The courses' timeline: what an administration's arrival or withdrawal changed, and the plan's anomalies. */
export const treatmentCourseEventsTable = table('treatment_course_events', {
  id: bigserial(),
  patient_id: uuid(),
  at: timestamptz().withDefault('now()'),
  type: text(),
  course_number: int().orNull(),
  detail: jsonb<Record<string, unknown>>().withDefault("'{}'::jsonb"),
});
