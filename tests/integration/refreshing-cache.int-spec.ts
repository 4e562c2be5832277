import { createDataSource, RefreshingCache } from '@alem/persistence';
import { waitFor } from '@alem/local-stack';
import { DataSource } from 'typeorm';
import { asAdmin, createTestDatabase, type TestDatabase } from '../support/test-database';

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
    await asAdmin(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS true`).catch(() => undefined);
    await ds?.destroy();
    await db?.drop();
  });

  const codes = async (): Promise<string[]> =>
    ((await ds.query(`SELECT code FROM code_mappings ORDER BY code`)) as Array<{ code: string }>).map(
      (r) => r.code,
    );

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

  it('is confirmed only when a load started after the last notification has finished', async () => {
    let release = (): void => undefined;
    let held = 0;
    let hold = false;
    const cache = new RefreshingCache({
      name: 'mappings',
      databaseUrl: db.url,
      channel: 'code_mappings_changed',
      refreshMs: 3_600_000,
      load: async () => {
        if (hold) {
          held++;
          await new Promise<void>((resolve) => (release = resolve));
        }
        return codes();
      },
    });
    await cache.start();
    try {
      expect(cache.confirmed).toBe(true);
      hold = true;
      await ds.query(
        `INSERT INTO code_mappings (sender, code_system, code, loinc) VALUES ('LIS^LAB', 'L', 'HGB', '718-7')`,
      );
      await waitFor(() => held === 1, { description: 'the reload the notification causes to start' });
      expect(cache.value).not.toContain('HGB');
      expect(cache.confirmed).toBe(false);
      hold = false;
      release();
      await waitFor(() => cache.confirmed, { description: 'the cache confirmed after its reload' });
      expect(cache.value).toContain('HGB');
    } finally {
      hold = false;
      release();
      await cache.stop();
    }
    expect(cache.confirmed).toBe(false);
  });

  it('is not confirmed while its listener is cut off from Postgres, and is again once it listens and reloads', async () => {
    const cache = new RefreshingCache({
      name: 'mappings',
      databaseUrl: db.url,
      channel: 'code_mappings_changed',
      refreshMs: 3_600_000,
      load: codes,
      onError: () => undefined,
    });
    await cache.start();
    try {
      expect(cache.confirmed).toBe(true);
      await asAdmin(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS false`);
      try {
        await asAdmin(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'alem-listener'`,
          [db.name],
        );
        await waitFor(() => !cache.confirmed, { description: 'the cache to see its listener gone' });
        // A change it cannot hear of (this test's pool connection is still open).
        await ds.query(
          `INSERT INTO code_mappings (sender, code_system, code, loinc) VALUES ('LIS^LAB', 'L', 'ALT', '1742-6')`,
        );
      } finally {
        await asAdmin(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS true`);
      }
      await waitFor(() => cache.confirmed, { description: 'the listener back and the cache reloaded' });
      expect(cache.value).toContain('ALT');
    } finally {
      await cache.stop();
    }
  });
});
