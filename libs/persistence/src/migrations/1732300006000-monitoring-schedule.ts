import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The monitoring schedule (issue 6): which results each patient is expected to have, the missed-result and
 * quiet-feed alerts, and what people record about it (suspensions, the next course, site settings).
 *
 * - `monitoring_patients`: one sweep unit per patient (`next_check_at`, claimed with FOR UPDATE SKIP LOCKED
 *   through a partial index), and the monitoring facts that are not treatment courses: the planned next
 *   course (for the pre-course gates), the end of Campath therapy, manual extensions of monitoring_end.
 * - `monitoring_expectations`: the computed state of each (patient, rule), for dashboards and for the hold
 *   wake-ups; rewritten by every evaluation of the patient.
 * - `monitoring_suspensions`: authored, with an end (except deceased); withdrawn rather than deleted.
 * - `monitoring_site_settings`: a site's overrides of the [P] schedule defaults, one immutable row per version.
 * - `lab_feeds` and `lab_feed_silences`: each sending lab's last message and the per-day longest silences its
 *   rhythm is learned from; the FEED-QUIET alert per sender.
 * - `sites.integration_care_team_id` and `alert_routes`: where an alert without a patient (a quiet feed) goes.
 *
 * `next_check_at = '-infinity'` means "new input, evaluate at the next sweep" whatever the sweeping app's
 * clock says: triggers set it when a patient is enrolled or changed, a course or a suspension is written, or
 * a site's time zone changes, and the result processor sets it when results arrive
 * (`wakeOnResultsSql`, within its results insert).
 */
export class MonitoringSchedule1732300006000 implements MigrationInterface {
  name = 'MonitoringSchedule1732300006000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- The integration owners of a site's lab interfaces: FEED-QUIET alerts go to this team.
      ALTER TABLE sites ADD COLUMN integration_care_team_id uuid REFERENCES care_teams(id);

      CREATE TABLE monitoring_patients (
        patient_id uuid PRIMARY KEY REFERENCES patients(id) ON DELETE CASCADE,
        -- earliestTransition(states) after an evaluation; '-infinity' on new input; null: nothing will change
        -- without new input (monitoring ended, nothing expected yet).
        next_check_at timestamptz,
        evaluated_at timestamptz,
        schedule_version text,
        settings_version int,
        -- The next course once a date is set (the pre-course gates); cleared when the course is recorded.
        planned_course_number int CHECK (planned_course_number >= 1),
        planned_course_start_day date,
        -- CLL: the recorded end of Campath therapy (else the default length applies).
        cll_therapy_end_day date,
        -- "or longer, if clinically indicated" / thyroid "in case of pregnancy".
        monitoring_extension_months int NOT NULL DEFAULT 0 CHECK (monitoring_extension_months >= 0),
        thyroid_extension_months int NOT NULL DEFAULT 0 CHECK (thyroid_extension_months >= 0),
        plan_updated_at timestamptz,
        plan_updated_by uuid REFERENCES users(id)
      );
      CREATE INDEX monitoring_patients_due ON monitoring_patients (next_check_at) WHERE next_check_at IS NOT NULL;

