import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Courses from the infusion record (issue 18): the alemtuzumab administrations the ingest gateway takes (HL7
 * RAS^O17 / RDS^O13 / RDE^O11, FHIR MedicationAdministration), the data that says which medication codes are
 * alemtuzumab and which care team a sender's location enrols into, the course timeline, and where a course came
 * from (`treatment_courses.source`).
 */
export class InfusionRecord1732300017000 implements MigrationInterface {
  name = 'InfusionRecord1732300017000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- Which medication codes are alemtuzumab, as data (like the lab code mappings). sender '*' = every sender
      -- (RxNorm); a sender's own row maps its local codes. product 'alemtuzumab' = the ingredient: the product
      -- (Lemtrada for MS, Campath for CLL) is the patient's indication.
      CREATE TABLE medication_code_mappings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        sender text NOT NULL,
        code_system text NOT NULL,
        code text NOT NULL,
        product text NOT NULL CHECK (product IN ('lemtrada', 'campath', 'alemtuzumab')),
        description text NOT NULL,
        created_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz,
        CONSTRAINT medication_code_mappings_key UNIQUE (sender, code_system, code)
      );
      INSERT INTO medication_code_mappings (sender, code_system, code, product, description) VALUES
        ('*', 'RXNORM', '117055', 'alemtuzumab', 'RxNorm IN alemtuzumab'),
        ('*', 'RXNORM', '1594660', 'lemtrada',
         'RxNorm SBD alemtuzumab 10 MG/ML [Lemtrada] (the FHIR R4 example MedicationAdministration medadmin0304)');

      -- Enrolment on first administration: the care team a sender's location (ordering department, point of
      -- care) enrols into. location '*' = the sender's other locations; care_team_id NULL = the site is known
      -- but nobody is named: the site's integration team is alerted instead.
      CREATE TABLE enrolment_locations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        sender text NOT NULL,
        location text NOT NULL,
        site_id text NOT NULL REFERENCES sites(id),
        care_team_id uuid REFERENCES care_teams(id),
        indication text CHECK (indication IN ('MS', 'CLL')),
        created_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz,
        CONSTRAINT enrolment_locations_key UNIQUE (sender, location)
      );

      -- Every alemtuzumab administration record taken, as sent (a correction or cancellation is another row
      -- with the same administration_id). The idempotency key (sender, control id, administration, status)
      -- makes a redelivery change nothing. patient_id is set once the patient is enrolled.
      CREATE TABLE medication_administrations (
        id bigserial PRIMARY KEY,
        idempotency_key text NOT NULL UNIQUE,
        sender text NOT NULL,
        message_control_id text NOT NULL,
        authority text NOT NULL,
        patient_identifier text NOT NULL,
        patient_id uuid REFERENCES patients(id) ON DELETE CASCADE,
        administration_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('given', 'entered-in-error', 'cancelled')),
        evidence text NOT NULL CHECK (evidence IN ('administered', 'dispensed', 'ordered')),
        day date,
        at timestamptz,
        dose_mg numeric,
        medication_system text NOT NULL,
        medication_code text NOT NULL,
        product text NOT NULL CHECK (product IN ('lemtrada', 'campath', 'alemtuzumab')),
        location text,
        recorded_at timestamptz,
        received_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX medication_administrations_identifier ON medication_administrations (authority, patient_identifier);
      CREATE INDEX medication_administrations_patient ON medication_administrations (patient_id);

      -- The courses' timeline: what each arrival or withdrawal changed, and the anomalies of the plan.
      CREATE TABLE treatment_course_events (
        id bigserial PRIMARY KEY,
        patient_id uuid NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
        at timestamptz NOT NULL DEFAULT now(),
        type text NOT NULL,
        course_number int,
        detail jsonb NOT NULL DEFAULT '{}'::jsonb
      );
      CREATE INDEX treatment_course_events_patient ON treatment_course_events (patient_id, at);

      -- Entered by a person (the admin API, a seed) or planned from the infusion record.
      ALTER TABLE treatment_courses ADD COLUMN source text NOT NULL DEFAULT 'manual'
        CHECK (source IN ('manual', 'infusion-record'));

      -- The enrolment alerts: a patient enrolled from the infusion record, or one nobody could be enrolled to.
      ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
      ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check
        CHECK (kind IN ('breach', 'missed', 'data-quality', 'feed', 'unreachable', 'enrolment'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM alerts WHERE kind = 'enrolment';
      ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
      ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check
        CHECK (kind IN ('breach', 'missed', 'data-quality', 'feed', 'unreachable'));
      ALTER TABLE treatment_courses DROP COLUMN source;
      DROP TABLE treatment_course_events, medication_administrations, enrolment_locations, medication_code_mappings;
    `);
  }
}
