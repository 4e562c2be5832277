import { DataSource } from 'typeorm';
import { embeddedSecrets } from '@alem/local-stack';
import { loadConfig } from '@alem/runtime';
import { seedUser, startAdminApi, TEST_PASSWORD, type AdminApi } from '../support/admin-api';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** Rate limits over real HTTP: sign-in strictly per client address, the whole API more loosely. */
describe('admin API throttling', () => {
  let db: TestDatabase;
  let api: AdminApi;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startAdminApi(
      loadConfig({
        NODE_ENV: 'test',
        ...embeddedSecrets(),
        LOG_LEVEL: 'silent',
        DATABASE_URL: db.url,
        KAFKA_BROKERS: '127.0.0.1:9',
        LOGIN_RATE_LIMIT_PER_MINUTE: '3',
        API_RATE_LIMIT_PER_MINUTE: '12',
      }),
    );
    await seedUser(api.app.get(DataSource), { email: 'admin@hospital.test', roles: ['admin'] });
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('refuses the fourth sign-in within a minute from one address, even with the right password', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await api
        .http()
        .post('/api/v1/auth/login')
        .send({ email: 'admin@hospital.test', password: TEST_PASSWORD });
      statuses.push(res.status);
      if (res.status === 429) expect(res.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('limits every other route per address too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await api.http().get('/health/live')).status);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(12);
    expect(statuses.at(-1)).toBe(429);
  });
});
