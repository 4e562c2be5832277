import { createDataSource } from '@alem/persistence';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** The schema comes from migrations only; the entities must describe exactly what the migrations build. */
describe('database schema', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('has no difference between the migrated schema and the entities', async () => {
    const ds = createDataSource({ url: db.url });
    await ds.initialize();
    try {
      const pending = await ds.driver.createSchemaBuilder().log();
      // Constraints, checks, partial indexes and triggers live in the migrations only (the entities do not
      // declare them); tables and columns must match exactly.
      const relevant = pending.upQueries
        .map((q) => q.query)
        .filter((q) => /CREATE TABLE|DROP TABLE|ADD COLUMN|ADD "|DROP COLUMN|ALTER COLUMN/.test(q));
      expect(relevant).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  it('refuses a second open alert for the same patient and rule', async () => {
    const ds = createDataSource({ url: db.url });
    await ds.initialize();
    try {
      await ds.query(
        `INSERT INTO alerts (reference, rule_id, kind, severity, dedup_key, rule_set_version, explanation) VALUES ('AAAA-0001', 'PLT-3', 'breach', 'critical', 'p|PLT-3', 'v', '{}')`,
      );
      await expect(
        ds.query(
          `INSERT INTO alerts (reference, rule_id, kind, severity, dedup_key, rule_set_version, explanation) VALUES ('AAAA-0002', 'PLT-3', 'breach', 'critical', 'p|PLT-3', 'v', '{}')`,
        ),
      ).rejects.toThrow(/alerts_open_dedup/);
      await ds.query(`UPDATE alerts SET state = 'resolved' WHERE reference = 'AAAA-0001'`);
      await ds.query(
        `INSERT INTO alerts (reference, rule_id, kind, severity, dedup_key, rule_set_version, explanation) VALUES ('AAAA-0003', 'PLT-3', 'breach', 'critical', 'p|PLT-3', 'v', '{}')`,
      );
    } finally {
      await ds.destroy();
    }
  });
});
