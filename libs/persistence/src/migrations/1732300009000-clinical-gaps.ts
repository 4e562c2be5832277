import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * What the rule engine needs to know about a stored result beyond its value (issue 11):
 * - `reported_unit`: the UCUM code the lab reported the value in, so a threshold written in that unit system is
 *   judged in it (clinical rules §2: 26.5 µmol/L beside 0.3 mg/dL);
 * - `order_id`: the order (OBR-2/3) the observation belongs to: with the collection time, the specimen that a
 *   differential's percentages and its WBC share;
 * - `derived_from`, `derivation`: a count the processor derived (ANC = WBC × neutrophils %/100, §4.1) names its
 *   inputs and says how; when an input is corrected or deleted, the derived count is withdrawn;
 * - `review_hold`: why a data-quality rule holds the result from grading (DD-4: an implausible jump), and
 *   `released_at/_by/_reason`: the reviewer who released it, after which it was graded once;
 * - an index on `alerts.dedup_key` in any state: DQ-2 raises its alert once per course and analyte, ever.
 */
export class ClinicalGaps1732300009000 implements MigrationInterface {
  name = 'ClinicalGaps1732300009000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE results
        ADD COLUMN reported_unit text,
        ADD COLUMN order_id text,
        ADD COLUMN derived_from bigint[],
        ADD COLUMN derivation text,
        ADD COLUMN review_hold text,
        ADD COLUMN released_at timestamptz,
        ADD COLUMN released_by uuid REFERENCES users(id),
        ADD COLUMN release_reason text,
        ADD CONSTRAINT results_derivation_explained CHECK ((derived_from IS NULL) = (derivation IS NULL)),
        ADD CONSTRAINT results_release_complete
          CHECK ((released_at IS NULL) = (release_reason IS NULL) AND (released_at IS NULL OR review_hold IS NOT NULL));
      -- Derived counts by input: the few rows to withdraw when an input is corrected or deleted.
      CREATE INDEX results_derived_from ON results USING gin (derived_from) WHERE derived_from IS NOT NULL;
      -- Alerts raised once per identity (DQ-2) look for one in any state, resolved included.
      CREATE INDEX alerts_dedup_key ON alerts (dedup_key);
      -- Results waiting for a reviewer.
      CREATE INDEX results_review_hold ON results (patient_id) WHERE review_hold IS NOT NULL AND released_at IS NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX alerts_dedup_key;
      ALTER TABLE results
        DROP CONSTRAINT results_release_complete,
        DROP CONSTRAINT results_derivation_explained,
        DROP COLUMN release_reason, DROP COLUMN released_by, DROP COLUMN released_at, DROP COLUMN review_hold,
        DROP COLUMN derivation, DROP COLUMN derived_from, DROP COLUMN order_id, DROP COLUMN reported_unit;
    `);
  }
}
