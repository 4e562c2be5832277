import { embeddedSecrets } from '@alem/local-stack';
import { loadConfig } from '@alem/runtime';
import { startAdminApi, type AdminApi } from '../support/admin-api';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** What every response of the admin API says to the browser, and where the OpenAPI documents are served. */
describe('admin API security headers and API documents', () => {
  let db: TestDatabase;
  let overTls: AdminApi; // PUBLIC_BASE_URL https, API_DOCS=false
  let local: AdminApi; // http://localhost, documents as by default outside production

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = {
      ...embeddedSecrets(),
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: db.url,
      KAFKA_BROKERS: '127.0.0.1:9',
    };
    overTls = await startAdminApi(
      loadConfig({ ...env, PUBLIC_BASE_URL: 'https://alerts.hospital.test', API_DOCS: 'false' }),
    );
    local = await startAdminApi(loadConfig(env));
  });

  afterAll(async () => {
    await overTls?.close();
    await local?.close();
    await db?.drop();
  });

  it('sends one CSP, no framing, sniffing, referrer or caching on API answers and console pages alike', async () => {
    for (const path of ['/api/v1/auth/me', '/health/live', '/alerts/ABCD-1234']) {
      const res = await local.http().get(path).set('Accept', 'text/html,application/json');
      const csp = res.headers['content-security-policy'];
      expect({ path, csp }).toEqual({ path, csp: expect.stringContaining("script-src 'self'") });
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('pins TLS (HSTS) only when the API is reached over https', async () => {
    const tls = await overTls.http().get('/health/live');
    expect(tls.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    const plain = await local.http().get('/health/live');
    expect(plain.headers['strict-transport-security']).toBeUndefined();
  });

  it('serves the OpenAPI UI and documents only when enabled, and not by default in production', async () => {
    expect((await local.http().get('/api/docs-json')).status).toBe(200);
    expect((await local.http().get('/api/docs/')).status).toBe(200);
    for (const path of ['/api/docs', '/api/docs/', '/api/docs-json', '/api/docs-yaml']) {
      const res = await overTls.http().get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    const production = loadConfig({ ...embeddedSecrets(), NODE_ENV: 'production' });
    expect(production.api.docs).toBe(false);
  });
});
