import { date, dateArray, int, jsonb, table, text, timestamptz, uuid } from './table';

export const patientsTable = table('patients', {
  id: uuid().withDefault('gen_random_uuid()'),
  site_id: text(),
  care_team_id: uuid(),
  indication: text<'MS' | 'CLL'>(),
  /** Shown to authenticated users on their own patients only; never in messages or logs. */
  display_name: text().orNull(),
  birth_date: date().orNull(),
  sex: text<'female' | 'male' | 'other' | 'unknown'>().orNull(),
  /** Facts that change how a value is read: { pregnant, knownHaemophilia, bleedingEventRecorded, onHeparin }. */
  clinical_flags: jsonb<Record<string, boolean>>().withDefault("'{}'::jsonb"),
  enrolled_at: timestamptz().withDefault('now()'),
  enrolment_ended_at: timestamptz().orNull(),
  created_at: timestamptz().withDefault('now()'),
});

export const patientIdentifiersTable = table('patient_identifiers', {
  authority: text(),
  identifier: text(),
  patient_id: uuid(),
});

export const treatmentCoursesTable = table('treatment_courses', {
  id: uuid().withDefault('gen_random_uuid()'),
  patient_id: uuid(),
  course_number: int(),
  product: text().withDefault("'lemtrada'::text"),
  /** Calendar days of the infusions (YYYY-MM-DD). */
  infusion_dates: dateArray(),
  created_at: timestamptz().withDefault('now()'),
  /** Entered by a person (admin API, seed), or planned from the infusion record (issue 18). */
  source: text<'manual' | 'infusion-record'>().withDefault("'manual'::text"),
});
