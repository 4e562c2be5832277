import { createDataSource, RefreshingCache } from '@alem/persistence';
import { waitFor } from '@alem/local-stack';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** The caches the processor keeps (enrolment, code mappings, rule sets) follow the database through NOTIFY. */
describe('RefreshingCache', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url });
    await ds.initialize();
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('reloads when its channel is notified, and keeps the previous value when a reload fails', async () => {
    const errors: string[] = [];
    let fail = false;
    const cache = new RefreshingCache({
      name: 'mappings',
      databaseUrl: db.url,
      channel: 'code_mappings_changed',
      refreshMs: 3_600_000,
      load: async () => {
        if (fail) throw new Error('contradictory mapping');
        return (
          (await ds.query(`SELECT code FROM code_mappings ORDER BY code`)) as Array<{ code: string }>
        ).map((r) => r.code);
      },
      onError: (message) => errors.push(message),
    });
    await cache.start();
    try {
      expect(cache.value).toEqual([]);
      await ds.query(
        `INSERT INTO code_mappings (sender, code_system, code, loinc) VALUES ('LIS^LAB', 'L', 'PLT', '777-3')`,
      );
      await waitFor(() => cache.value.length === 1, { description: 'the cache to follow the insert' });
      expect(cache.value).toEqual(['PLT']);

      fail = true;
      await ds.query(
        `INSERT INTO code_mappings (sender, code_system, code, loinc) VALUES ('LIS^LAB', 'L', 'WBC', '6690-2')`,
      );
      await waitFor(() => errors.length > 0, { description: 'the failed reload to be reported' });
      expect(cache.value).toEqual(['PLT']);
      expect(errors[0]).toBe('mappings: reload failed, keeping the previous value: contradictory mapping');
    } finally {
      await cache.stop();
    }
  });
});
