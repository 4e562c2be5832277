import { randomUUID } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { DataSource } from 'typeorm';
import { embeddedSecrets } from '@alem/local-stack';
import { enrolPatient, seedCareTeam, seedSite } from '@alem/persistence';
import { loadConfig } from '@alem/runtime';
import { listRoutes, type RouteInfo } from '../../apps/admin-api/src/common/route-inventory';
import { GENEROUS_LIMITS, seedUser, startAdminApi, TEST_PASSWORD, type AdminApi } from '../support/admin-api';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * Access control of the admin API over real HTTP on a real database: default deny on every route the app
 * has (enumerated from Nest, not listed by hand), minimum-necessary scoping of clinicians, and input that is
 * malformed, oversized or shaped like SQL injection.
 */
describe('admin API access control', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let api: AdminApi;
  let routes: RouteInfo[];
  /** The API's own signing key (random per run): for tokens that are right in every way but one. */
  let jwtSecret: string;
  const ids = {} as Record<
    'teamA' | 'teamB' | 'patientA' | 'patientB' | 'alertA' | 'alertB' | 'admin' | 'clinicianA' | 'auditor',
    string
  >;
  const tokens = {} as Record<'admin' | 'clinician' | 'auditor', string>;
  let apiKey: string;

  const count = async (table: string): Promise<number> =>
    Number((await ds.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n);

  /** A concrete URL for a route pattern (ids need not exist: access is decided before anything is read). */
  function urlOf(route: RouteInfo): string {
    return route.path.replace(/:(\w+)/g, (_, name: string) => {
      if (route.path.startsWith('/api/v1/dlq')) return '1';
      if (route.path.startsWith('/api/v1/api-keys')) return '0123456789abcdef';
      return name === 'id' || name.endsWith('Id') ? randomUUID() : 'x';
    });
  }

  function call(route: RouteInfo, auth?: Record<string, string>) {
    const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
    let req = api.http()[method](urlOf(route));
    for (const [k, v] of Object.entries(auth ?? {})) req = req.set(k, v);
    return req;
  }

  async function insertAlert(patientId: string, reference: string): Promise<string> {
    const [row] = await ds.query(
      `INSERT INTO alerts (reference, patient_id, rule_id, kind, severity, dedup_key, rule_set_version, explanation)
       VALUES ($1, $2::uuid, 'PLT-4', 'breach', 'critical', $2::text || '|PLT-4', 'v1', '{"summary": "platelets low"}')
       RETURNING id`,
      [reference, patientId],
    );
    return row.id;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig({
      NODE_ENV: 'test',
      ...embeddedSecrets(),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      DATABASE_URL: db.url,
      KAFKA_BROKERS: '127.0.0.1:9',
      ...GENEROUS_LIMITS,
      LOGIN_LOCKOUT_FAILURES: '4',
    });
    jwtSecret = config.auth.jwtSecret!;
    api = await startAdminApi(config);
    ds = api.app.get(DataSource);
    routes = listRoutes(api.app);

    await seedSite(ds, { id: 'site-1', name: 'MS Centre' });
    const teamA = await seedCareTeam(ds, {
      siteId: 'site-1',
      name: 'Team A',
      members: [{ email: 'clin-a@hospital.test', displayName: 'Clinician A', role: 'physician' }],
    });
    const teamB = await seedCareTeam(ds, {
      siteId: 'site-1',
      name: 'Team B',
      members: [{ email: 'clin-b@hospital.test', displayName: 'Clinician B', role: 'physician' }],
    });
    ids.teamA = teamA.careTeamId;
    ids.teamB = teamB.careTeamId;
    ids.clinicianA = await seedUser(ds, { email: 'clin-a@hospital.test', roles: ['clinician'] });
    await seedUser(ds, { email: 'clin-b@hospital.test', roles: ['clinician'] });
    ids.admin = await seedUser(ds, { email: 'admin@hospital.test', roles: ['admin'] });
    ids.auditor = await seedUser(ds, { email: 'auditor@hospital.test', roles: ['auditor'] });
    ids.patientA = await enrolPatient(ds, {
      siteId: 'site-1',
      careTeamId: ids.teamA,
      indication: 'MS',
      identifiers: [{ authority: 'HOSP', identifier: 'MRN-A' }],
      displayName: 'Alice Alpha',
      courses: [{ courseNumber: 1, infusionDays: ['2025-09-01', '2025-09-02'] }],
    });
    ids.patientB = await enrolPatient(ds, {
      siteId: 'site-1',
      careTeamId: ids.teamB,
      indication: 'CLL',
      identifiers: [{ authority: 'HOSP', identifier: 'MRN-B' }],
      displayName: 'Bob Beta',
    });
    ids.alertA = await insertAlert(ids.patientA, 'AAAA-0001');
    ids.alertB = await insertAlert(ids.patientB, 'BBBB-0001');

    tokens.admin = await api.login('admin@hospital.test');
    tokens.clinician = await api.login('clin-a@hospital.test');
    tokens.auditor = await api.login('auditor@hospital.test');
    const created = await api
      .http()
      .post('/api/v1/api-keys')
      .set('Authorization', `Bearer ${tokens.admin}`)
      .send({ sender: 'LIS^CENTRAL-LAB', description: 'central lab interface engine' });
    expect(created.status).toBe(201);
    apiKey = created.body.key;
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('declares who may call every route, and validates every input of every route with a zod schema', () => {
    expect(routes.length).toBeGreaterThan(40);
    const undeclared = routes.filter(
      (r) => !r.access.public && !(r.access.roles && r.access.roles.length > 0),
    );
    expect(undeclared.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    const unvalidated = routes.flatMap((r) =>
      r.inputs.filter((i) => !i.validated).map((i) => `${r.method} ${r.path} ${i.type}`),
    );
    expect(unvalidated).toEqual([]);
    // The inventory is what Express actually serves (the OpenAPI UI and Nest's all-method 404 catch-alls
    // around the prefix aside), so the sweeps below miss nothing.
    const express = api.app.getHttpAdapter().getInstance() as {
      router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
    };
    const served = express.router.stack
      .filter(
        (layer) =>
          layer.route &&
          !layer.route.path.startsWith('/api/docs') &&
          layer.route.path !== '/{*path}' &&
          Object.keys(layer.route.methods).length < 10,
      )
      .flatMap((layer) =>
        Object.keys(layer.route!.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path}`),
      );
    expect([...new Set(served)].sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    // Only sign-in (API token or console session) and the ops endpoints are open.
    expect(routes.filter((r) => r.access.public).map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v1/auth/login',
      'POST /api/v1/auth/session',
      'GET /health',
      'GET /health/live',
      'GET /metrics',
    ]);
  });

  it('answers 401 on every non-public route without a token, or with a forged, expired or foreign one', async () => {
    const forged = sign({ sub: ids.admin }, 'not-the-secret-not-the-secret-not-the-secret', {
      issuer: 'alem-admin-api',
      audience: 'alem-admin-api',
      expiresIn: 300,
    });
    const expired = sign({ sub: ids.admin, exp: Math.floor(Date.now() / 1000) - 60 }, jwtSecret, {
      issuer: 'alem-admin-api',
      audience: 'alem-admin-api',
    });
    const otherAudience = sign({ sub: ids.admin }, jwtSecret, {
      issuer: 'alem-admin-api',
      audience: 'someone-else',
      expiresIn: 300,
    });
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: ids.admin, iss: 'alem-admin-api', aud: 'alem-admin-api' }),
    ).toString('base64url')}.`;
    let checked = 0;
    for (const route of routes.filter((r) => !r.access.public)) {
      for (const auth of [
        undefined,
        bearer(forged),
        bearer(expired),
        bearer(otherAudience),
        bearer(unsigned),
        { 'X-API-Key': 'alem_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      ]) {
        const res = await call(route, auth);
        expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({
          route: `${route.method} ${route.path}`,
          status: 401,
        });
        // The FHIR routes answer in FHIR's error form; every other route in the API's.
        expect(res.body).toEqual(
          route.path.startsWith('/api/v1/fhir/')
            ? {
                resourceType: 'OperationOutcome',
                issue: [
                  {
                    severity: 'error',
                    code: 'login',
                    details: { text: expect.any(String) },
                    diagnostics: expect.any(String),
                  },
                ],
              }
            : { statusCode: 401, error: 'Unauthorized', message: expect.any(String) },
        );
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('answers 403 on every route to every role it does not declare, and audits the refusal', async () => {
    const callers: Array<{ role: string; auth: Record<string, string> }> = [
      { role: 'admin', auth: bearer(tokens.admin) },
      { role: 'clinician', auth: bearer(tokens.clinician) },
      { role: 'auditor', auth: bearer(tokens.auditor) },
      { role: 'integration', auth: { 'X-API-Key': apiKey } },
    ];
    const deniedBefore = Number(
      (await ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'access.denied'`))[0].n,
    );
    let refused = 0;
    for (const route of routes.filter((r) => !r.access.public)) {
      for (const caller of callers.filter((c) => !route.access.roles!.includes(c.role as never))) {
        const res = await call(route, caller.auth);
        expect({ route: `${route.method} ${route.path}`, role: caller.role, status: res.status }).toEqual({
          route: `${route.method} ${route.path}`,
          role: caller.role,
          status: 403,
        });
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(80);
    const denied = Number(
      (await ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'access.denied'`))[0].n,
    );
    expect(denied - deniedBefore).toBe(refused);
    // Nothing a refused caller sent changed anything.
    expect(await count('patients')).toBe(2);
    expect(
      (await ds.query(`SELECT state FROM alerts ORDER BY reference`)).map((a: { state: string }) => a.state),
    ).toEqual(['open', 'open']);
  });

  it('lets an API key through only where integration is declared, and not once revoked', async () => {
    const me = await api.http().get('/api/v1/auth/me').set('X-API-Key', apiKey);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ kind: 'api-key', label: 'LIS^CENTRAL-LAB', roles: ['integration'] });
    const keyId = me.body.id as string;
    const [stored] = await ds.query(`SELECT secret_hash FROM api_keys WHERE id = $1`, [keyId]);
    expect(stored.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(apiKey).not.toContain(stored.secret_hash);
    const listed = await api.http().get('/api/v1/api-keys').set(bearer(tokens.admin));
    // The secret is base64url and may itself contain '_': it is everything after `alem_<key id>_`.
    const secret = apiKey.slice(`alem_${keyId}_`.length);
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const revoked = await api.http().post(`/api/v1/api-keys/${keyId}/revoke`).set(bearer(tokens.admin));
    expect(revoked.status).toBe(200);
    expect((await api.http().get('/api/v1/auth/me').set('X-API-Key', apiKey)).status).toBe(401);
  });

  describe('a clinician sees only the patients of their own care teams', () => {
    const asClinician = () => bearer(tokens.clinician);

    it('in the patient list and detail, results and courses', async () => {
      const list = await api.http().get('/api/v1/patients').set(asClinician());
      expect(list.status).toBe(200);
      expect(list.body.items.map((p: { id: string }) => p.id)).toEqual([ids.patientA]);
      expect(list.body.total).toBe(1);
      expect(
        (await api.http().get(`/api/v1/patients?careTeamId=${ids.teamB}`).set(asClinician())).body.items,
      ).toEqual([]);
      expect(
        (await api.http().get('/api/v1/patients?identifier=MRN-B').set(asClinician())).body.items,
      ).toEqual([]);
      expect((await api.http().get(`/api/v1/patients/${ids.patientA}`).set(asClinician())).status).toBe(200);
      for (const path of [
        `/api/v1/patients/${ids.patientB}`,
        `/api/v1/patients/${ids.patientB}/results`,
        `/api/v1/patients/${ids.patientB}/courses`,
      ]) {
        const res = await api.http().get(path).set(asClinician());
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
        expect(res.text).not.toContain('Bob');
      }
      const all = await api.http().get('/api/v1/patients').set(bearer(tokens.admin));
      expect(all.body.total).toBe(2);
    });

    it('in the alert list, detail, export and actions', async () => {
      const list = await api.http().get('/api/v1/alerts').set(asClinician());
      expect(list.body.items.map((a: { id: string }) => a.id)).toEqual([ids.alertA]);
      expect(
        (await api.http().get(`/api/v1/alerts?patientId=${ids.patientB}`).set(asClinician())).body.items,
      ).toEqual([]);
      expect(
        (await api.http().get(`/api/v1/alerts?reference=BBBB-0001`).set(asClinician())).body.items,
      ).toEqual([]);
      const csv = await api.http().get('/api/v1/alerts?format=csv').set(asClinician());
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      expect(csv.text).toContain('AAAA-0001');
      expect(csv.text).not.toContain('BBBB-0001');
      expect((await api.http().get(`/api/v1/alerts/${ids.alertB}`).set(asClinician())).status).toBe(404);
      const ack = await api
        .http()
        .post(`/api/v1/alerts/${ids.alertB}/acknowledge`)
        .set(asClinician())
        .send({});
      expect(ack.status).toBe(404);
      const resolve = await api
        .http()
        .post(`/api/v1/alerts/${ids.alertB}/resolve`)
        .set(asClinician())
        .send({ reason: 'not mine' });
      expect(resolve.status).toBe(404);
      const [b] = await ds.query(`SELECT state, acknowledged_by FROM alerts WHERE id = $1`, [ids.alertB]);
      expect(b).toEqual({ state: 'open', acknowledged_by: null });
      // The auditor reads the whole alert log, and every read is audited.
      expect((await api.http().get('/api/v1/alerts').set(bearer(tokens.auditor))).body.total).toBe(2);
      const reads = await ds.query(
        `SELECT actor_id, action FROM audit_log WHERE action IN ('alert.list', 'alert.read') AND actor_id = $1`,
        [ids.clinicianA],
      );
      expect(reads.length).toBeGreaterThanOrEqual(4);
    });
  });

  it('scopes a clinician who is also an auditor by the role each route grants', async () => {
    const id = await seedUser(ds, { email: 'clin-aud@hospital.test', roles: ['auditor', 'clinician'] });
    await ds.query(
      `INSERT INTO care_team_members (care_team_id, user_id, role) VALUES ($1, $2, 'physician')`,
      [ids.teamA, id],
    );
    const both = bearer(await api.login('clin-aud@hospital.test'));
    // Clinician routes (the patient list, acknowledging): their own team's patients only.
    const patients = await api.http().get('/api/v1/patients').set(both);
    expect(patients.body.items.map((p: { id: string }) => p.id)).toEqual([ids.patientA]);
    expect((await api.http().get(`/api/v1/patients/${ids.patientB}`).set(both)).status).toBe(404);
    const ack = await api.http().post(`/api/v1/alerts/${ids.alertB}/acknowledge`).set(both).send({});
    expect(ack.status).toBe(404);
    const [b] = await ds.query(`SELECT state FROM alerts WHERE id = $1`, [ids.alertB]);
    expect(b).toEqual({ state: 'open' });
    // The alert log is an auditor's read too: every patient's.
    expect((await api.http().get('/api/v1/alerts').set(both)).body.total).toBe(2);
  });

  it('names a dependency that is down to everybody, and tells why to a signed-in admin only', async () => {
    // The broker of this test is 127.0.0.1:9, where nothing listens.
    const anonymous = await api.http().get('/health');
    expect(anonymous.status).toBe(503);
    expect(anonymous.body.error).toEqual({ kafka: { status: 'down' } });
    expect(anonymous.body.details.kafka).toEqual({ status: 'down' });
    expect(anonymous.text).not.toContain('127.0.0.1');
    const auditor = await api.http().get('/health').set(bearer(tokens.auditor));
    expect(auditor.body.error).toEqual({ kafka: { status: 'down' } });
    const admin = await api.http().get('/health').set(bearer(tokens.admin));
    expect(admin.status).toBe(503);
    expect(admin.body.error.kafka).toMatchObject({ status: 'down', message: expect.any(String) });
  });

  it('bounds page sizes and offsets, and pages the alert list by keyset', async () => {
    const as = bearer(tokens.admin);
    for (const query of ['limit=501', 'limit=10000', 'offset=100001', 'limit=5001&format=csv']) {
      const res = await api.http().get(`/api/v1/alerts?${query}`).set(as);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.body.details[0].path).toMatch(/^query\.(limit|offset)$/);
    }
    expect((await api.http().get('/api/v1/alerts?limit=500&offset=100000').set(as)).status).toBe(200);
    expect((await api.http().get('/api/v1/alerts?limit=5000&format=csv').set(as)).status).toBe(200);

    const whole = (await api.http().get('/api/v1/alerts').set(as)).body.items.map(
      (a: { id: string }) => a.id,
    );
    const seen: string[] = [];
    let afterId: string | null = null;
    for (let page = 0; page < 5; page++) {
      const query: string = afterId ? `limit=1&afterId=${afterId}` : 'limit=1';
      const res = await api.http().get(`/api/v1/alerts?${query}`).set(as);
      expect(res.body.total).toBe(whole.length);
      seen.push(...res.body.items.map((a: { id: string }) => a.id));
      afterId = res.body.nextAfterId;
      if (!afterId) break;
    }
    expect(seen).toEqual(whole);
    const triage = await api.http().get(`/api/v1/alerts?sort=triage&afterId=${whole[0]}`).set(as);
    expect(triage.status).toBe(400);
  });

  it('limits how many verification codes are asked for, per contact point and per person', async () => {
    const contactPoints: string[] = [];
    for (const address of ['+420601000101', '+420601000102', '+420601000103']) {
      const created = await api
        .http()
        .post(`/api/v1/users/${ids.clinicianA}/contact-points`)
        .set(bearer(tokens.admin))
        .send({ channel: 'sms', address });
      expect(created.status).toBe(201);
      contactPoints.push(created.body.id);
    }
    const ask = (id: string) =>
      api.http().post(`/api/v1/contact-points/${id}/verification`).set(bearer(tokens.clinician));
    const first = [];
    for (let i = 0; i < 4; i++) first.push((await ask(contactPoints[0]!)).status);
    expect(first).toEqual([202, 202, 202, 429]);
    const refused = await ask(contactPoints[0]!);
    expect(refused.body.message).toMatch(/^Too many verification codes asked for this contact point/);
    for (let i = 0; i < 3; i++) expect((await ask(contactPoints[1]!)).status).toBe(202);
    const byPerson = await ask(contactPoints[2]!);
    expect(byPerson.status).toBe(429);
    expect(byPerson.body.message).toMatch(/^Too many verification codes asked for you/);
  });

  it('loses access at once when deactivated, though the token has not expired', async () => {
    const id = await seedUser(ds, { email: 'leaver@hospital.test', roles: ['auditor'] });
    const token = await api.login('leaver@hospital.test');
    expect((await api.http().get('/api/v1/audit?limit=1').set(bearer(token))).status).toBe(200);
    await ds.query(`UPDATE users SET active = false WHERE id = $1`, [id]);
    expect((await api.http().get('/api/v1/audit?limit=1').set(bearer(token))).status).toBe(401);
  });

  describe('input', () => {
    const admin = () => bearer(tokens.admin);
    const valid = () => ({
      siteId: 'site-1',
      careTeamId: ids.teamA,
      indication: 'MS',
      identifiers: [{ authority: 'HOSP', identifier: `MRN-${randomUUID().slice(0, 8)}` }],
      displayName: 'Carol Gamma',
      birthDate: '1980-02-03',
    });

    it('refuses malformed JSON (400) without echoing it, and stores nothing', async () => {
      const before = await count('patients');
      const res = await api
        .http()
        .post('/api/v1/patients')
        .set(admin())
        .set('Content-Type', 'application/json')
        .send('{"displayName": "Carol Gamma", "identifiers": [');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'The request body is not valid JSON',
      });
      expect(res.text).not.toContain('Carol');
      expect(await count('patients')).toBe(before);
    });

    it('refuses an oversized body (413) and stores nothing', async () => {
      const before = await count('patients');
      const res = await api
        .http()
        .post('/api/v1/patients')
        .set(admin())
        .send({ ...valid(), displayName: 'x'.repeat(200_000) });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
      expect(await count('patients')).toBe(before);
    });

    it('refuses invalid fields (400) naming where, not what was sent', async () => {
      const before = await count('patients');
      const res = await api
        .http()
        .post('/api/v1/patients')
        .set(admin())
        .send({ ...valid(), birthDate: '1980-13-45', indication: 'RA', surprise: 'Nováková' });
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('The request is not valid');
      const paths = (res.body.details as Array<{ path: string }>).map((d) => d.path).sort();
      expect(paths).toEqual(expect.arrayContaining(['body.birthDate', 'body.indication']));
      expect(res.text).not.toContain('Nováková');
      expect(res.text).not.toContain('1980-13-45');
      for (const body of [
        {},
        { ...valid(), identifiers: [] },
        [],
        'text',
        { ...valid(), displayName: 'a\u0000b' },
      ]) {
        const r = await api
          .http()
          .post('/api/v1/patients')
          .set(admin())
          .send(body as object);
        expect(r.status).toBe(400);
      }
      const plain = await api
        .http()
        .post('/api/v1/patients')
        .set(admin())
        .set('Content-Type', 'text/plain')
        .send('hello');
      expect(plain.status).toBe(400);
      expect(await count('patients')).toBe(before);
      const ok = await api.http().post('/api/v1/patients').set(admin()).send(valid());
      expect(ok.status).toBe(201);
    });

    it('treats SQL-injection-shaped filters as data: 400 or empty, never 500, nothing changed', async () => {
      const tables = ['patients', 'alerts', 'users', 'code_mappings', 'dlq_records'];
      const before = await Promise.all(tables.map(count));
      const attempts = [
        `/api/v1/alerts?ruleId=${encodeURIComponent("PLT-4'; DROP TABLE alerts; --")}`,
        `/api/v1/alerts?severity=${encodeURIComponent("critical' OR '1'='1")}`,
        `/api/v1/alerts?patientId=${encodeURIComponent("' OR 1=1 --")}`,
        `/api/v1/alerts?limit=${encodeURIComponent('1; DELETE FROM alerts')}`,
        `/api/v1/alerts?from=${encodeURIComponent("2020-01-01' OR '1'='1")}`,
        `/api/v1/patients?identifier=${encodeURIComponent("MRN-A' OR '1'='1")}`,
        `/api/v1/patients/${encodeURIComponent("1' OR '1'='1")}`,
        `/api/v1/audit?entityId=${encodeURIComponent("' OR '1'='1")}`,
        `/api/v1/audit?actorId=${encodeURIComponent('x\u0000y')}`,
        `/api/v1/audit?action=${encodeURIComponent('auth.login; DROP TABLE audit_log')}`,
        `/api/v1/code-mappings?sender=${encodeURIComponent("LIS^LAB' OR 1=1 --")}`,
        `/api/v1/dlq/${encodeURIComponent('1 OR 1=1')}`,
        `/api/v1/delivery-attempts?outcome=${encodeURIComponent("sent' --")}`,
        `/api/v1/alerts?ruleId=PLT-4&ruleId=PLT-3`,
        `/api/v1/monitoring/overdue?ruleId=${encodeURIComponent("MISSED-CBC' OR '1'='1")}`,
        `/api/v1/monitoring/overdue?careTeamId=${encodeURIComponent("' OR 1=1 --")}`,
        `/api/v1/feeds?state=${encodeURIComponent("quiet' --")}`,
        `/api/v1/sites/${encodeURIComponent("site-1' OR '1'='1")}/rule-overrides`,
        `/api/v1/sites/site-1/rule-overrides?indication=${encodeURIComponent("MS' OR '1'='1")}`,
        `/api/v1/patients/${encodeURIComponent("1' OR '1'='1")}/monitoring`,
      ];
      for (const url of attempts) {
        const res = await api.http().get(url).set(admin());
        expect({
          url,
          ok: res.status === 400 || (res.status === 200 && res.body.items.length === 0),
        }).toEqual({
          url,
          ok: true,
        });
      }
      expect(await Promise.all(tables.map(count))).toEqual(before);
      expect((await api.http().get('/api/v1/audit/verify').set(admin())).body.ok).toBe(true);
    });
  });

  describe('sign-in', () => {
    it('answers a wrong password and an unknown account alike, audits both, and locks an account after failures', async () => {
      await seedUser(ds, { email: 'target@hospital.test', roles: ['auditor'] });
      const wrong = await api
        .http()
        .post('/api/v1/auth/login')
        .send({ email: 'target@hospital.test', password: 'guess-guess-1' });
      const unknown = await api
        .http()
        .post('/api/v1/auth/login')
        .send({ email: 'nobody@hospital.test', password: 'guess-guess-1' });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body).toEqual(unknown.body);
      for (let i = 0; i < 3; i++) {
        await api
          .http()
          .post('/api/v1/auth/login')
          .send({ email: 'Target@Hospital.test', password: `guess-${i}-guess` });
      }
      const locked = await api
        .http()
        .post('/api/v1/auth/login')
        .send({ email: 'target@hospital.test', password: TEST_PASSWORD });
      expect(locked.status).toBe(429);
      const rows = await ds.query(
        `SELECT outcome, actor_type, detail->>'reason' AS reason FROM audit_log
         WHERE action = 'auth.login' AND entity_id = 'target@hospital.test' ORDER BY audit_log.seq`,
      );
      expect(rows).toEqual([
        ...Array.from({ length: 4 }, () => ({
          outcome: 'failure',
          actor_type: 'anonymous',
          reason: 'wrong-password',
        })),
        { outcome: 'denied', actor_type: 'anonymous', reason: 'locked-out' },
      ]);
      const [unknownRow] = await ds.query(
        `SELECT outcome, detail->>'reason' AS reason FROM audit_log WHERE entity_id = 'nobody@hospital.test'`,
      );
      expect(unknownRow).toEqual({ outcome: 'failure', reason: 'unknown-user' });
    });

    it('stores passwords as scrypt hashes and issues short-lived bearer tokens', async () => {
      const [row] = await ds.query(`SELECT password_hash FROM users WHERE email = 'admin@hospital.test'`);
      expect(row.password_hash).toMatch(/^\$scrypt\$ln=15,r=8,p=3\$/);
      const res = await api
        .http()
        .post('/api/v1/auth/login')
        .send({ email: 'admin@hospital.test', password: TEST_PASSWORD });
      expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    });
  });
});
