import { DataSource } from 'typeorm';
import { embeddedSecrets } from '@alem/local-stack';
import { loadConfig, ManualClock } from '@alem/runtime';
import { GENEROUS_LIMITS, seedUser, startAdminApi, TEST_PASSWORD, type AdminApi } from '../support/admin-api';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** The cookies a response sets, by name, with their attributes as written. */
function setCookies(header: string[] | string | undefined): Map<string, string> {
  const all = Array.isArray(header) ? header : header ? [header] : [];
  return new Map(all.map((c) => [c.slice(0, c.indexOf('=')), c]));
}

function valueOf(cookie: string | undefined): string {
  return cookie!.slice(cookie!.indexOf('=') + 1, cookie!.indexOf(';'));
}

/**
 * Console sessions over real HTTP on a real database: an HttpOnly, SameSite=Strict cookie (Secure with the
 * `__Host-` prefix behind TLS), a CSRF token every state-changing request must echo, sign-out that ends the
 * session at once, and an idle timeout, while bearer tokens keep working as before.
 */
describe('admin API: console sessions', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let api: AdminApi;
  let tlsApi: AdminApi;
  // Bearer tokens are verified against the real time; the clock starts there and only the idle test moves it.
  const clock = new ManualClock(new Date());
  let alertId: string;

  const signIn = async (target: AdminApi = api) => {
    const res = await target
      .http()
      .post('/api/v1/auth/session')
      .send({ email: 'clin@hospital.test', password: TEST_PASSWORD });
    expect(res.status).toBe(200);
    return res;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = {
      NODE_ENV: 'test',
      ...embeddedSecrets(),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      DATABASE_URL: db.url,
      KAFKA_BROKERS: '127.0.0.1:9',
      SESSION_IDLE_MINUTES: '30',
      SESSION_MAX_HOURS: '12',
      ...GENEROUS_LIMITS,
    };
    api = await startAdminApi(loadConfig(env), clock);
    tlsApi = await startAdminApi(
      loadConfig({ ...env, PUBLIC_BASE_URL: 'https://alerts.hospital.test' }),
      clock,
    );
    ds = api.app.get(DataSource);
    const clinician = await seedUser(ds, { email: 'clin@hospital.test', roles: ['clinician'] });
    const [site] = await ds.query(`INSERT INTO sites (id, name) VALUES ('s1', 'Site') RETURNING id`);
    const [team] = await ds.query(`INSERT INTO care_teams (site_id, name) VALUES ($1, 'MS') RETURNING id`, [
      site.id,
    ]);
    await ds.query(
      `INSERT INTO care_team_members (care_team_id, user_id, role) VALUES ($1, $2, 'clinician')`,
      [team.id, clinician],
    );
    const [patient] = await ds.query(
      `INSERT INTO patients (site_id, care_team_id, indication, display_name) VALUES ($1, $2, 'MS', 'P') RETURNING id`,
      [site.id, team.id],
    );
    const [alert] = await ds.query(
      `INSERT INTO alerts (reference, patient_id, rule_id, kind, severity, emergency, state, rule_set_version,
                           explanation, dedup_key, opened_at, last_occurrence_at)
       VALUES ('SESS-0001', $1, 'PLT-4', 'breach', 'critical', false, 'open', 'ms-2026.3', '{}', 'k1', $2, $2)
       RETURNING id`,
      [patient.id, clock.now()],
    );
    alertId = alert.id;
  });

  afterAll(async () => {
    await api?.close();
    await tlsApi?.close();
    await db?.drop();
  });

  it('signs in with an HttpOnly, SameSite=Strict session cookie and a readable CSRF cookie, storing only hashes', async () => {
    const res = await signIn();
    const cookies = setCookies(res.headers['set-cookie']);
    const session = cookies.get('alem_session')!;
    const csrf = cookies.get('alem_csrf')!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    expect(session).toMatch(/Path=\//);
    expect(session).not.toMatch(/Secure/); // plain HTTP on the embedded stack
    expect(csrf).not.toMatch(/HttpOnly/);
    expect(csrf).toMatch(/SameSite=Strict/);
    expect(res.body.me).toMatchObject({ kind: 'user', label: 'clin@hospital.test', roles: ['clinician'] });
    expect(JSON.stringify(res.body)).not.toContain(valueOf(session));
    const stored = await ds.query(`SELECT secret_hash, csrf_hash FROM browser_sessions`);
    const bytes = stored.map((r: { secret_hash: Buffer; csrf_hash: Buffer }) => [
      r.secret_hash.toString('latin1'),
      r.csrf_hash.toString('latin1'),
    ]);
    expect(JSON.stringify(bytes)).not.toContain(valueOf(session));
    const [audit] = await ds.query(
      `SELECT detail FROM audit_log WHERE action = 'auth.login' AND outcome = 'success' ORDER BY seq DESC LIMIT 1`,
    );
    expect(audit.detail.via).toBe('session');
  });

  it('behind TLS sets Secure cookies with the __Host- prefix, which the API reads back', async () => {
    const res = await signIn(tlsApi);
    const cookies = setCookies(res.headers['set-cookie']);
    const session = cookies.get('__Host-alem_session')!;
    expect(session).toMatch(/Secure/);
    expect(session).toMatch(/HttpOnly/);
    expect(cookies.get('__Host-alem_csrf')).toMatch(/Secure/);
    const me = await tlsApi
      .http()
      .get('/api/v1/auth/me')
      .set('Cookie', `__Host-alem_session=${valueOf(session)}`);
    expect(me.status).toBe(200);
  });

  it('authenticates reads by the cookie, and refuses a change without the CSRF token (audited)', async () => {
    const cookies = setCookies((await signIn()).headers['set-cookie']);
    const cookie = `alem_session=${valueOf(cookies.get('alem_session'))}`;
    const csrf = valueOf(cookies.get('alem_csrf'));

    const me = await api.http().get('/api/v1/auth/me').set('Cookie', cookie);
    expect(me.status).toBe(200);
    expect(me.body.session).toEqual({ expiresAt: expect.any(String), idleExpiresAt: expect.any(String) });

    const withoutToken = await api
      .http()
      .post(`/api/v1/alerts/${alertId}/acknowledge`)
      .set('Cookie', cookie)
      .send({});
    expect(withoutToken.status).toBe(403);
    expect(withoutToken.body.message).toMatch(/CSRF/);
    const wrongToken = await api
      .http()
      .post(`/api/v1/alerts/${alertId}/acknowledge`)
      .set('Cookie', cookie)
      .set('X-CSRF-Token', `${csrf}x`)
      .send({});
    expect(wrongToken.status).toBe(403);
    const [denied] = await ds.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'access.denied' AND detail->>'reason' = 'csrf-token'`,
    );
    expect(denied.n).toBe(2);
    expect((await ds.query(`SELECT state FROM alerts WHERE id = $1`, [alertId]))[0].state).toBe('open');

    const ok = await api
      .http()
      .post(`/api/v1/alerts/${alertId}/acknowledge`)
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf)
      .send({});
    expect(ok.status).toBe(200);
    expect(ok.body.state).toBe('acknowledged');
  });

  it('signs out: the session ends at once, its cookies are cleared, and the sign-out is audited', async () => {
    const cookies = setCookies((await signIn()).headers['set-cookie']);
    const cookie = `alem_session=${valueOf(cookies.get('alem_session'))}`;
    const out = await api
      .http()
      .post('/api/v1/auth/logout')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', valueOf(cookies.get('alem_csrf')));
    expect(out.status).toBe(204);
    const cleared = setCookies(out.headers['set-cookie']);
    expect(cleared.get('alem_session')).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await api.http().get('/api/v1/auth/me').set('Cookie', cookie)).status).toBe(401);
    const [audit] = await ds.query(
      `SELECT detail FROM audit_log WHERE action = 'auth.logout' ORDER BY seq DESC LIMIT 1`,
    );
    expect(audit.detail).toEqual({ ended: true });
  });

  it('leaves bearer tokens as they were: no cookie, no CSRF token needed', async () => {
    const token = await api.login('clin@hospital.test');
    const me = await api.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`);
    expect(me.status).toBe(200);
    expect(me.body.session).toBeUndefined();
    const resolve = await api
      .http()
      .post(`/api/v1/alerts/${alertId}/resolve`)
      .set('Authorization', `Bearer ${token}`)
      .send({ reason: 'reviewed' });
    expect(resolve.status).toBe(200);
  });
  it('ends a session after the idle timeout, and keeps one in use alive', async () => {
    const cookies = setCookies((await signIn()).headers['set-cookie']);
    const cookie = `alem_session=${valueOf(cookies.get('alem_session'))}`;
    clock.advance(25 * 60_000);
    expect((await api.http().get('/api/v1/auth/me').set('Cookie', cookie)).status).toBe(200);
    clock.advance(25 * 60_000); // 50 min after sign-in, 25 after the last use
    expect((await api.http().get('/api/v1/auth/me').set('Cookie', cookie)).status).toBe(200);
    clock.advance(31 * 60_000);
    const expired = await api.http().get('/api/v1/auth/me').set('Cookie', cookie);
    expect(expired.status).toBe(401);
  });
});
