import { Client } from 'pg';
import { migrate } from '@alem/persistence';

/** Where databases are created and dropped: the local server, trust authentication. */
export const PG_ADMIN_URL = process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string, adminUrl = PG_ADMIN_URL): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(fn: (client: Client) => Promise<T>, adminUrl = PG_ADMIN_URL): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function assertName(name: string): string {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  return name;
}

export async function dropDatabase(name: string, adminUrl = PG_ADMIN_URL): Promise<void> {
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${assertName(name)} WITH (FORCE)`), adminUrl);
}

/** Creates a database (optionally as a copy of a template) and returns its URL. */
export async function createDatabase(
  name: string,
  options: { template?: string; adminUrl?: string } = {},
): Promise<string> {
  const adminUrl = options.adminUrl ?? PG_ADMIN_URL;
  await withAdmin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${assertName(name)} WITH (FORCE)`);
    await c.query(
      `CREATE DATABASE ${assertName(name)}${options.template ? ` TEMPLATE ${assertName(options.template)}` : ''}`,
    );
  }, adminUrl);
  return databaseUrl(name, adminUrl);
}

/** Creates a fresh database and applies every migration. */
export async function createMigratedDatabase(name: string, adminUrl = PG_ADMIN_URL): Promise<string> {
  const url = await createDatabase(name, { adminUrl });
  await migrate({ url });
  return url;
}

export async function listDatabases(prefix: string, adminUrl = PG_ADMIN_URL): Promise<string[]> {
  return withAdmin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`${prefix}%`],
    );
    return rows.map((r) => r.datname);
  }, adminUrl);
}
