import { DataSource } from 'typeorm';
import { AuditRepository, createDataSource } from '@alem/persistence';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * The apps' database role (`alem_app`, docs/deployment.md "Database roles"): it does the apps' work, appends to and reads
 * the audit log, and can neither change audit rows nor reach around the triggers that refuse changes.
 */
describe('the apps’ database role', () => {
  let db: TestDatabase;
  let app: DataSource;
  let audit: AuditRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = createDataSource({ url: await db.appRoleUrl(), poolSize: 2 });
    await app.initialize();
    audit = new AuditRepository(app);
  });

  afterAll(async () => {
    await app?.destroy();
    await db?.drop();
  });

  it('does the apps’ work: writes tables, appends audit rows and verifies the chain', async () => {
    await app.query(`INSERT INTO sites (id, name, time_zone) VALUES ('site-r', 'Role site', 'UTC')`);
    await app.query(`UPDATE sites SET name = 'Role site, renamed' WHERE id = 'site-r'`);
    await audit.appendAlone([
      {
        actor: { type: 'system', id: 'test', label: 'test' },
        action: 'site.update',
        entityType: 'site',
        entityId: 'site-r',
        dataCategory: 'configuration',
      },
    ]);
    expect(await audit.verify()).toMatchObject({ ok: true, rowsChecked: 1 });
  });

  it.each([
    ['UPDATE', `UPDATE audit_log SET action = 'x'`, /permission denied for table audit_log/],
    ['DELETE', `DELETE FROM audit_log`, /permission denied for table audit_log/],
    ['TRUNCATE', `TRUNCATE audit_log`, /permission denied for table audit_log/],
    [
      'disable a trigger',
      `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`,
      /must be owner of (table|relation) audit_log/,
    ],
    [
      'drop a trigger',
      `DROP TRIGGER audit_log_append_only ON audit_log`,
      /must be owner of (table|relation) audit_log/,
    ],
    [
      'alter the table',
      `ALTER TABLE audit_log ADD COLUMN note text`,
      /must be owner of (table|relation) audit_log/,
    ],
    [
      'replace the trigger function',
      `CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`,
      /permission denied for schema public|must be owner of function/,
    ],
    ['skip triggers as a replica', `SET session_replication_role = replica`, /permission denied/],
    ['create a table', `CREATE TABLE audit_log_copy (id int)`, /permission denied for schema public/],
    [
      'write the migration history',
      `DELETE FROM migrations WHERE name = 'AppRole1732300014000'`,
      /permission denied for table migrations/,
    ],
  ])('refuses to %s', async (_what, sql, error) => {
    await expect(app.query(sql)).rejects.toThrow(error);
  });

  it('leaves the chain as it was', async () => {
    expect(await audit.verify()).toMatchObject({ ok: true, rowsChecked: 1 });
  });
});
