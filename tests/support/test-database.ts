import { randomBytes } from 'node:crypto';
import { createDatabase, dropDatabase } from '@alem/local-stack';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A database of the test file's own, copied from the run's migrated template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const run = process.env.ALEM_TEST_RUN;
  const template = process.env.ALEM_TEST_TEMPLATE_DB;
  if (!run || !template) throw new Error('the integration global setup did not run');
  const name = `${run}_${randomBytes(3).toString('hex')}`;
  const url = await createDatabase(name, { template });
  return { name, url, drop: () => dropDatabase(name) };
}
