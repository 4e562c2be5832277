import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * What the rule engine reads besides results: clinical flags of a patient (pregnancy for TSH-3, known
 * haemophilia, a recorded bleeding event and heparin for COAG), and each site's overrides of the rule sets,
 * versioned (a change is a new version; the latest applies) with the reason and the author.
 */
export class ClinicalContext1732300005000 implements MigrationInterface {
  name = 'ClinicalContext1732300005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE patients ADD COLUMN clinical_flags jsonb NOT NULL DEFAULT '{}'
        CHECK (jsonb_typeof(clinical_flags) = 'object');

      CREATE TABLE rule_overrides (
        id bigserial PRIMARY KEY,
        site_id text NOT NULL REFERENCES sites(id),
        indication text NOT NULL CHECK (indication IN ('MS', 'CLL')),
        version int NOT NULL CHECK (version >= 1),
        -- [{ ruleId, thresholds?, severity?, tiers?, enabled? }]: the whole override list of this version.
        overrides jsonb NOT NULL CHECK (jsonb_typeof(overrides) = 'array'),
        reason text NOT NULL CHECK (length(reason) >= 3),
        created_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (site_id, indication, version)
      );
      CREATE FUNCTION notify_rule_overrides_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('rule_overrides_changed', '');
        RETURN NULL;
      END $$;
      CREATE TRIGGER rule_overrides_changed AFTER INSERT OR UPDATE OR DELETE ON rule_overrides
        FOR EACH STATEMENT EXECUTE FUNCTION notify_rule_overrides_changed();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE rule_overrides;
      DROP FUNCTION IF EXISTS notify_rule_overrides_changed();
      ALTER TABLE patients DROP COLUMN clinical_flags;
    `);
  }
}
