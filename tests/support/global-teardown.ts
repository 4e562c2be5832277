// globalSetup/globalTeardown run outside jest's module mapper: resolve the @alem/* aliases from tsconfig.json.
import 'tsconfig-paths/register';
import { Client } from 'pg';
import { dropDatabase, listDatabases, PG_ADMIN_URL } from '@alem/local-stack';

/** Drops every database this run created, the template included, and the app-role logins of its files. */
export default async function globalTeardown(): Promise<void> {
  const run = process.env.ALEM_TEST_RUN;
  if (!run) return;
  for (const name of await listDatabases(run)) await dropDatabase(name);
  const client = new Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ rolname: string }>(
      `SELECT rolname FROM pg_roles WHERE rolname LIKE $1`,
      [`${run}%`],
    );
    for (const { rolname } of rows) await client.query(`DROP ROLE IF EXISTS "${rolname}"`);
  } finally {
    await client.end();
  }
}
