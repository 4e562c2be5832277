import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The foundation schema: who is enrolled and who cares for them, the results, the alerts with their
 * occurrences and timeline, the notification outbox with per-recipient deliveries and attempts, and the
 * dead-letter records.
 */
export class Foundation1732300000000 implements MigrationInterface {
  name = 'Foundation1732300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sites (
        id text PRIMARY KEY,
        name text NOT NULL,
        time_zone text NOT NULL DEFAULT 'UTC',
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL UNIQUE,
        display_name text NOT NULL,
        roles text[] NOT NULL DEFAULT '{}',
        password_hash text,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE care_teams (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id text NOT NULL REFERENCES sites(id),
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (site_id, name)
      );

      CREATE TABLE care_team_members (
        care_team_id uuid NOT NULL REFERENCES care_teams(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id),
        role text NOT NULL,
        PRIMARY KEY (care_team_id, user_id)
      );
      CREATE INDEX care_team_members_user ON care_team_members(user_id);

      CREATE TABLE contact_points (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        channel text NOT NULL CHECK (channel IN ('email', 'sms')),
        address text NOT NULL,
        verified_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (user_id, channel, address)
      );

      CREATE TABLE patients (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id text NOT NULL REFERENCES sites(id),
        care_team_id uuid NOT NULL REFERENCES care_teams(id),
        indication text NOT NULL CHECK (indication IN ('MS', 'CLL')),
        display_name text,
        birth_date date,
        sex text CHECK (sex IN ('female', 'male', 'other', 'unknown')),
        enrolled_at timestamptz NOT NULL DEFAULT now(),
        enrolment_ended_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX patients_care_team ON patients(care_team_id);

      -- A patient is matched by identifier + assigning authority, never by name.
      CREATE TABLE patient_identifiers (
        authority text NOT NULL,
        identifier text NOT NULL,
        patient_id uuid NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
        PRIMARY KEY (authority, identifier)
      );
      CREATE INDEX patient_identifiers_patient ON patient_identifiers(patient_id);

      -- Enrolment changes wake the processors' enrolment caches.
      CREATE FUNCTION notify_enrolment_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('enrolment_changed', '');
        RETURN NULL;
      END $$;
      CREATE TRIGGER patient_identifiers_enrolment_changed
        AFTER INSERT OR UPDATE OR DELETE ON patient_identifiers
        FOR EACH STATEMENT EXECUTE FUNCTION notify_enrolment_changed();
      CREATE TRIGGER patients_enrolment_changed
        AFTER UPDATE OF enrolment_ended_at, care_team_id ON patients
        FOR EACH STATEMENT EXECUTE FUNCTION notify_enrolment_changed();

      CREATE TABLE treatment_courses (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        patient_id uuid NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
        course_number int NOT NULL CHECK (course_number >= 1),
        product text NOT NULL DEFAULT 'lemtrada',
        infusion_dates date[] NOT NULL CHECK (cardinality(infusion_dates) >= 1),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (patient_id, course_number)
      );

      -- One row per observation kept. The idempotency key (sender, control id, observation identity) makes a
      -- redelivered message change nothing; the observation key links corrections to what they correct.
      CREATE TABLE results (
        id bigserial PRIMARY KEY,
        idempotency_key text NOT NULL,
        observation_key text NOT NULL,
        patient_id uuid NOT NULL REFERENCES patients(id),
        sender text NOT NULL,
        message_control_id text NOT NULL,
        code text NOT NULL,
        code_system text NOT NULL,
        loinc text,
        analyte text,
        value_type text NOT NULL,
        value_original text,
        unit_original text,
        range_original text,
        comparator text,
        value numeric,
        unit text,
        ordinal numeric,
        range_low numeric,
        range_high numeric,
        range_source text NOT NULL DEFAULT 'none',
        basis text,
        abnormal_flags text,
        status text NOT NULL,
        quality text NOT NULL,
        quality_reason text,
        observed_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now(),
        superseded_by bigint REFERENCES results(id),
        retracted_at timestamptz,
        source_topic text,
        source_partition int,
        source_offset bigint
      );
      CREATE UNIQUE INDEX results_idempotency_key ON results(idempotency_key);
      CREATE INDEX results_patient_analyte_observed ON results(patient_id, analyte, observed_at DESC);
      CREATE INDEX results_observation_key ON results(observation_key);

      CREATE TABLE alerts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        reference text NOT NULL UNIQUE,
        patient_id uuid REFERENCES patients(id),
        rule_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('breach', 'missed', 'data-quality', 'feed', 'unreachable')),
        severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        emergency boolean NOT NULL DEFAULT false,
        state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'resolved')),
        dedup_key text NOT NULL,
        rule_set_version text NOT NULL,
        explanation jsonb NOT NULL,
        occurrence_count int NOT NULL DEFAULT 1,
        opened_at timestamptz NOT NULL DEFAULT now(),
        last_occurrence_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        acknowledged_at timestamptz,
        acknowledged_by uuid REFERENCES users(id),
        resolved_at timestamptz,
        resolved_by uuid REFERENCES users(id),
        resolution_reason text
      );
      -- One open (not yet resolved) alert per patient and rule.
      CREATE UNIQUE INDEX alerts_open_dedup ON alerts(dedup_key) WHERE state <> 'resolved';
      CREATE INDEX alerts_patient ON alerts(patient_id, opened_at DESC);
      CREATE INDEX alerts_state_severity ON alerts(state, severity, opened_at DESC);

      CREATE TABLE alert_occurrences (
        id bigserial PRIMARY KEY,
        alert_id uuid NOT NULL REFERENCES alerts(id),
        result_id bigint REFERENCES results(id),
        severity text NOT NULL,
        emergency boolean NOT NULL DEFAULT false,
        explanation jsonb NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        retracted_at timestamptz
      );
      CREATE UNIQUE INDEX alert_occurrences_result ON alert_occurrences(alert_id, result_id);
      CREATE INDEX alert_occurrences_result_id ON alert_occurrences(result_id);

      -- The alert's timeline: opened, occurrence, severity raised, notified, acknowledged, resolved ...
      CREATE TABLE alert_events (
        id bigserial PRIMARY KEY,
        alert_id uuid NOT NULL REFERENCES alerts(id),
        at timestamptz NOT NULL DEFAULT now(),
        type text NOT NULL,
        actor_user_id uuid REFERENCES users(id),
        detail jsonb NOT NULL DEFAULT '{}'
      );
      CREATE INDEX alert_events_alert ON alert_events(alert_id, at);

      -- The outbox: written in the same transaction as the alert it is about.
      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        alert_id uuid NOT NULL REFERENCES alerts(id),
        reason text NOT NULL,
        severity text NOT NULL,
        tier int NOT NULL DEFAULT 1,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'queued', 'dispatched', 'cancelled')),
        created_at timestamptz NOT NULL DEFAULT now(),
        available_at timestamptz NOT NULL DEFAULT now(),
        queued_at timestamptz,
        dispatched_at timestamptz
      );
      CREATE INDEX notifications_undispatched ON notifications(available_at) WHERE state IN ('pending', 'queued');
      CREATE INDEX notifications_alert ON notifications(alert_id);
      CREATE FUNCTION notify_notification_pending() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('notification_pending', '');
        RETURN NULL;
      END $$;
      CREATE TRIGGER notifications_pending AFTER INSERT ON notifications
        FOR EACH STATEMENT EXECUTE FUNCTION notify_notification_pending();

      -- One message to one person on one channel.
      CREATE TABLE deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        notification_id uuid NOT NULL REFERENCES notifications(id),
        user_id uuid REFERENCES users(id),
        contact_point_id uuid REFERENCES contact_points(id),
        channel text NOT NULL CHECK (channel IN ('email', 'sms')),
        address text NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'queued', 'sent', 'delivered', 'failed', 'skipped')),
        attempts int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        queued_at timestamptz,
        sent_at timestamptz,
        last_error text,
        UNIQUE (notification_id, contact_point_id)
      );
      CREATE INDEX deliveries_unsent ON deliveries(created_at) WHERE state IN ('pending', 'queued');

      CREATE TABLE delivery_attempts (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES deliveries(id),
        attempt int NOT NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('sent', 'transient-failure', 'permanent-failure', 'skipped')),
        provider_response text,
        provider_message_id text,
        UNIQUE (delivery_id, attempt)
      );

      -- What the processor could not take, with the reason; the bytes are also on lab.results.dlq.v1.
      CREATE TABLE dlq_records (
        id bigserial PRIMARY KEY,
        source_topic text NOT NULL,
        source_partition int NOT NULL,
        source_offset bigint NOT NULL,
        message_key text,
        content_type text,
        reason text NOT NULL,
        payload bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        replayed_at timestamptz,
        replayed_by uuid REFERENCES users(id),
        UNIQUE (source_topic, source_partition, source_offset)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE dlq_records, delivery_attempts, deliveries, notifications, alert_events, alert_occurrences, alerts,
        results, treatment_courses, patient_identifiers, patients, contact_points, care_team_members, care_teams,
        users, sites CASCADE;
      DROP FUNCTION IF EXISTS notify_enrolment_changed();
      DROP FUNCTION IF EXISTS notify_notification_pending();
    `);
  }
}
