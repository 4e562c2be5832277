import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { APP_ROLE } from '@alem/persistence';
import { createDatabase, databaseUrl, dropDatabase, PG_ADMIN_URL } from '@alem/local-stack';

export interface TestDatabase {
  name: string;
  /** As the superuser (the schema owner's powers and more): tests seed and tamper through it. */
  url: string;
  /**
   * As a login role of this database's own in the apps' group role (`alem_app`), as deployed apps connect
   * (docs/deployment.md "Database roles"); created on first call, dropped with the database.
   */
  appRoleUrl(): Promise<string>;
  drop(): Promise<void>;
}

/** Runs one statement as the cluster's admin (outside any test database: roles, database settings). */
export async function asAdmin(sql: string, params: unknown[] = []): Promise<void> {
  const client = new Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/** A database of the test file's own, copied from the run's migrated template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const run = process.env.ALEM_TEST_RUN;
  const template = process.env.ALEM_TEST_TEMPLATE_DB;
  if (!run || !template) throw new Error('the integration global setup did not run');
  const name = `${run}_${randomBytes(3).toString('hex')}`;
  const url = await createDatabase(name, { template });
  // Roles are cluster-wide: one per test database, so that parallel files and runs never share one.
  const login = `${name}_app`;
  let appUrl: string | null = null;
  return {
    name,
    url,
    async appRoleUrl() {
      if (appUrl) return appUrl;
      await asAdmin(`CREATE ROLE ${login} LOGIN IN ROLE ${APP_ROLE}`);
      const u = new URL(databaseUrl(name));
      u.username = login;
      u.password = '';
      appUrl = u.toString();
      return appUrl;
    },
    async drop() {
      await dropDatabase(name);
      if (appUrl) await asAdmin(`DROP ROLE IF EXISTS ${login}`);
    },
  };
}
