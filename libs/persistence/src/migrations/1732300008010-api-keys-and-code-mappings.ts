import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * API keys of labs and interface engines (stored as hashes; a key belongs to one sender) and the per-sender
 * code mappings (a lab's local code in its coding system → LOINC, optional default unit) that the result
 * normaliser reads.
 */
export class ApiKeysAndCodeMappings1732300008010 implements MigrationInterface {
  name = 'ApiKeysAndCodeMappings1732300008010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- id is the public half of the key (alem_<id>_<secret>); only the secret's SHA-256 is kept.
      CREATE TABLE api_keys (
        id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
        sender text NOT NULL,
        description text NOT NULL,
        secret_hash text NOT NULL,
        roles text[] NOT NULL DEFAULT '{integration}',
        created_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        revoked_by uuid REFERENCES users(id)
      );
      CREATE INDEX api_keys_sender ON api_keys(sender);

      -- The sender is written as the events and MSH name it: APPLICATION^FACILITY ('LIS^CENTRAL-LAB').
      -- analyte is for the few catalogue analytes without a LOINC code; one of loinc and analyte is required.
      CREATE TABLE code_mappings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        sender text NOT NULL,
        code_system text NOT NULL,
        code text NOT NULL,
        loinc text,
        analyte text,
        unit text,
        created_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz,
        CONSTRAINT code_mappings_key UNIQUE (sender, code_system, code),
        CONSTRAINT code_mappings_target CHECK (loinc IS NOT NULL OR analyte IS NOT NULL)
      );
      -- Whoever caches the mappings (the normaliser) LISTENs here, as the enrolment cache does on its channel.
      CREATE FUNCTION notify_code_mappings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('code_mappings_changed', '');
        RETURN NULL;
      END $$;
      CREATE TRIGGER code_mappings_changed AFTER INSERT OR UPDATE OR DELETE ON code_mappings
        FOR EACH STATEMENT EXECUTE FUNCTION notify_code_mappings_changed();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE code_mappings, api_keys;
      DROP FUNCTION IF EXISTS notify_code_mappings_changed();
    `);
  }
}
