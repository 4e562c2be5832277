import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The audit log (ASTM E2147 fields; ONC 170.315(d)(2)/(d)(3)): append-only and hash-chained.
 *
 * - A BEFORE INSERT trigger takes a transaction-scoped advisory lock, numbers the row (`seq` = last + 1) and
 *   computes `prev_hash` and `hash` = sha256(prev_hash || canonical content) in SQL. Writers therefore form
 *   one chain in `seq` order whatever order their transactions commit in; the lock is held to the writer's
 *   commit, so audit rows are written last in a transaction (the repository's rule).
 * - UPDATE, DELETE and TRUNCATE are refused by triggers that fire ALWAYS, even under
 *   `session_replication_role = replica`. Only the table owner or a superuser can disable them, and then the
 *   chain shows what changed (`GET /audit/verify`, `npm run audit:verify`).
 * - The canonical content is the fields in a fixed order, each as `<octets>:<text>|` (`-|` for null), with
 *   the time in UTC to the millisecond; libs/persistence/src/audit/audit-chain.ts computes the same in
 *   TypeScript, so verification does not trust the database's own function.
 */
export class AuditLog1732300008000 implements MigrationInterface {
  name = 'AuditLog1732300008000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        seq bigint NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        actor_type text NOT NULL CHECK (actor_type IN ('user', 'api-key', 'system', 'anonymous')),
        actor_id text,
        actor_label text,
        action text NOT NULL,
        entity_type text,
        entity_id text,
        patient_id uuid,
        data_category text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
        source_ip text,
        user_agent text,
        detail jsonb NOT NULL DEFAULT '{}',
        prev_hash text NOT NULL,
        hash text NOT NULL,
        CONSTRAINT audit_log_seq UNIQUE (seq)
      );
      CREATE INDEX audit_log_occurred ON audit_log(occurred_at);
      CREATE INDEX audit_log_patient ON audit_log(patient_id, occurred_at) WHERE patient_id IS NOT NULL;
      CREATE INDEX audit_log_actor ON audit_log(actor_id, occurred_at);
      CREATE INDEX audit_log_entity ON audit_log(entity_type, entity_id, occurred_at);

      CREATE FUNCTION audit_log_field(value text) RETURNS text IMMUTABLE LANGUAGE sql AS $$
        SELECT CASE WHEN value IS NULL THEN '-|' ELSE octet_length(value)::text || ':' || value || '|' END
      $$;

      CREATE FUNCTION audit_log_canonical(r audit_log) RETURNS text STABLE LANGUAGE sql AS $$
        SELECT 'audit.v1|'
          || audit_log_field(r.seq::text)
          || audit_log_field(r.id::text)
          || audit_log_field(to_char(r.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
          || audit_log_field(r.actor_type)
          || audit_log_field(r.actor_id)
          || audit_log_field(r.actor_label)
          || audit_log_field(r.action)
          || audit_log_field(r.entity_type)
          || audit_log_field(r.entity_id)
          || audit_log_field(r.patient_id::text)
          || audit_log_field(r.data_category)
          || audit_log_field(r.outcome)
          || audit_log_field(r.source_ip)
          || audit_log_field(r.user_agent)
          || audit_log_field(r.detail::text)
      $$;

      CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        last_seq bigint;
        last_hash text;
      BEGIN
        -- Under a snapshot older than the lock the last row may be invisible; refuse rather than fork the chain.
        IF current_setting('transaction_isolation') <> 'read committed' THEN
          RAISE EXCEPTION 'audit_log rows must be written under READ COMMITTED (is %)',
            current_setting('transaction_isolation');
        END IF;
        -- One chain: writers queue here until the previous writer's transaction ends (2147300008 = this issue).
        PERFORM pg_advisory_xact_lock(2147300008);
        SELECT seq, hash INTO last_seq, last_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
        NEW.seq := coalesce(last_seq, 0) + 1;
        NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
        -- Milliseconds, so that the time reads back exactly in any client.
        NEW.occurred_at := date_trunc('milliseconds', coalesce(NEW.occurred_at, now()));
        NEW.detail := coalesce(NEW.detail, '{}'::jsonb);
        NEW.hash := encode(sha256(convert_to(NEW.prev_hash || audit_log_canonical(NEW), 'UTF8')), 'hex');
        RETURN NEW;
      END $$;
      CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

      CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
      -- Fire even for replication sessions (session_replication_role = replica), which skip ordinary triggers.
      ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_chain;
      ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_append_only;
      ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_truncate;

      -- Nobody but the owner gets to change rows. The apps should connect as a role that does not own the
      -- schema, granted only INSERT and SELECT here (README "Admin API"): then even disabling the triggers is
      -- out of their reach.
      REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE audit_log CASCADE;
      DROP FUNCTION IF EXISTS audit_log_chain();
      DROP FUNCTION IF EXISTS audit_log_refuse_change();
      DROP FUNCTION IF EXISTS audit_log_field(text);
    `);
  }
}
