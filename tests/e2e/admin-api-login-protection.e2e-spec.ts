import { DataSource } from 'typeorm';
import { embeddedSecrets } from '@alem/local-stack';
import { loadConfig } from '@alem/runtime';
import { GENEROUS_LIMITS, seedUser, startAdminApi, TEST_PASSWORD, type AdminApi } from '../support/admin-api';
import { redisNamespace } from '../support/redis-namespace';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * Sign-in protection behind one reverse proxy (TRUST_PROXY_HOPS=1), over real HTTP, Postgres and Redis. The
 * proxy appends the client's real address to X-Forwarded-For; whatever the client wrote there before is
 * forged. Two API instances share one Redis, as a deployment with several would.
 */
describe('admin API sign-in protection', () => {
  const LOCKOUT_FAILURES = 3;
  let db: TestDatabase;
  const redis = redisNamespace();
  let strict: AdminApi; // LOGIN_RATE_LIMIT_PER_MINUTE 4
  let twin: AdminApi; // the same configuration and Redis: a second instance
  let generous: AdminApi; // no rate limit in the way: only the lockout
  let ds: DataSource;

  const env = (extra: Record<string, string>) =>
    loadConfig({
      ...embeddedSecrets(),
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: db.url,
      KAFKA_BROKERS: '127.0.0.1:9',
      TRUST_PROXY_HOPS: '1',
      LOGIN_LOCKOUT_FAILURES: String(LOCKOUT_FAILURES),
      ...extra,
    });
  /** A request as the proxy forwards it: the client's own header, then the address the proxy saw. */
  const via = (client: string, forged?: string) => ({
    'X-Forwarded-For': forged ? `${forged}, ${client}` : client,
  });
  const login = (api: AdminApi, client: string, email: string, password: string, forged?: string) =>
    api.http().post('/api/v1/auth/login').set(via(client, forged)).send({ email, password });

  const loginRows = (email: string) =>
    ds.query(
      `SELECT outcome, source_ip, detail->>'reason' AS reason FROM audit_log
       WHERE action = 'auth.login' AND entity_id = $1 ORDER BY seq`,
      [email],
    ) as Promise<Array<{ outcome: string; source_ip: string; reason: string | null }>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    const shared = {
      API_RATE_LIMIT_PER_MINUTE: '100000',
      LOGIN_RATE_LIMIT_PER_MINUTE: '4',
      REDIS_PREFIX: redis.prefix,
    };
    strict = await startAdminApi(env(shared));
    twin = await startAdminApi(env(shared));
    generous = await startAdminApi(env({ ...GENEROUS_LIMITS }));
    ds = generous.app.get(DataSource);
    await seedUser(ds, { email: 'admin@hospital.test', roles: ['admin'] });
    await seedUser(ds, { email: 'clin@hospital.test', roles: ['clinician'] });
  });

  afterAll(async () => {
    await strict?.close();
    await twin?.close();
    await generous?.close();
    await redis.clean();
    await db?.drop();
  });

  it('throttles by the address the proxy saw: a forged X-Forwarded-For neither escapes the limit nor is audited', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      // Every request claims another address; the two instances take turns.
      const res = await login(
        i % 2 ? twin : strict,
        '203.0.113.7',
        'admin@hospital.test',
        TEST_PASSWORD,
        `198.51.100.${i}`,
      );
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const rows = await loginRows('admin@hospital.test');
    expect(rows.map((r) => r.source_ip)).toEqual([
      '203.0.113.7',
      '203.0.113.7',
      '203.0.113.7',
      '203.0.113.7',
    ]);

    // Another client behind the same proxy is not affected.
    expect((await login(strict, '203.0.113.8', 'admin@hospital.test', TEST_PASSWORD)).status).toBe(200);
  });

  it('counts the console sign-in and the token login against one budget', async () => {
    const session = () =>
      strict
        .http()
        .post('/api/v1/auth/session')
        .set(via('203.0.113.9'))
        .send({ email: 'admin@hospital.test', password: TEST_PASSWORD });
    const statuses = [
      (await login(strict, '203.0.113.9', 'admin@hospital.test', TEST_PASSWORD)).status,
      (await session()).status,
      (await login(twin, '203.0.113.9', 'admin@hospital.test', TEST_PASSWORD)).status,
      (await session()).status,
      (await session()).status,
    ];
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });

  it('checks at most LOGIN_LOCKOUT_FAILURES passwords of a parallel burst, and locks the rest out', async () => {
    const email = 'burst@hospital.test';
    await seedUser(ds, { email, roles: ['clinician'] });
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login(generous, '192.0.2.50', email, `wrong-guess-${i}`)),
    );
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(LOCKOUT_FAILURES);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20 - LOCKOUT_FAILURES);
    const rows = await loginRows(email);
    expect(rows.filter((r) => r.outcome === 'failure')).toHaveLength(LOCKOUT_FAILURES);
    expect(rows.filter((r) => r.outcome === 'denied' && r.reason === 'locked-out')).toHaveLength(
      20 - LOCKOUT_FAILURES,
    );
    // The right password does not help at a locked address.
    expect((await login(generous, '192.0.2.50', email, TEST_PASSWORD)).status).toBe(429);
  });

  it('does not let a stranger lock a clinician out at the clinician’s own address', async () => {
    for (let i = 0; i < LOCKOUT_FAILURES + 2; i++) {
      await login(generous, '192.0.2.66', 'clin@hospital.test', `stranger-guess-${i}`);
    }
    expect((await login(generous, '192.0.2.66', 'clin@hospital.test', TEST_PASSWORD)).status).toBe(429);
    expect((await login(generous, '10.1.2.3', 'clin@hospital.test', TEST_PASSWORD)).status).toBe(200);
  });

  it('lets an admin lift a lockout, and audits it', async () => {
    const email = 'locked@hospital.test';
    const userId = await seedUser(ds, { email, roles: ['clinician'] });
    for (let i = 0; i < LOCKOUT_FAILURES; i++) await login(generous, '192.0.2.77', email, `typo-${i}-typo`);
    expect((await login(generous, '192.0.2.77', email, TEST_PASSWORD)).status).toBe(429);

    const adminToken = await generous.login('admin@hospital.test');
    const asClinician = await generous
      .http()
      .post(`/api/v1/users/${userId}/unlock`)
      .set('Authorization', `Bearer ${await generous.login('clin@hospital.test')}`);
    expect(asClinician.status).toBe(403);
    const unlocked = await generous
      .http()
      .post(`/api/v1/users/${userId}/unlock`)
      .set('Authorization', `Bearer ${adminToken}`);
    expect(unlocked.status).toBe(200);
    expect(unlocked.body).toEqual({ id: userId, unlockedAddresses: 1 });
    const [audit] = await ds.query(
      `SELECT actor_type, outcome, detail FROM audit_log WHERE action = 'user.unlock' AND entity_id = $1`,
      [userId],
    );
    expect(audit).toEqual({ actor_type: 'user', outcome: 'success', detail: { unlockedAddresses: 1 } });

    expect((await login(generous, '192.0.2.77', email, TEST_PASSWORD)).status).toBe(200);
  });
});

describe('admin API without Redis', () => {
  let db: TestDatabase;
  let api: AdminApi;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startAdminApi(
      loadConfig({
        ...embeddedSecrets(),
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: db.url,
        KAFKA_BROKERS: '127.0.0.1:9',
        REDIS_URL: 'redis://127.0.0.1:1/0', // nothing listens there
        REDIS_PREFIX: 'alem-test-no-redis',
      }),
    );
    await seedUser(api.app.get(DataSource), { email: 'admin@hospital.test', roles: ['admin'] });
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('says Redis is down on /health, serves the rest, and refuses sign-in (503) rather than count nothing', async () => {
    // The general per-address limit lets requests through while its counters are out of reach.
    expect((await api.http().get('/health/live')).status).toBe(200);
    const health = await api.http().get('/health');
    expect(health.status).toBe(503);
    expect(health.body.error).toMatchObject({ redis: { status: 'down' } });
    const login = await api
      .http()
      .post('/api/v1/auth/login')
      .send({ email: 'admin@hospital.test', password: TEST_PASSWORD });
    expect(login.status).toBe(503);
    expect(login.body).toMatchObject({ statusCode: 503 });
  });
});
