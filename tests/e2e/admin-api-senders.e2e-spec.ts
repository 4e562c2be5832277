import { DataSource } from 'typeorm';
import { embeddedSecrets } from '@alem/local-stack';
import { loadConfig } from '@alem/runtime';
import { GENEROUS_LIMITS, seedUser, startAdminApi, type AdminApi } from '../support/admin-api';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * Sender registrations over real HTTP on a real database: an admin registers a lab's time zone, changes and
 * removes it, each change audited with before and after; zones that are not IANA zones are refused.
 */
describe('admin API: sender registrations', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let api: AdminApi;
  let adminId: string;
  let admin: Record<string, string>;
  let clinician: Record<string, string>;

  const path = (sender: string) => `/api/v1/senders/${encodeURIComponent(sender)}`;
  const auditRows = (): Promise<
    Array<{ action: string; entity_type: string; entity_id: string; actor_id: string; detail: unknown }>
  > =>
    ds.query(
      `SELECT action, entity_type, entity_id, actor_id, data_category, detail FROM audit_log
       WHERE entity_type = 'lab-sender' ORDER BY seq`,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startAdminApi(
      loadConfig({
        NODE_ENV: 'test',
        ...embeddedSecrets(),
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
        DATABASE_URL: db.url,
        KAFKA_BROKERS: '127.0.0.1:9',
        ...GENEROUS_LIMITS,
      }),
    );
    ds = api.app.get(DataSource);
    adminId = await seedUser(ds, { email: 'admin@hospital.test', roles: ['admin'] });
    await seedUser(ds, { email: 'clin@hospital.test', roles: ['clinician'] });
    admin = { Authorization: `Bearer ${await api.login('admin@hospital.test')}` };
    clinician = { Authorization: `Bearer ${await api.login('clin@hospital.test')}` };
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('registers, changes, lists and removes a sender’s time zone, auditing each change', async () => {
    const created = await api
      .http()
      .put(path('LIS^CENTRAL-LAB'))
      .set(admin)
      .send({ timeZone: 'Europe/London' });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      sender: 'LIS^CENTRAL-LAB',
      timeZone: 'Europe/London',
      authorities: [],
      certificateFingerprints: [],
      sourceAddresses: [],
      createdAt: expect.any(String),
      updatedAt: null,
    });
    await api.http().put(path('UROLAB^NORTHCLINIC')).set(admin).send({ timeZone: 'UTC' }).expect(200);

    const changed = await api
      .http()
      .put(path('LIS^CENTRAL-LAB'))
      .set(admin)
      .send({ timeZone: 'Europe/Prague' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ timeZone: 'Europe/Prague', createdAt: created.body.createdAt });
    expect(changed.body.updatedAt).toEqual(expect.any(String));
    // Saying again what is registered changes nothing, and is not audited as a change.
    const same = await api.http().put(path('LIS^CENTRAL-LAB')).set(admin).send({ timeZone: 'Europe/Prague' });
    expect(same.body).toEqual(changed.body);

    const one = await api.http().get(path('LIS^CENTRAL-LAB')).set(admin);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(changed.body);
    const list = await api.http().get('/api/v1/senders?limit=1').set(admin);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [changed.body], total: 2, limit: 1, offset: 0 });

    await api.http().delete(path('UROLAB^NORTHCLINIC')).set(admin).expect(204);
    const gone = await api.http().get(path('UROLAB^NORTHCLINIC')).set(admin);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Sender registration not found',
    });
    await api.http().delete(path('UROLAB^NORTHCLINIC')).set(admin).expect(404);

    const registered = (b: { sender: string; timeZone: string }) => expect.objectContaining(b);
    expect(await auditRows()).toEqual([
      {
        action: 'lab-sender.create',
        entity_type: 'lab-sender',
        entity_id: 'LIS^CENTRAL-LAB',
        actor_id: adminId,
        data_category: 'configuration',
        detail: {
          before: null,
          after: registered({ sender: 'LIS^CENTRAL-LAB', timeZone: 'Europe/London' }),
        },
      },
      expect.objectContaining({ action: 'lab-sender.create', entity_id: 'UROLAB^NORTHCLINIC' }),
      expect.objectContaining({
        action: 'lab-sender.update',
        entity_id: 'LIS^CENTRAL-LAB',
        detail: {
          before: registered({ timeZone: 'Europe/London', sender: 'LIS^CENTRAL-LAB' }),
          after: registered({ timeZone: 'Europe/Prague', sender: 'LIS^CENTRAL-LAB' }),
        },
      }),
      expect.objectContaining({
        action: 'lab-sender.delete',
        entity_id: 'UROLAB^NORTHCLINIC',
        detail: { before: registered({ sender: 'UROLAB^NORTHCLINIC', timeZone: 'UTC' }), after: null },
      }),
    ]);
  });

  it('registers what authenticates a sender and whose patients it reports for, normalised, and audits the change (issue 14)', async () => {
    const fingerprint = 'ab'.repeat(32);
    const response = await api
      .http()
      .put(path('LABSYS^CITYLAB'))
      .set(admin)
      .send({
        timeZone: 'UTC',
        authorities: ['CITYHOSP', 'CITYHOSP&2.16.840.1.113883.19.5&ISO', 'CITYHOSP'],
        certificateFingerprints: [fingerprint],
        sourceAddresses: ['10.1.2.3', '::ffff:10.1.2.4', '10.9.0.0/16'],
      });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      authorities: ['CITYHOSP', 'CITYHOSP&2.16.840.1.113883.19.5&ISO'],
      certificateFingerprints: ['AB:'.repeat(31) + 'AB'],
      sourceAddresses: ['10.1.2.3/32', '10.1.2.4/32', '10.9.0.0/16'],
    });
    // Revoking the certificate is a change, audited with before and after.
    const revoked = await api
      .http()
      .put(path('LABSYS^CITYLAB'))
      .set(admin)
      .send({ timeZone: 'UTC', authorities: ['CITYHOSP'], certificateFingerprints: [] });
    expect(revoked.body).toMatchObject({
      certificateFingerprints: [],
      authorities: ['CITYHOSP'],
      sourceAddresses: ['10.1.2.3/32', '10.1.2.4/32', '10.9.0.0/16'],
    });
    // Changing the zone alone leaves what authenticates the lab as it is.
    const zone = await api.http().put(path('LABSYS^CITYLAB')).set(admin).send({ timeZone: 'Europe/Paris' });
    expect(zone.body).toMatchObject({ timeZone: 'Europe/Paris', authorities: ['CITYHOSP'] });
    expect(zone.body.sourceAddresses).toHaveLength(3);
    const [, update] = (await auditRows()).filter((r) => r.entity_id === 'LABSYS^CITYLAB');
    expect(update).toMatchObject({
      action: 'lab-sender.update',
      detail: {
        before: expect.objectContaining({ certificateFingerprints: ['AB:'.repeat(31) + 'AB'] }),
        after: expect.objectContaining({ certificateFingerprints: [] }),
      },
    });
  });

  it.each([
    [
      'a fingerprint that is not SHA-256',
      { certificateFingerprints: ['AB:CD'] },
      'body.certificateFingerprints',
    ],
    ['an address that is not one', { sourceAddresses: ['lab.example.org'] }, 'body.sourceAddresses'],
    ['a prefix too long', { sourceAddresses: ['10.0.0.0/33'] }, 'body.sourceAddresses'],
    ['an authority with HL7 delimiters', { authorities: ['HOSP^X'] }, 'body.authorities'],
  ])('refuses %s with 400, naming the field, and stores nothing', async (_, fields, field) => {
    const response = await api
      .http()
      .put(path('LAB^REFUSED'))
      .set(admin)
      .send({ timeZone: 'UTC', ...fields });
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([{ path: field, message: expect.stringMatching(/ is not /) }]);
    expect(await ds.query(`SELECT 1 FROM lab_senders WHERE sender = 'LAB^REFUSED'`)).toEqual([]);
  });

  it.each([
    ['an unknown zone', { timeZone: 'Mars/Olympus' }, 'body.timeZone'],
    ['a Luxon keyword that is no IANA zone', { timeZone: 'local' }, 'body.timeZone'],
    ['a fixed offset', { timeZone: 'UTC+3' }, 'body.timeZone'],
    ['an empty zone', { timeZone: '' }, 'body.timeZone'],
  ])('refuses %s with 400, naming the field, and stores nothing', async (_, body, field) => {
    const response = await api.http().put(path('LAB^REFUSED')).set(admin).send(body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      statusCode: 400,
      message: 'The request is not valid',
      details: [{ path: field, message: 'not an IANA time zone (such as Europe/London or UTC)' }],
    });
    expect(await ds.query(`SELECT 1 FROM lab_senders WHERE sender = 'LAB^REFUSED'`)).toEqual([]);
  });

  it('refuses a path that is not APPLICATION^FACILITY, and other fields than the zone', async () => {
    const bad = await api.http().put('/api/v1/senders/CENTRAL-LAB').set(admin).send({ timeZone: 'UTC' });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([
      { path: 'path.sender', message: expect.stringContaining('APPLICATION') },
    ]);
    const extra = await api.http().put(path('LAB^X')).set(admin).send({ timeZone: 'UTC', mtls: 'x' });
    expect(extra.status).toBe(400);
  });

  it('is for admins only', async () => {
    await api.http().get('/api/v1/senders').set(clinician).expect(403);
    await api.http().put(path('LAB^X')).set(clinician).send({ timeZone: 'UTC' }).expect(403);
    await api.http().get('/api/v1/senders').expect(401);
  });
});
