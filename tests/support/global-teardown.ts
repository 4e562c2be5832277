// globalSetup/globalTeardown run outside jest's module mapper: resolve the @alem/* aliases from tsconfig.json.
import 'tsconfig-paths/register';
import { dropDatabase, listDatabases } from '@alem/local-stack';

/** Drops every database this run created, the template included. */
export default async function globalTeardown(): Promise<void> {
  const run = process.env.ALEM_TEST_RUN;
  if (!run) return;
  for (const name of await listDatabases(run)) await dropDatabase(name);
}
