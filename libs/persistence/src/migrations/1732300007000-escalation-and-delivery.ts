import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** The default escalation policy (version 1), for every care team that has none of its own. */
const DEFAULT_POLICY = {
  tiers: [
    {
      name: 'on-duty clinician',
      targets: [{ type: 'on-duty' }],
      timeoutMinutes: { critical: 15, warning: 1440 },
    },
    {
      name: 'whole care team',
      targets: [{ type: 'team' }],
      timeoutMinutes: { critical: 15, warning: 1440 },
    },
    {
      name: 'safety officers',
      targets: [{ type: 'safety-officers' }],
      timeoutMinutes: { critical: 15, warning: 1440 },
    },
  ],
  repeat: 2,
};

/**
 * Notifications that reach a person (issue 7):
 *
 * - `care_team_members.on_duty`: who holds a team's first tier now (an explicit flag; nobody on duty → the
 *   whole team).
 * - `escalation_policies`: versioned per care team (a change is a new row; `care_team_id` NULL is the default
 *   policy). `alerts.escalation_policy_id` pins the version in force when the alert opens (a trigger on
 *   `alerts`, and on `alert_routes` for alerts without a patient), PagerDuty semantics.
 * - `alert_escalations`: the durable escalation timer of each alert (`next_at`, swept with SKIP LOCKED).
 * - `deliveries`: grouping and rate limits (`not_before`, `group_key`, `claimed_at`, `coalesced_into`), the
 *   next channel (`fallback_of`), SMS receipts (`provider_message_id`, `delivered_at`), dead-letter replay once
 *   (`replayed_at/by`); `delivery_receipts` keeps every provider status callback.
 * - `alert_acknowledgements`: who acknowledged, when, how, and which delivery led to it; one per link.
 * - `contact_verifications`: a test message with a code before a contact point receives alerts.
 * - `digests`, `digest_deliveries`: the daily email of informational alerts.
 */
export class EscalationAndDelivery1732300007000 implements MigrationInterface {
  name = 'EscalationAndDelivery1732300007000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE care_team_members ADD COLUMN on_duty boolean NOT NULL DEFAULT false;

