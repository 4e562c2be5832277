import { createDataSource } from '@alem/persistence';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** How every app's connections are set up. */
describe('createDataSource', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url, poolSize: 2 });
    await ds.initialize();
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('turns JIT compilation off on every connection (it cost the history read seconds at 10 M results)', async () => {
    // Two transactions at once hold both of the pool's connections, so both are asked.
    const settings = await Promise.all(
      [1, 2].map(() =>
        ds.transaction(async (m) => {
          const [row] = await m.query(`SELECT current_setting('jit') AS jit, pg_backend_pid() AS pid`);
          return row as { jit: string; pid: number };
        }),
      ),
    );
    expect(new Set(settings.map((s) => s.pid)).size).toBe(2);
    expect(settings.map((s) => s.jit)).toEqual(['off', 'off']);
  });
});
