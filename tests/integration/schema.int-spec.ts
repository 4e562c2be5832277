import { createDataSource, SERIAL, TABLES } from '@alem/persistence';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * The schema comes from migrations only; the table declarations (`libs/persistence/src/tables`), which the row
 * types derive from, must describe exactly what the migrations build: the same tables, and in each the same
 * columns, of the same types, taking NULL or not, with the same defaults. Constraints, checks, indexes and
 * triggers live in the migrations only.
 */
describe('database schema', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('has no difference between the migrated schema and the table declarations', async () => {
    const ds = createDataSource({ url: db.url });
    await ds.initialize();
    try {
      const columns: Array<{
        table_name: string;
        column_name: string;
        udt_name: string;
        is_nullable: 'YES' | 'NO';
        column_default: string | null;
      }> = await ds.query(
        `SELECT table_name, column_name, udt_name, is_nullable, column_default FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name <> 'migrations'`,
      );
      const describe = (table: string, column: string, type: string, nullable: boolean, def: string | null) =>
        `${table}.${column} ${type}${nullable ? ' NULL' : ' NOT NULL'}${def === null ? '' : ` DEFAULT ${def}`}`;
      const migrated = columns.map((c) =>
        describe(
          c.table_name,
          c.column_name,
          c.udt_name,
          c.is_nullable === 'YES',
          c.column_default === `nextval('${c.table_name}_${c.column_name}_seq'::regclass)`
            ? SERIAL
            : c.column_default,
        ),
      );
      const declared = TABLES.flatMap((t) =>
        Object.entries(t.columns).map(([name, c]) => describe(t.name, name, c.type, c.nullable, c.default)),
      );
      expect(new Set(TABLES.map((t) => t.name)).size).toBe(TABLES.length);
      expect({
        declaredOnly: declared.filter((d) => !migrated.includes(d)),
        migratedOnly: migrated.filter((m) => !declared.includes(m)),
      }).toEqual({ declaredOnly: [], migratedOnly: [] });
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