      CREATE TABLE escalation_policies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        care_team_id uuid REFERENCES care_teams(id) ON DELETE CASCADE,
        version int NOT NULL CHECK (version >= 1),
        definition jsonb NOT NULL,
        note text,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by uuid REFERENCES users(id)
      );
      CREATE UNIQUE INDEX escalation_policies_team_version ON escalation_policies(care_team_id, version)
        WHERE care_team_id IS NOT NULL;
      CREATE UNIQUE INDEX escalation_policies_default_version ON escalation_policies(version)
        WHERE care_team_id IS NULL;

      -- The version in force for a team: its own latest, else the default's latest.
      CREATE FUNCTION escalation_policy_in_force(team uuid) RETURNS uuid STABLE LANGUAGE sql AS $$
        SELECT id FROM escalation_policies
        WHERE care_team_id = team OR care_team_id IS NULL
        ORDER BY (care_team_id IS NULL), version DESC LIMIT 1
      $$;

      ALTER TABLE alerts ADD COLUMN escalation_policy_id uuid REFERENCES escalation_policies(id);

      -- Pinned in the transaction that opens the alert: a later policy change never alters a running escalation.
      CREATE FUNCTION alerts_pin_escalation_policy() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.escalation_policy_id IS NULL THEN
          NEW.escalation_policy_id := escalation_policy_in_force(
            (SELECT care_team_id FROM patients WHERE id = NEW.patient_id));
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER alerts_pin_escalation_policy BEFORE INSERT ON alerts
        FOR EACH ROW EXECUTE FUNCTION alerts_pin_escalation_policy();

      -- An alert without a patient learns its team from its route, written in the same transaction.
      CREATE FUNCTION alert_routes_pin_escalation_policy() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE alerts SET escalation_policy_id = escalation_policy_in_force(NEW.care_team_id)
        WHERE id = NEW.alert_id AND patient_id IS NULL;
        RETURN NULL;
      END $$;
      CREATE TRIGGER alert_routes_pin_escalation_policy AFTER INSERT ON alert_routes
        FOR EACH ROW EXECUTE FUNCTION alert_routes_pin_escalation_policy();

      -- One durable escalation timer per alert. next_at NULL: nothing more to do (acknowledged, resolved, info).
      CREATE TABLE alert_escalations (
        alert_id uuid PRIMARY KEY REFERENCES alerts(id),
        escalation_policy_id uuid NOT NULL REFERENCES escalation_policies(id),
        severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        tier int NOT NULL CHECK (tier >= 1),
        cycle int NOT NULL DEFAULT 0,
        next_at timestamptz,
        started_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        stopped_at timestamptz,
        stop_reason text
      );
      CREATE INDEX alert_escalations_due ON alert_escalations(next_at) WHERE next_at IS NOT NULL;

      ALTER TABLE deliveries
        ADD COLUMN not_before timestamptz,
        ADD COLUMN group_key text,
        ADD COLUMN generation int NOT NULL DEFAULT 0,
        ADD COLUMN claimed_at timestamptz,
        ADD COLUMN lease_until timestamptz,
        ADD COLUMN coalesced_into uuid REFERENCES deliveries(id),
        ADD COLUMN fallback_of uuid REFERENCES deliveries(id),
        ADD COLUMN held_reason text,
        ADD COLUMN provider_message_id text,
        ADD COLUMN provider_status text,
        ADD COLUMN delivered_at timestamptz,
        ADD COLUMN failed_at timestamptz,
        ADD COLUMN replayed_at timestamptz,
        ADD COLUMN replayed_by uuid REFERENCES users(id),
        ADD COLUMN replay_queued_at timestamptz;
      -- The rate limit counts the messages (not the coalesced deliveries) a contact was sent recently.
      CREATE INDEX deliveries_contact_claimed ON deliveries(contact_point_id, claimed_at)
        WHERE coalesced_into IS NULL AND claimed_at IS NOT NULL;
      CREATE INDEX deliveries_contact_unsent ON deliveries(contact_point_id) WHERE state IN ('pending', 'queued');
      CREATE UNIQUE INDEX deliveries_provider_message ON deliveries(provider_message_id)
        WHERE provider_message_id IS NOT NULL;
      CREATE INDEX deliveries_awaiting_receipt ON deliveries(sent_at) WHERE channel = 'sms' AND state = 'sent';
      CREATE INDEX deliveries_failed ON deliveries(failed_at DESC) WHERE state = 'failed';
      CREATE INDEX deliveries_coalesced_into ON deliveries(coalesced_into) WHERE coalesced_into IS NOT NULL;

      -- A delivery receipt (SMS) updates the attempt that sent the message; carried: deliveries it summarised.
      ALTER TABLE delivery_attempts
        ADD COLUMN provider_status text,
        ADD COLUMN status_at timestamptz,
        ADD COLUMN carried int NOT NULL DEFAULT 0;

      -- Every status the provider reported (or the notifier concluded: no receipt in time) for a message.
      CREATE TABLE delivery_receipts (
        id bigserial PRIMARY KEY,
        delivery_id uuid REFERENCES deliveries(id),
        provider_message_id text NOT NULL,
        status text NOT NULL,
        error_code text,
        source text NOT NULL CHECK (source IN ('provider', 'notifier')),
        received_at timestamptz NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}'
      );
      CREATE INDEX delivery_receipts_delivery ON delivery_receipts(delivery_id, received_at);

      -- The closed loop: who acknowledged, how, and which message led to it. A link is good for one.
      CREATE TABLE alert_acknowledgements (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        alert_id uuid NOT NULL REFERENCES alerts(id),
        user_id uuid NOT NULL REFERENCES users(id),
        acknowledged_at timestamptz NOT NULL,
        via text NOT NULL CHECK (via IN ('link', 'api')),
        delivery_id uuid REFERENCES deliveries(id),
        notification_id uuid REFERENCES notifications(id),
        note text
      );
      CREATE INDEX alert_acknowledgements_alert ON alert_acknowledgements(alert_id, acknowledged_at);
      CREATE UNIQUE INDEX alert_acknowledgements_link_once ON alert_acknowledgements(delivery_id) WHERE via = 'link';

      CREATE TABLE contact_verifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        contact_point_id uuid NOT NULL REFERENCES contact_points(id) ON DELETE CASCADE,
        channel text NOT NULL CHECK (channel IN ('email', 'sms')),
        address text NOT NULL,
        state text NOT NULL DEFAULT 'requested'
          CHECK (state IN ('requested', 'sent', 'confirmed', 'failed', 'expired', 'superseded')),
        requested_at timestamptz NOT NULL,
        requested_by uuid REFERENCES users(id),
        expires_at timestamptz NOT NULL,
        queued_at timestamptz,
        sent_at timestamptz,
        send_attempts int NOT NULL DEFAULT 0,
        provider_response text,
        confirm_attempts int NOT NULL DEFAULT 0,
        confirmed_at timestamptz,
        confirmed_by uuid REFERENCES users(id)
      );
      CREATE INDEX contact_verifications_contact ON contact_verifications(contact_point_id, requested_at DESC);
      CREATE INDEX contact_verifications_unsent ON contact_verifications(requested_at) WHERE state = 'requested';
      CREATE TRIGGER contact_verifications_pending AFTER INSERT ON contact_verifications
        FOR EACH STATEMENT EXECUTE FUNCTION notify_notification_pending();

      -- The daily digest of informational alerts, one per site and local digest time.
      CREATE TABLE digests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id text NOT NULL REFERENCES sites(id),
        scheduled_for timestamptz NOT NULL,
        period_start timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        UNIQUE (site_id, scheduled_for)
      );
      CREATE TABLE digest_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        digest_id uuid NOT NULL REFERENCES digests(id),
        user_id uuid NOT NULL REFERENCES users(id),
        contact_point_id uuid NOT NULL REFERENCES contact_points(id),
        address text NOT NULL,
        alert_count int NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        sent_at timestamptz,
        last_error text,
        provider_response text,
        UNIQUE (digest_id, contact_point_id)
      );
      CREATE INDEX digest_deliveries_pending ON digest_deliveries(digest_id) WHERE state = 'pending';
    `);
    await q.query(
      `INSERT INTO escalation_policies (care_team_id, version, definition, note) VALUES (NULL, 1, $1, $2)`,
      [
        JSON.stringify(DEFAULT_POLICY),
        'default policy: on-duty clinician, whole team, safety officers; 15 min (critical) or 24 h (warning) a tier',
      ],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE digest_deliveries, digests, contact_verifications, alert_acknowledgements, delivery_receipts,
        alert_escalations CASCADE;
      DROP TRIGGER IF EXISTS alert_routes_pin_escalation_policy ON alert_routes;
      DROP TRIGGER IF EXISTS alerts_pin_escalation_policy ON alerts;
      DROP FUNCTION IF EXISTS alert_routes_pin_escalation_policy();
      DROP FUNCTION IF EXISTS alerts_pin_escalation_policy();
      ALTER TABLE delivery_attempts DROP COLUMN provider_status, DROP COLUMN status_at, DROP COLUMN carried;
      ALTER TABLE deliveries DROP COLUMN not_before, DROP COLUMN group_key, DROP COLUMN generation,
        DROP COLUMN claimed_at, DROP COLUMN lease_until, DROP COLUMN coalesced_into, DROP COLUMN fallback_of,
        DROP COLUMN held_reason, DROP COLUMN provider_message_id, DROP COLUMN provider_status,
        DROP COLUMN delivered_at, DROP COLUMN failed_at, DROP COLUMN replayed_at, DROP COLUMN replayed_by,
        DROP COLUMN replay_queued_at;
      ALTER TABLE alerts DROP COLUMN escalation_policy_id;
      DROP FUNCTION IF EXISTS escalation_policy_in_force(uuid);
      DROP TABLE escalation_policies;
      ALTER TABLE care_team_members DROP COLUMN on_duty;
    `);
  }
}
