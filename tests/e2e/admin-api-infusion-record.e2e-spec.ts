import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { embeddedSecrets } from '@alem/local-stack';
import { AdministrationRepository, enrolPatient, seedCareTeam, seedSite } from '@alem/persistence';
import { loadConfig } from '@alem/runtime';
import { GENEROUS_LIMITS, seedUser, startAdminApi, type AdminApi } from '../support/admin-api';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * The admin API's side of the infusion record (issue 18), over real HTTP on a real database: the medication
 * code mappings and enrolment locations the processor's administration intake reads (admins only, validated,
 * every change audited with before and after), and a patient's course timeline and each course's source
 * (read like the courses: a clinician sees their teams' patients only, and every read is audited).
 */
describe('admin API: the infusion record', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let api: AdminApi;
  const ids = {} as Record<
    'admin' | 'clinicianA' | 'teamA' | 'teamB' | 'teamOther' | 'patientA' | 'patientB',
    string
  >;
  const as = {} as Record<'admin' | 'clinicianA' | 'clinicianB' | 'auditor', Record<string, string>>;

  type AuditRow = {
    action: string;
    entity_type: string;
    entity_id: string | null;
    actor_id: string | null;
    patient_id: string | null;
    data_category: string;
    detail: Record<string, unknown>;
  };
  const auditRows = (entityType: string): Promise<AuditRow[]> =>
    ds.query(
      `SELECT action, entity_type, entity_id, actor_id, patient_id, data_category, detail FROM audit_log
       WHERE entity_type = $1 ORDER BY seq`,
      [entityType],
    );
  const auditActions = async (action: string): Promise<AuditRow[]> =>
    ds.query(
      `SELECT action, entity_type, entity_id, actor_id, patient_id, data_category, detail FROM audit_log
       WHERE action = $1 ORDER BY seq`,
      [action],
    );
  const http = () => api.http();

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
    await seedSite(ds, { id: 'site-1', name: 'MS Centre' });
    await seedSite(ds, { id: 'site-2', name: 'Haematology' });
    ids.teamA = (
      await seedCareTeam(ds, {
        siteId: 'site-1',
        name: 'Team A',
        members: [{ email: 'clin-a@hospital.test', displayName: 'Clinician A', role: 'physician' }],
      })
    ).careTeamId;
    ids.teamB = (
      await seedCareTeam(ds, {
        siteId: 'site-1',
        name: 'Team B',
        members: [{ email: 'clin-b@hospital.test', displayName: 'Clinician B', role: 'physician' }],
      })
    ).careTeamId;
    ids.teamOther = (
      await seedCareTeam(ds, { siteId: 'site-2', name: 'Haematology team', members: [] })
    ).careTeamId;
    ids.admin = await seedUser(ds, { email: 'admin@hospital.test', roles: ['admin'] });
    ids.clinicianA = await seedUser(ds, { email: 'clin-a@hospital.test', roles: ['clinician'] });
    await seedUser(ds, { email: 'clin-b@hospital.test', roles: ['clinician'] });
    await seedUser(ds, { email: 'auditor@hospital.test', roles: ['auditor'] });
    ids.patientA = await enrolPatient(ds, {
      siteId: 'site-1',
      careTeamId: ids.teamA,
      indication: 'MS',
      identifiers: [{ authority: 'HOSP', identifier: 'MRN-A' }],
    });
    ids.patientB = await enrolPatient(ds, {
      siteId: 'site-1',
      careTeamId: ids.teamB,
      indication: 'MS',
      identifiers: [{ authority: 'HOSP', identifier: 'MRN-B' }],
    });
    for (const [who, email] of [
      ['admin', 'admin@hospital.test'],
      ['clinicianA', 'clin-a@hospital.test'],
      ['clinicianB', 'clin-b@hospital.test'],
      ['auditor', 'auditor@hospital.test'],
    ] as const) {
      as[who] = { Authorization: `Bearer ${await api.login(email)}` };
    }
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  describe('medication code mappings', () => {
    const base = '/api/v1/medication-code-mappings';

    it('lists the shipped RxNorm rows, creates, changes and removes a mapping, auditing each change', async () => {
      const shipped = await http().get(base).set(as.admin);
      expect(shipped.status).toBe(200);
      expect(shipped.body).toMatchObject({ total: 2, limit: 50, offset: 0 });
      expect(
        shipped.body.items.map((i: { sender: string; codeSystem: string; code: string; product: string }) => [
          i.sender,
          i.codeSystem,
          i.code,
          i.product,
        ]),
      ).toEqual([
        ['*', 'RXNORM', '117055', 'alemtuzumab'],
        ['*', 'RXNORM', '1594660', 'lemtrada'],
      ]);
      expect(shipped.body.items[0].createdBy).toBeNull();

      const created = await http().post(base).set(as.admin).send({
        sender: 'PHARM^CITY-HOSPITAL',
        codeSystem: '99PHARM',
        code: 'LEM-12',
        product: 'lemtrada',
        description: 'Lemtrada 12 mg/1.2 mL vial, pharmacy formulary',
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        sender: 'PHARM^CITY-HOSPITAL',
        codeSystem: '99PHARM',
        code: 'LEM-12',
        product: 'lemtrada',
        description: 'Lemtrada 12 mg/1.2 mL vial, pharmacy formulary',
        createdBy: ids.admin,
        createdAt: expect.any(String),
        updatedAt: null,
      });
      const id = created.body.id as string;
      // The processor's intake finds it for that sender (and the shipped row for every sender).
      const intake = new AdministrationRepository();
      expect(await intake.productOf(ds.manager, ['PHARM^CITY-HOSPITAL'], '99PHARM', 'LEM-12')).toBe(
        'lemtrada',
      );
      expect(await intake.productOf(ds.manager, ['OTHER^HOSPITAL'], '99PHARM', 'LEM-12')).toBeNull();

      // The same sender's code again is a conflict; nothing is added.
      const again = await http().post(base).set(as.admin).send({
        sender: 'PHARM^CITY-HOSPITAL',
        codeSystem: '99PHARM',
        code: 'LEM-12',
        product: 'campath',
        description: 'duplicate',
      });
      expect(again.status).toBe(409);

      const changed = await http()
        .patch(`${base}/${id}`)
        .set(as.admin)
        .send({ product: 'alemtuzumab', description: 'alemtuzumab, any product' });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({
        id,
        code: 'LEM-12',
        product: 'alemtuzumab',
        description: 'alemtuzumab, any product',
        updatedAt: expect.any(String),
      });
      expect((await http().get(`${base}/${id}`).set(as.admin)).body).toEqual(changed.body);
      const filtered = await http()
        .get(`${base}?sender=${encodeURIComponent('PHARM^CITY-HOSPITAL')}`)
        .set(as.admin);
      expect(filtered.body).toMatchObject({ total: 1, items: [{ id }] });

      expect((await http().delete(`${base}/${id}`).set(as.admin)).status).toBe(204);
      expect((await http().get(`${base}/${id}`).set(as.admin)).status).toBe(404);
      expect((await http().delete(`${base}/${id}`).set(as.admin)).status).toBe(404);

      const rows = await auditRows('medication-code-mapping');
      expect(rows.map((r) => r.action)).toEqual([
        'medication-code-mapping.create',
        'medication-code-mapping.update',
        'medication-code-mapping.delete',
      ]);
      for (const row of rows) {
        expect(row).toMatchObject({ entity_id: id, actor_id: ids.admin, data_category: 'configuration' });
      }
      expect(rows[0]!.detail).toEqual({ before: null, after: created.body });
      expect(rows[1]!.detail).toEqual({ before: created.body, after: changed.body });
      expect(rows[2]!.detail).toEqual({ before: changed.body, after: null });
    });

    it('stores RxNorm as the processor looks it up, however the system is written', async () => {
      const created = await http().post(base).set(as.admin).send({
        sender: '*',
        codeSystem: 'http://www.nlm.nih.gov/research/umls/rxnorm',
        code: '1594648',
        product: 'lemtrada',
        description: 'RxNorm SCD alemtuzumab 10 MG/ML injection',
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ sender: '*', codeSystem: 'RXNORM', code: '1594648' });
      // The shipped RxNorm row written another way is the same mapping.
      const duplicate = await http().post(base).set(as.admin).send({
        sender: '*',
        codeSystem: 'RxN',
        code: '117055',
        product: 'alemtuzumab',
        description: 'again',
      });
      expect(duplicate.status).toBe(409);
      expect((await http().delete(`${base}/${created.body.id}`).set(as.admin)).status).toBe(204);
    });

    it('refuses invalid mappings (400) naming the field, and stores nothing', async () => {
      const valid = {
        sender: 'PHARM^CITY-HOSPITAL',
        codeSystem: '99PHARM',
        code: 'CAMP-30',
        product: 'campath',
        description: 'Campath 30 mg/mL',
      };
      const cases: Array<[Record<string, unknown>, string, RegExp]> = [
        [{ ...valid, sender: 'PHARMACY' }, 'body.sender', /APPLICATION\^FACILITY.*\* for every sender/],
        [{ ...valid, sender: 'A^B^C' }, 'body.sender', /APPLICATION\^FACILITY/],
        [{ ...valid, codeSystem: 'has space' }, 'body.codeSystem', /coding system/],
        [{ ...valid, code: '' }, 'body.code', /./],
        [{ ...valid, code: 'A|B' }, 'body.code', /medication code/],
        [{ ...valid, product: 'ocrevus' }, 'body.product', /./],
        [{ ...valid, description: '   ' }, 'body.description', /./],
        [{ ...valid, loinc: '777-3' }, 'body', /./],
      ];
      for (const [body, path, message] of cases) {
        const res = await http().post(base).set(as.admin).send(body);
        expect({ path, status: res.status }).toEqual({ path, status: 400 });
        expect(res.body).toMatchObject({ statusCode: 400, message: 'The request is not valid' });
        expect({ path, details: res.body.details }).toEqual({
          path,
          details: expect.arrayContaining([{ path, message: expect.stringMatching(message) }]),
        });
      }
      const { body: page } = await http().get(base).set(as.admin);
      expect(page.total).toBe(2);
      const shippedId = page.items[0].id as string;
      // A change must change something, and only what may change (the key stays).
      const empty = await http().patch(`${base}/${shippedId}`).set(as.admin).send({});
      expect(empty.status).toBe(400);
      expect(empty.body.details).toEqual([{ path: 'body', message: 'change at least one field' }]);
      expect((await http().patch(`${base}/${shippedId}`).set(as.admin).send({ code: 'X' })).status).toBe(400);
      expect((await http().get(`${base}/not-a-uuid`).set(as.admin)).status).toBe(400);
      expect((await http().get(`${base}?limit=501`).set(as.admin)).status).toBe(400);
      expect(await auditRows('medication-code-mapping')).toHaveLength(5); // the tests' above only
    });

    it('is for admins only: a clinician or an auditor is refused (403), and the refusal audited', async () => {
      const { body: page } = await http().get(base).set(as.admin);
      const id = page.items[0].id as string;
      const body = { sender: '*', codeSystem: 'L', code: 'X1', product: 'lemtrada', description: 'x' };
      for (const who of [as.clinicianA, as.auditor]) {
        expect((await http().get(base).set(who)).status).toBe(403);
        expect((await http().get(`${base}/${id}`).set(who)).status).toBe(403);
        expect((await http().post(base).set(who).send(body)).status).toBe(403);
        expect((await http().patch(`${base}/${id}`).set(who).send({ description: 'y' })).status).toBe(403);
        expect((await http().delete(`${base}/${id}`).set(who)).status).toBe(403);
      }
      expect((await http().get(base)).status).toBe(401);
      expect((await http().get(base).set(as.admin)).body.total).toBe(2);
      const denied = await ds.query(
        `SELECT count(*)::int AS n FROM audit_log
         WHERE action = 'access.denied' AND entity_id LIKE '% /api/v1/medication-code-mappings%'`,
      );
      expect(denied[0].n).toBe(10);
    });
  });

  describe('enrolment locations', () => {
    const base = '/api/v1/enrolment-locations';

    it('maps a location and a sender’s other locations, changes and removes them, auditing each change', async () => {
      const ward = await http().post(base).set(as.admin).send({
        sender: 'PHARM^CITY-HOSPITAL',
        location: '4EAST',
        siteId: 'site-1',
        careTeamId: ids.teamA,
        indication: 'MS',
      });
      expect(ward.status).toBe(201);
      expect(ward.body).toEqual({
        id: expect.any(String),
        sender: 'PHARM^CITY-HOSPITAL',
        location: '4EAST',
        siteId: 'site-1',
        careTeamId: ids.teamA,
        indication: 'MS',
        createdBy: ids.admin,
        createdAt: expect.any(String),
        updatedAt: null,
      });
      const others = await http()
        .post(base)
        .set(as.admin)
        .send({ sender: 'PHARM^CITY-HOSPITAL', location: '*', siteId: 'site-1' });
      expect(others.status).toBe(201);
      expect(others.body).toMatchObject({ location: '*', careTeamId: null, indication: null });
      // The processor's intake reads them: the ward's own row, else the sender's '*'.
      const intake = new AdministrationRepository();
      expect(await intake.enrolmentLocation(ds.manager, ['PHARM^CITY-HOSPITAL'], '4EAST')).toEqual({
        siteId: 'site-1',
        careTeamId: ids.teamA,
        indication: 'MS',
        location: '4EAST',
      });
      expect(await intake.enrolmentLocation(ds.manager, ['PHARM^CITY-HOSPITAL'], 'DAY-UNIT')).toMatchObject({
        location: '*',
        careTeamId: null,
      });

      const again = await http()
        .post(base)
        .set(as.admin)
        .send({ sender: 'PHARM^CITY-HOSPITAL', location: '4EAST', siteId: 'site-1' });
      expect(again.status).toBe(409);

      const list = await http().get(base).set(as.admin);
      expect(list.body).toMatchObject({ total: 2, limit: 50, offset: 0 });
      expect(list.body.items.map((i: { location: string }) => i.location)).toEqual(['*', '4EAST']);
      expect((await http().get(`${base}?careTeamId=${ids.teamA}`).set(as.admin)).body.total).toBe(1);

      // Moving the ward to another site needs a team of that site (or none).
      const wrongTeam = await http()
        .patch(`${base}/${ward.body.id}`)
        .set(as.admin)
        .send({ siteId: 'site-2' });
      expect(wrongTeam.status).toBe(400);
      expect(wrongTeam.body.details).toEqual([
        { path: 'body.careTeamId', message: 'no such care team at this site' },
      ]);
      const moved = await http()
        .patch(`${base}/${ward.body.id}`)
        .set(as.admin)
        .send({ siteId: 'site-2', careTeamId: ids.teamOther, indication: 'CLL' });
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({
        siteId: 'site-2',
        careTeamId: ids.teamOther,
        indication: 'CLL',
        updatedAt: expect.any(String),
      });
      const unnamed = await http()
        .patch(`${base}/${ward.body.id}`)
        .set(as.admin)
        .send({ careTeamId: null, indication: null });
      expect(unnamed.body).toMatchObject({ siteId: 'site-2', careTeamId: null, indication: null });
      expect((await http().get(`${base}/${ward.body.id}`).set(as.admin)).body).toEqual(unnamed.body);

      expect((await http().delete(`${base}/${ward.body.id}`).set(as.admin)).status).toBe(204);
      expect((await http().get(`${base}/${ward.body.id}`).set(as.admin)).status).toBe(404);

      const rows = await auditRows('enrolment-location');
      expect(rows.map((r) => [r.action, r.entity_id])).toEqual([
        ['enrolment-location.create', ward.body.id],
        ['enrolment-location.create', others.body.id],
        ['enrolment-location.update', ward.body.id],
        ['enrolment-location.update', ward.body.id],
        ['enrolment-location.delete', ward.body.id],
      ]);
      for (const row of rows)
        expect(row).toMatchObject({ actor_id: ids.admin, data_category: 'configuration' });
      expect(rows[0]!.detail).toEqual({ before: null, after: ward.body });
      expect(rows[2]!.detail).toEqual({ before: ward.body, after: moved.body });
      expect(rows[3]!.detail).toEqual({ before: moved.body, after: unnamed.body });
      expect(rows[4]!.detail).toEqual({ before: unnamed.body, after: null });
    });

    it('refuses invalid mappings (400) naming the field, and stores nothing', async () => {
      const valid = { sender: 'PHARM^NORTH-CLINIC', location: 'INFUSION-1', siteId: 'site-1' };
      const cases: Array<[Record<string, unknown>, { path: string; message: string | RegExp }]> = [
        [
          { ...valid, siteId: 'no-such-site' },
          { path: 'body.siteId', message: 'no such site' },
        ],
        [
          { ...valid, careTeamId: ids.teamOther },
          { path: 'body.careTeamId', message: 'no such care team at this site' },
        ],
        [
          { ...valid, careTeamId: randomUUID() },
          { path: 'body.careTeamId', message: 'no such care team at this site' },
        ],
        [
          { ...valid, indication: 'RRMS' },
          { path: 'body.indication', message: /./ },
        ],
        [
          { ...valid, location: '' },
          { path: 'body.location', message: /or \* for the sender/ },
        ],
        [
          { ...valid, location: '   ' },
          { path: 'body.location', message: /or \* for the sender/ },
        ],
        [
          { ...valid, location: 'A^B' },
          { path: 'body.location', message: /a location as sent/ },
        ],
        [
          { ...valid, sender: '*' },
          { path: 'body.sender', message: /APPLICATION\^FACILITY/ },
        ],
        [
          { ...valid, careTeamId: 'team-a' },
          { path: 'body.careTeamId', message: /./ },
        ],
      ];
      for (const [body, expected] of cases) {
        const res = await http().post(base).set(as.admin).send(body);
        expect({ body, status: res.status }).toEqual({ body, status: 400 });
        const message =
          typeof expected.message === 'string' ? expected.message : expect.stringMatching(expected.message);
        expect({ body, details: res.body.details }).toEqual({
          body,
          details: expect.arrayContaining([{ path: expected.path, message }]),
        });
      }
      const { body: page } = await http()
        .get(`${base}?sender=${encodeURIComponent('PHARM^NORTH-CLINIC')}`)
        .set(as.admin);
      expect(page.total).toBe(0);
      const existing = (await http().get(base).set(as.admin)).body.items[0].id as string;
      const badSite = await http().patch(`${base}/${existing}`).set(as.admin).send({ siteId: 'nowhere' });
      expect(badSite.status).toBe(400);
      expect(badSite.body).toMatchObject({ message: 'No such site', details: [{ path: 'body.siteId' }] });
      expect((await http().patch(`${base}/${existing}`).set(as.admin).send({ location: 'X' })).status).toBe(
        400,
      );
      expect(
        (await http().patch(`${base}/${randomUUID()}`).set(as.admin).send({ indication: 'MS' })).status,
      ).toBe(404);
      expect(await auditRows('enrolment-location')).toHaveLength(5); // the first test's only
    });

    it('is for admins only: a clinician or an auditor is refused (403)', async () => {
      const id = (await http().get(base).set(as.admin)).body.items[0].id as string;
      for (const who of [as.clinicianA, as.auditor]) {
        expect((await http().get(base).set(who)).status).toBe(403);
        expect((await http().get(`${base}/${id}`).set(who)).status).toBe(403);
        expect(
          (await http().post(base).set(who).send({ sender: 'A^B', location: 'X', siteId: 'site-1' })).status,
        ).toBe(403);
        expect((await http().patch(`${base}/${id}`).set(who).send({ indication: 'MS' })).status).toBe(403);
        expect((await http().delete(`${base}/${id}`).set(who)).status).toBe(403);
      }
      expect((await http().get(base).set(as.admin)).body.total).toBe(1);
    });
  });

  describe('courses: source and timeline', () => {
    const eventsOf = (patientId: string) => `/api/v1/patients/${patientId}/course-events`;

    beforeAll(async () => {
      // As the processor's intake writes them: a course planned from the record and its timeline.
      await ds.query(
        `INSERT INTO treatment_courses (patient_id, course_number, product, infusion_dates, source)
         VALUES ($1, 1, 'lemtrada', ARRAY['2025-09-01','2025-09-02','2025-09-03','2025-09-04','2025-09-05']::date[],
                 'infusion-record')`,
        [ids.patientA],
      );
      const events: Array<[string, string, number | null, Record<string, unknown>]> = [
        [
          '2025-09-01T10:00:00Z',
          'course-planned',
          1,
          { explanation: 'Course 1 planned from 1 administration.' },
        ],
        ['2025-09-02T10:00:00Z', 'course-changed', 1, { explanation: 'Course 1: day 2 recorded.' }],
        ['2025-09-05T10:00:00Z', 'course-changed', 1, { explanation: 'Course 1: day 5 recorded.' }],
        [
          '2025-09-06T08:00:00Z',
          'extra-infusion',
          1,
          { explanation: 'A sixth infusion day.', day: '2025-09-06' },
        ],
        [
          '2025-09-07T08:00:00Z',
          'unplanned-administration',
          null,
          { explanation: 'Not part of any course.' },
        ],
      ];
      for (const [at, type, course, detail] of events) {
        await ds.query(
          `INSERT INTO treatment_course_events (patient_id, at, type, course_number, detail) VALUES ($1, $2, $3, $4, $5)`,
          [ids.patientA, at, type, course, JSON.stringify(detail)],
        );
      }
      await ds.query(
        `INSERT INTO treatment_course_events (patient_id, at, type, course_number) VALUES ($1, now(), 'course-planned', 1)`,
        [ids.patientB],
      );
    });

    it('shows where each course came from: a course entered through the API is manual', async () => {
      const created = await http()
        .post(`/api/v1/patients/${ids.patientA}/courses`)
        .set(as.admin)
        .send({ courseNumber: 2, infusionDays: ['2026-09-07', '2026-09-08', '2026-09-09'] });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ courseNumber: 2, source: 'manual' });
      const [stored] = await ds.query(`SELECT source FROM treatment_courses WHERE id = $1`, [
        created.body.id,
      ]);
      expect(stored.source).toBe('manual');
      const [audit] = await auditActions('course.create');
      expect(audit!.detail).toMatchObject({ after: { source: 'manual' } });

      const courses = await http().get(`/api/v1/patients/${ids.patientA}/courses`).set(as.clinicianA);
      expect(courses.status).toBe(200);
      expect(
        courses.body.items.map((c: { courseNumber: number; source: string }) => [c.courseNumber, c.source]),
      ).toEqual([
        [1, 'infusion-record'],
        [2, 'manual'],
      ]);
      const detail = await http().get(`/api/v1/patients/${ids.patientA}`).set(as.admin);
      expect(detail.body.courses.map((c: { source: string }) => c.source)).toEqual([
        'infusion-record',
        'manual',
      ]);
      const corrected = await http()
        .patch(`/api/v1/patients/${ids.patientA}/courses/${created.body.id}`)
        .set(as.admin)
        .send({ infusionDays: ['2026-09-07', '2026-09-08'] });
      expect(corrected.body).toMatchObject({ source: 'manual', infusionDays: ['2026-09-07', '2026-09-08'] });

      const enrolled = await http()
        .post('/api/v1/patients')
        .set(as.admin)
        .send({
          siteId: 'site-1',
          careTeamId: ids.teamA,
          indication: 'MS',
          identifiers: [{ authority: 'HOSP', identifier: 'MRN-C' }],
          courses: [{ courseNumber: 1, infusionDays: ['2025-01-06'] }],
        });
      expect(enrolled.status).toBe(201);
      expect(enrolled.body.courses).toEqual([expect.objectContaining({ courseNumber: 1, source: 'manual' })]);
    });

    it('gives the timeline newest first, paged and by course, to an admin and the patient’s team, audited', async () => {
      const all = await http().get(eventsOf(ids.patientA)).set(as.clinicianA);
      expect(all.status).toBe(200);
      expect(all.body).toMatchObject({ total: 5, limit: 50, offset: 0 });
      expect(all.body.items.map((e: { type: string }) => e.type)).toEqual([
        'unplanned-administration',
        'extra-infusion',
        'course-changed',
        'course-changed',
        'course-planned',
      ]);
      expect(all.body.items[1]).toEqual({
        id: expect.stringMatching(/^\d+$/),
        at: '2025-09-06T08:00:00.000Z',
        type: 'extra-infusion',
        courseNumber: 1,
        detail: { explanation: 'A sixth infusion day.', day: '2025-09-06' },
      });
      expect(all.body.items[0].courseNumber).toBeNull();

      const page = await http()
        .get(`${eventsOf(ids.patientA)}?limit=2&offset=2`)
        .set(as.admin);
      expect(page.body).toMatchObject({ total: 5, limit: 2, offset: 2 });
      expect(page.body.items.map((e: { id: string }) => e.id)).toEqual(
        all.body.items.slice(2, 4).map((e: { id: string }) => e.id),
      );
      const course1 = await http()
        .get(`${eventsOf(ids.patientA)}?courseNumber=1`)
        .set(as.admin);
      expect(course1.body.total).toBe(4);
      expect((await http().get(eventsOf(ids.patientB)).set(as.admin)).body.total).toBe(1);

      const rows = await auditActions('course-event.list');
      expect(rows).toHaveLength(4);
      expect(rows[0]).toMatchObject({
        entity_type: 'patient',
        entity_id: ids.patientA,
        patient_id: ids.patientA,
        actor_id: ids.clinicianA,
        data_category: 'treatment',
        detail: {
          total: 5,
          eventIds: all.body.items.map((e: { id: string }) => e.id),
          filters: { limit: 50, offset: 0 },
        },
      });
      expect(rows[2]!.detail).toMatchObject({ filters: { courseNumber: 1 }, total: 4 });
    });

    it('is not found for a clinician of another team, refused to an auditor, and validated', async () => {
      const before = (await auditActions('course-event.list')).length;
      const other = await http().get(eventsOf(ids.patientA)).set(as.clinicianB);
      expect(other.status).toBe(404);
      expect(other.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Patient not found' });
      // The same answer as for the courses, and as for no patient at all.
      expect((await http().get(`/api/v1/patients/${ids.patientA}/courses`).set(as.clinicianB)).status).toBe(
        404,
      );
      expect((await http().get(eventsOf(randomUUID())).set(as.admin)).status).toBe(404);
      expect((await http().get(eventsOf(ids.patientB)).set(as.clinicianB)).status).toBe(200);
      expect((await http().get(eventsOf(ids.patientA)).set(as.auditor)).status).toBe(403);
      expect((await http().get(eventsOf(ids.patientA))).status).toBe(401);
      for (const query of [
        'limit=501',
        'offset=-1',
        'courseNumber=0',
        'courseNumber=x',
        'type=course-planned',
      ]) {
        const res = await http()
          .get(`${eventsOf(ids.patientA)}?${query}`)
          .set(as.admin);
        expect({ query, status: res.status }).toEqual({ query, status: 400 });
      }
      expect((await http().get('/api/v1/patients/not-a-uuid/course-events').set(as.admin)).status).toBe(400);
      // Only the one answered read is on the record.
      const rows = await auditActions('course-event.list');
      expect(rows.slice(before)).toEqual([
        expect.objectContaining({ patient_id: ids.patientB, detail: expect.objectContaining({ total: 1 }) }),
      ]);
    });
  });
});