      CREATE TABLE monitoring_expectations (
        patient_id uuid NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
        rule_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('periodic', 'gate', 'reminder')),
        course_number int,
        status text NOT NULL CHECK (status IN ('not-started', 'pending', 'due', 'overdue-warning', 'overdue-critical',
                                                'partial', 'met', 'open', 'suspended', 'held', 'ended')),
        severity text NOT NULL CHECK (severity IN ('none', 'info', 'warning', 'critical')),
        due_day date,
        last_received_day date,
        -- Quiet senders holding the alert (status held).
        held_by text[] NOT NULL DEFAULT '{}',
        next_change_at timestamptz,
        -- The open missed-result alert of this expectation, if any.
        alert_id uuid REFERENCES alerts(id),
        explanation jsonb NOT NULL,
        evaluated_at timestamptz NOT NULL,
        -- When the expectation entered its current status.
        status_since timestamptz NOT NULL,
        schedule_version text NOT NULL,
        settings_version int,
        -- Digest of what was computed: an evaluation that changes nothing does not rewrite the row.
        fingerprint text,
        PRIMARY KEY (patient_id, rule_id)
      );
      CREATE INDEX monitoring_expectations_held ON monitoring_expectations USING gin (held_by) WHERE status = 'held';
      CREATE INDEX monitoring_expectations_overdue ON monitoring_expectations (severity, due_day) WHERE severity <> 'none';

      CREATE TABLE monitoring_suspensions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        patient_id uuid NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
        reason text NOT NULL CHECK (reason IN ('hospitalised', 'transferred', 'deceased', 'off-protocol')),
        author_user_id uuid NOT NULL REFERENCES users(id),
        -- First and last suspended day in the site's zone, both included.
        start_day date NOT NULL,
        end_day date,
        note text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz,
        updated_by uuid REFERENCES users(id),
        -- A suspension recorded in error is withdrawn (kept for the record, ignored by the schedule).
        withdrawn_at timestamptz,
        withdrawn_by uuid REFERENCES users(id),
        CHECK (end_day IS NULL OR end_day >= start_day),
        -- Nothing but a death may silence a patient without an end.
        CHECK (reason = 'deceased' OR end_day IS NOT NULL)
      );
      CREATE INDEX monitoring_suspensions_patient ON monitoring_suspensions (patient_id, start_day);

      CREATE TABLE monitoring_site_settings (
        site_id text NOT NULL REFERENCES sites(id),
        version int NOT NULL CHECK (version >= 1),
        -- MonitoringSettingsOverrides, validated by resolveMonitoringSettings before they are written.
        overrides jsonb NOT NULL,
        changed_by uuid REFERENCES users(id),
        changed_at timestamptz NOT NULL DEFAULT now(),
        reason text,
        PRIMARY KEY (site_id, version)
      );
      CREATE FUNCTION monitoring_site_settings_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'monitoring_site_settings versions are immutable: write a new version';
      END $$;
      CREATE TRIGGER monitoring_site_settings_immutable BEFORE UPDATE OR DELETE ON monitoring_site_settings
        FOR EACH ROW EXECUTE FUNCTION monitoring_site_settings_immutable();

      CREATE TABLE lab_feeds (
        sender text PRIMARY KEY,
        -- The site whose integration team owns the feed: configured, or learned from the patients it serves.
        site_id text REFERENCES sites(id),
        site_source text CHECK (site_source IN ('configured', 'learned')),
        quiet_after_ms bigint NOT NULL CHECK (quiet_after_ms > 0),
        rhythm_source text NOT NULL CHECK (rhythm_source IN ('configured', 'learned', 'default')),
        rhythm_learned_from jsonb,
        rhythm_learned_at timestamptz,
        -- Receive time of the last message (reported by the result processor).
        last_seen_at timestamptz,
        state text NOT NULL DEFAULT 'unknown' CHECK (state IN ('ok', 'quiet', 'unknown')),
        quiet_since timestamptz,
        -- Whether the feed holds its patients' missed-result alerts (quiet, hold not run out, not released).
        holding boolean NOT NULL DEFAULT false,
        -- A person released the hold of this quiet episode (valid while last_seen_at <= hold_released_at).
        hold_released_at timestamptz,
        hold_released_by uuid REFERENCES users(id),
        next_check_at timestamptz,
        -- The open FEED-QUIET alert, if any.
        alert_id uuid REFERENCES alerts(id),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX lab_feeds_due ON lab_feeds (next_check_at) WHERE next_check_at IS NOT NULL;

      -- The longest silence that ended on each UTC day, from the processor's activity reports: what a feed's
      -- rhythm is learned from, without scanning results.
      CREATE TABLE lab_feed_silences (
        sender text NOT NULL REFERENCES lab_feeds(sender) ON DELETE CASCADE,
        day date NOT NULL,
        longest_silence_ms bigint NOT NULL,
        PRIMARY KEY (sender, day)
      );

      -- Where an alert without a patient goes (its patient's care team otherwise), pinned when it opens.
      CREATE TABLE alert_routes (
        alert_id uuid PRIMARY KEY REFERENCES alerts(id),
        care_team_id uuid NOT NULL REFERENCES care_teams(id),
        reason text NOT NULL
      );

      -- New input wakes the patient's sweep unit.
      CREATE FUNCTION monitoring_patient_enrolled() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO monitoring_patients (patient_id, next_check_at) VALUES (NEW.id, '-infinity')
        ON CONFLICT (patient_id) DO UPDATE SET next_check_at = '-infinity';
        RETURN NULL;
      END $$;
      CREATE TRIGGER patients_monitoring_enrolled AFTER INSERT ON patients
        FOR EACH ROW EXECUTE FUNCTION monitoring_patient_enrolled();

      CREATE FUNCTION monitoring_wake_patient() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'patients' THEN
          UPDATE monitoring_patients SET next_check_at = '-infinity' WHERE patient_id = NEW.id;
        ELSE
          IF TG_OP <> 'DELETE' THEN
            UPDATE monitoring_patients SET next_check_at = '-infinity' WHERE patient_id = NEW.patient_id;
          END IF;
          IF TG_OP <> 'INSERT' THEN
            UPDATE monitoring_patients SET next_check_at = '-infinity'
            WHERE patient_id = OLD.patient_id AND (TG_OP = 'DELETE' OR OLD.patient_id <> NEW.patient_id);
          END IF;
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER patients_monitoring_changed
        AFTER UPDATE OF site_id, indication, enrolled_at, enrolment_ended_at ON patients
        FOR EACH ROW EXECUTE FUNCTION monitoring_wake_patient();
      CREATE TRIGGER treatment_courses_monitoring_changed AFTER INSERT OR UPDATE OR DELETE ON treatment_courses
        FOR EACH ROW EXECUTE FUNCTION monitoring_wake_patient();
      CREATE TRIGGER monitoring_suspensions_changed AFTER INSERT OR UPDATE OR DELETE ON monitoring_suspensions
        FOR EACH ROW EXECUTE FUNCTION monitoring_wake_patient();

      -- Due days are calendar days in the site's zone: a zone change re-evaluates the site's patients.
      CREATE FUNCTION monitoring_wake_site() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE monitoring_patients SET next_check_at = '-infinity'
        WHERE patient_id IN (SELECT id FROM patients WHERE site_id = NEW.id);
        RETURN NULL;
      END $$;
      CREATE TRIGGER sites_monitoring_zone_changed AFTER UPDATE OF time_zone ON sites
        FOR EACH ROW WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone) EXECUTE FUNCTION monitoring_wake_site();

      INSERT INTO monitoring_patients (patient_id, next_check_at) SELECT id, '-infinity' FROM patients;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER IF EXISTS patients_monitoring_enrolled ON patients;
      DROP TRIGGER IF EXISTS patients_monitoring_changed ON patients;
      DROP TRIGGER IF EXISTS treatment_courses_monitoring_changed ON treatment_courses;
      DROP TRIGGER IF EXISTS sites_monitoring_zone_changed ON sites;
      DROP TABLE alert_routes, lab_feed_silences, lab_feeds, monitoring_site_settings, monitoring_suspensions,
        monitoring_expectations, monitoring_patients CASCADE;
      DROP FUNCTION IF EXISTS monitoring_wake_patient();
      DROP FUNCTION IF EXISTS monitoring_wake_site();
      DROP FUNCTION IF EXISTS monitoring_patient_enrolled();
      DROP FUNCTION IF EXISTS monitoring_site_settings_immutable();
      ALTER TABLE sites DROP COLUMN integration_care_team_id;
    `);
  }
}
