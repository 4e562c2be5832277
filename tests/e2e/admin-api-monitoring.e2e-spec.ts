import { randomUUID } from 'node:crypto';
import { addDays, daysBetween, localDay } from '@alem/clinical';
import { enrolPatient, seedCareTeam } from '@alem/persistence';
import { loadConfig, ManualClock } from '@alem/runtime';
import { GENEROUS_LIMITS, seedUser, startAdminApi, type AdminApi } from '../support/admin-api';
import {
  alertsOf,
  at,
  BASELINE,
  enrolMsPatient,
  infusions,
  monitoringRepository,
  MONTHLY,
  type MonitoringSite,
  seedMonitoringSite,
  startScheduler,
  storeResults,
  THYROID,
  TZ,
} from '../support/monitoring';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * The monitoring schedule through the admin API, on the real scheduler: a patient's expectations and what is
 * overdue, suspensions that hold missed-result alerts (audited), the monitoring plan, quiet lab feeds and their
 * holds, site settings and the integration team. The scheduler runs on a manual clock that the tests move and
 * sweep by hand; the API shares it. The clock never goes behind real time (the API's tokens carry its time), so
 * every day is counted from tomorrow: `day('2024-06-14')` is tomorrow, and the other days keep their distance.
 */
describe('admin API: monitoring', () => {
  const TODAY = addDays(localDay(new Date(), TZ), 1);
  /** A day of the reference timeline (day 38 of a skipped month = 2024-06-14), moved to end on `base`. */
  const shifted = (base: string) => (reference: string) =>
    addDays(reference, daysBetween('2024-06-14', base));
  const day = shifted(TODAY);
  const clock = new ManualClock(at(day('2024-06-14'), '00:00'));
  let stack: TestStack;
  let site: MonitoringSite;
  let sweep: () => Promise<unknown>;
  let api: AdminApi;
  const ids = {} as Record<
    'patient' | 'other' | 'otherTeam' | 'admin' | 'clinician' | 'otherClinician',
    string
  >;
  const tokens = {} as Record<'admin' | 'auditor' | 'clinician' | 'otherClinician', string>;
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const ds = () => stack.dataSource;
  const auditRows = (action: string) =>
    ds().query(
      `SELECT actor_id, patient_id, entity_id, data_category, detail FROM audit_log WHERE action = $1
       ORDER BY audit_log.seq`,
      [action],
    );
  const monitoringOf = (patientId: string, token = tokens.clinician) =>
    api.http().get(`/api/v1/patients/${patientId}/monitoring`).set(as(token));
  const expectation = (body: { expectations: Array<{ ruleId: string }> }, ruleId: string) =>
    body.expectations.find((e) => e.ruleId === ruleId);

  /** An MS patient on course 1 whose June draw never came (the monitoring e2e's timeline, moved by `on`). */
  async function skippedJune(on: (reference: string) => string, identifier: string, sender?: string) {
    const id = await enrolMsPatient(
      ds(),
      site,
      [infusions(on('2024-03-04'), 5)],
      on('2024-02-15'),
      identifier,
    );
    const draw = async (reference: string, analytes: Parameters<typeof storeResults>[3]) => {
      const receivedAt = new Date(at(on(reference)).getTime() + 2 * 3_600_000);
      await storeResults(ds(), id, on(reference), analytes, { sender, receivedAt });
      if (sender) await monitoringRepository(ds()).recordFeedActivity([{ sender, lastSeenAt: receivedAt }]);
    };
    await draw('2024-02-20', BASELINE);
    await draw('2024-04-07', MONTHLY);
    await draw('2024-05-01', ['cd4']);
    await draw('2024-05-07', [...MONTHLY, ...THYROID]);
    return id;
  }

  beforeAll(async () => {
    stack = await startTestStack({ clock });
    site = await seedMonitoringSite(ds());
    ({ sweep } = await startScheduler(stack.config, clock));
    api = await startAdminApi(loadConfig({ ...stack.env(), ...GENEROUS_LIMITS }), clock);
    const other = await seedCareTeam(ds(), {
      siteId: site.siteId,
      name: 'Other MS team',
      members: [{ email: 'other@site-mon.test', displayName: 'Dr. Other', role: 'physician' }],
    });
    ids.otherTeam = other.careTeamId;
    ids.admin = await seedUser(ds(), { email: 'admin@hospital.test', roles: ['admin'] });
    ids.clinician = await seedUser(ds(), { email: `neurologist@${site.siteId}.test`, roles: ['clinician'] });
    ids.otherClinician = await seedUser(ds(), { email: 'other@site-mon.test', roles: ['clinician'] });
    await seedUser(ds(), { email: 'auditor@hospital.test', roles: ['auditor'] });
    tokens.admin = await api.login('admin@hospital.test');
    tokens.auditor = await api.login('auditor@hospital.test');
    tokens.clinician = await api.login(`neurologist@${site.siteId}.test`);
    tokens.otherClinician = await api.login('other@site-mon.test');

    ids.patient = await skippedJune(day, 'MRN-MON-1');
    ids.other = await enrolPatient(ds(), {
      siteId: site.siteId,
      careTeamId: ids.otherTeam,
      indication: 'MS',
      identifiers: [{ authority: 'HOSP', identifier: 'MRN-MON-OTHER' }],
      courses: [{ courseNumber: 1, infusionDays: infusions(day('2024-03-04'), 5) }],
    });
    await sweep();
  });

  afterAll(async () => {
    await api?.close();
    await stack?.stop();
  });

  it('shows a patient’s overdue expectations to the patient’s clinician, audited as a read of patient data', async () => {
    const res = await monitoringOf(ids.patient);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ patientId: ids.patient, awaitingEvaluation: false });
    expect(expectation(res.body, 'MISSED-CBC')).toMatchObject({
      title: expect.any(String),
      kind: 'periodic',
      status: 'overdue-warning',
      severity: 'warning',
      dueDay: day('2024-06-06'),
      warningDay: day('2024-06-14'),
      criticalDay: day('2024-06-21'),
      daysOverdue: 8,
      lastReceivedDay: day('2024-05-07'),
      heldBy: [],
      suspension: null,
      alert: { state: 'open', severity: 'warning', reference: expect.any(String) },
    });
    expect(expectation(res.body, 'MISSED-THYROID')).toMatchObject({
      status: 'pending',
      severity: 'none',
      dueDay: addDays(day('2024-05-07'), 91),
      alert: null,
    });
    expect(expectation(res.body, 'CD4-REMINDER')).toMatchObject({ status: 'met', kind: 'reminder' });
    const [read] = await auditRows('monitoring.read');
    expect(read).toMatchObject({
      actor_id: ids.clinician,
      patient_id: ids.patient,
      data_category: 'lab-results',
    });
    // The admin sees it too; an auditor's role does not reach patient schedules.
    expect((await monitoringOf(ids.patient, tokens.admin)).status).toBe(200);
    expect((await monitoringOf(ids.patient, tokens.auditor)).status).toBe(403);
  });

  it('lists overdue expectations across the caller’s patients: worst and oldest first, filtered, as CSV', async () => {
    const list = await api.http().get('/api/v1/monitoring/overdue').set(as(tokens.clinician));
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(3);
    expect(
      list.body.items.map((i: { ruleId: string; patientId: string; severity: string; dueDay: string }) => [
        i.patientId,
        i.ruleId,
        i.severity,
        i.dueDay,
      ]),
    ).toEqual([
      [ids.patient, 'MISSED-CBC', 'warning', day('2024-06-06')],
      [ids.patient, 'MISSED-CREATININE', 'warning', day('2024-06-06')],
      [ids.patient, 'MISSED-UA', 'warning', day('2024-06-06')],
    ]);
    expect(list.body.items[0]).toMatchObject({
      siteId: site.siteId,
      careTeamId: site.team.careTeamId,
      status: 'overdue-warning',
      daysOverdue: 8,
      alertReference: expect.any(String),
    });
    expect(
      (await api.http().get('/api/v1/monitoring/overdue?severity=critical').set(as(tokens.clinician))).body
        .total,
    ).toBe(0);
    expect(
      (
        await api.http().get('/api/v1/monitoring/overdue?ruleId=MISSED-UA').set(as(tokens.admin))
      ).body.items.map((i: { ruleId: string }) => i.ruleId),
    ).toEqual(['MISSED-UA']);
    // Another team's clinician sees none of it.
    expect(
      (await api.http().get('/api/v1/monitoring/overdue').set(as(tokens.otherClinician))).body,
    ).toMatchObject({
      total: 0,
      items: [],
    });
    const csv = await api.http().get('/api/v1/monitoring/overdue?format=csv').set(as(tokens.admin));
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'patient_id,site_id,care_team_id,rule_id,course_number,status,severity,due_day,days_overdue,' +
        'last_received_day,missing_components,held_by,alert_reference,status_since',
    );
    expect(lines).toHaveLength(4);
    const [listed] = await auditRows('monitoring.overdue.list');
    expect(listed).toMatchObject({
      actor_id: ids.clinician,
      detail: { total: 3, patientIds: [ids.patient] },
    });
  });

  it('a suspension created through the API holds the patient’s missed-result alerts, is audited, and ends early when changed', async () => {
    const created = await api
      .http()
      .post(`/api/v1/patients/${ids.patient}/suspensions`)
      .set(as(tokens.clinician))
      .send({ reason: 'hospitalised', startDay: TODAY, endDay: addDays(TODAY, 14), note: 'ICU' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      patientId: ids.patient,
      reason: 'hospitalised',
      authorUserId: ids.clinician,
      startDay: TODAY,
      endDay: addDays(TODAY, 14),
      note: 'ICU',
      withdrawnAt: null,
    });
    expect(await auditRows('monitoring-suspension.create')).toEqual([
      {
        actor_id: ids.clinician,
        patient_id: ids.patient,
        entity_id: created.body.id,
        data_category: 'treatment',
        detail: {
          after: {
            reason: 'hospitalised',
            author: ids.clinician,
            start: TODAY,
            end: addDays(TODAY, 14),
            note: 'ICU',
          },
        },
      },
    ]);
    expect((await monitoringOf(ids.patient)).body.awaitingEvaluation).toBe(true);

    clock.set(at(TODAY, '10:00'));
    await sweep();
    expect((await alertsOf(ds(), ids.patient)).map((a) => [a.rule_id, a.state, a.resolution_reason])).toEqual(
      [
        ['MISSED-CBC', 'resolved', 'suspended'],
        ['MISSED-CREATININE', 'resolved', 'suspended'],
        ['MISSED-UA', 'resolved', 'suspended'],
      ],
    );
    expect(expectation((await monitoringOf(ids.patient)).body, 'MISSED-CBC')).toMatchObject({
      status: 'suspended',
      severity: 'none',
      suspension: {
        reason: 'hospitalised',
        author: 'Dr. Eva Svobodová',
        start: TODAY,
        end: addDays(TODAY, 14),
      },
      underlying: { status: 'overdue-warning', severity: 'warning' },
      alert: null,
    });

    // Day 45 passes silently inside the suspension.
    clock.set(at(addDays(TODAY, 7), '12:00'));
    await sweep();
    expect((await alertsOf(ds(), ids.patient)).filter((a) => a.state !== 'resolved')).toEqual([]);
    expect((await api.http().get('/api/v1/monitoring/overdue').set(as(tokens.clinician))).body.total).toBe(0);

    // The patient is discharged early: the clinician moves the end; the alerts come back at once, critical.
    const changed = await api
      .http()
      .patch(`/api/v1/patients/${ids.patient}/suspensions/${created.body.id}`)
      .set(as(tokens.clinician))
      .send({ endDay: addDays(TODAY, 7) });
    expect(changed.status).toBe(200);
    expect(changed.body.endDay).toBe(addDays(TODAY, 7));
    expect((await auditRows('monitoring-suspension.update'))[0]).toMatchObject({
      actor_id: ids.clinician,
      detail: { before: { end: addDays(TODAY, 14) }, after: { end: addDays(TODAY, 7) } },
    });
    clock.set(at(addDays(TODAY, 8), '00:00'));
    await sweep();
    expect(
      (await alertsOf(ds(), ids.patient))
        .filter((a) => a.state === 'open')
        .map((a) => [a.rule_id, a.severity]),
    ).toEqual([
      ['MISSED-CBC', 'critical'],
      ['MISSED-CREATININE', 'critical'],
      ['MISSED-UA', 'critical'],
    ]);
    const critical = await api
      .http()
      .get('/api/v1/monitoring/overdue?severity=critical')
      .set(as(tokens.clinician));
    expect(critical.body.items.map((i: { status: string }) => i.status)).toEqual([
      'overdue-critical',
      'overdue-critical',
      'overdue-critical',
    ]);
  });

  it('withdraws a suspension recorded in error, lists suspensions, and refuses invalid ones', async () => {
    const wrong = await api
      .http()
      .post(`/api/v1/patients/${ids.patient}/suspensions`)
      .set(as(tokens.admin))
      .send({ reason: 'transferred', startDay: addDays(TODAY, 8), endDay: addDays(TODAY, 20) });
    expect(wrong.status).toBe(201);
    const withdrawn = await api
      .http()
      .post(`/api/v1/patients/${ids.patient}/suspensions/${wrong.body.id}/withdraw`)
      .set(as(tokens.clinician));
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.withdrawnAt).toBe(clock.now().toISOString());
    const again = await api
      .http()
      .post(`/api/v1/patients/${ids.patient}/suspensions/${wrong.body.id}/withdraw`)
      .set(as(tokens.clinician));
    expect(again.status).toBe(409);
    expect((await auditRows('monitoring-suspension.withdraw'))[0]).toMatchObject({
      actor_id: ids.clinician,
      patient_id: ids.patient,
      entity_id: wrong.body.id,
    });
    // The withdrawn suspension silenced nothing.
    await sweep();
    expect((await alertsOf(ds(), ids.patient)).filter((a) => a.state === 'open')).toHaveLength(3);

    const list = await api
      .http()
      .get(`/api/v1/patients/${ids.patient}/suspensions`)
      .set(as(tokens.clinician));
    expect(list.status).toBe(200);
    expect(
      list.body.items.map((s: { reason: string; withdrawnAt: string | null }) => [s.reason, !!s.withdrawnAt]),
    ).toEqual([
      ['transferred', true],
      ['hospitalised', false],
    ]);
    expect((await auditRows('monitoring-suspension.list'))[0]).toMatchObject({
      actor_id: ids.clinician,
      patient_id: ids.patient,
    });

    const noEnd = await api
      .http()
      .post(`/api/v1/patients/${ids.patient}/suspensions`)
      .set(as(tokens.clinician))
      .send({ reason: 'hospitalised', startDay: TODAY });
    expect(noEnd.status).toBe(400);
    expect(noEnd.body.details).toEqual([
      { path: 'body', message: 'an end day is required (except for deceased)' },
    ]);
    const backwards = await api
      .http()
      .patch(`/api/v1/patients/${ids.patient}/suspensions/${list.body.items[1].id}`)
      .set(as(tokens.clinician))
      .send({ endDay: addDays(TODAY, -5) });
    expect(backwards.status).toBe(400);
    expect(
      (
        await api
          .http()
          .patch(`/api/v1/patients/${ids.patient}/suspensions/${randomUUID()}`)
          .set(as(tokens.clinician))
          .send({ endDay: TODAY })
      ).status,
    ).toBe(404);
  });

  it('sets the monitoring plan: the planned next course brings its pre-course gates', async () => {
    const start = addDays(TODAY, 40);
    const res = await api
      .http()
      .put(`/api/v1/patients/${ids.patient}/monitoring-plan`)
      .set(as(tokens.clinician))
      .send({ plannedCourse: { startDay: start }, thyroidExtensionMonths: 12 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      plannedCourse: { courseNumber: null, startDay: start },
      cllTherapyEndDay: null,
      monitoringExtensionMonths: 0,
      thyroidExtensionMonths: 12,
      updatedAt: clock.now().toISOString(),
      updatedBy: ids.clinician,
    });
    expect((await auditRows('monitoring-plan.update'))[0]).toMatchObject({
      actor_id: ids.clinician,
      patient_id: ids.patient,
      detail: { after: { planned_course_start_day: start, thyroid_extension_months: 12 } },
    });
    await sweep();
    const status = (await monitoringOf(ids.patient)).body;
    expect(status.plan.plannedCourse).toEqual({ courseNumber: null, startDay: start });
    expect(expectation(status, 'GATE-BASELINE')).toMatchObject({ kind: 'gate', courseNumber: 2 });
    expect(
      (
        await api
          .http()
          .put(`/api/v1/patients/${ids.patient}/monitoring-plan`)
          .set(as(tokens.clinician))
          .send({})
      ).status,
    ).toBe(400);
  });

  it('answers a clinician of another team “not found” on every patient-scoped route, and changes nothing', async () => {
    const [suspension] = (
      await api.http().get(`/api/v1/patients/${ids.patient}/suspensions`).set(as(tokens.admin))
    ).body.items;
    const before = {
      suspensions: await ds().query(`SELECT * FROM monitoring_suspensions ORDER BY id`),
      plan: await ds().query(`SELECT * FROM monitoring_patients WHERE patient_id = $1`, [ids.patient]),
      flags: await ds().query(`SELECT clinical_flags FROM patients WHERE id = $1`, [ids.patient]),
    };
    const auditBefore = await ds().query(`SELECT count(*)::int AS n FROM audit_log WHERE actor_id = $1`, [
      ids.otherClinician,
    ]);
    const p = `/api/v1/patients/${ids.patient}`;
    const attempts = [
      api.http().get(`${p}/monitoring`),
      api.http().get(`${p}/suspensions`),
      api.http().post(`${p}/suspensions`).send({ reason: 'hospitalised', startDay: TODAY, endDay: TODAY }),
      api
        .http()
        .patch(`${p}/suspensions/${suspension.id}`)
        .send({ endDay: addDays(TODAY, 30) }),
      api.http().post(`${p}/suspensions/${suspension.id}/withdraw`),
      api.http().put(`${p}/monitoring-plan`).send({ monitoringExtensionMonths: 6 }),
      api.http().put(`${p}/clinical-flags`).send({ pregnant: true }),
      // The suspension of this patient, addressed through a patient the clinician may see.
      api.http().patch(`/api/v1/patients/${ids.other}/suspensions/${suspension.id}`).send({ endDay: TODAY }),
      api.http().post(`/api/v1/patients/${ids.other}/suspensions/${suspension.id}/withdraw`),
    ];
    const statuses = [];
    for (const attempt of attempts) {
      const res = await attempt.set(as(tokens.otherClinician));
      statuses.push(res.status);
      expect(res.text).not.toContain('Svobodová');
    }
    expect(statuses).toEqual([404, 404, 404, 404, 404, 404, 404, 404, 404]);
    expect({
      suspensions: await ds().query(`SELECT * FROM monitoring_suspensions ORDER BY id`),
      plan: await ds().query(`SELECT * FROM monitoring_patients WHERE patient_id = $1`, [ids.patient]),
      flags: await ds().query(`SELECT clinical_flags FROM patients WHERE id = $1`, [ids.patient]),
    }).toEqual(before);
    expect(
      await ds().query(`SELECT count(*)::int AS n FROM audit_log WHERE actor_id = $1`, [ids.otherClinician]),
    ).toEqual(auditBefore);
    // Their own patient is theirs to see.
    expect((await monitoringOf(ids.other, tokens.otherClinician)).status).toBe(200);
  });

  it('shows quiet lab feeds and the alerts they hold, and lets an admin release a hold (sender in the path, encoded or not)', async () => {
    const SENDER = 'LIS^NORTH-LAB';
    const base = addDays(TODAY, 60);
    const on = shifted(base);
    clock.set(at(on('2024-02-14'), '08:00'));
    const encoded = `/api/v1/feeds/${encodeURIComponent(SENDER)}`;
    expect(encoded).toBe('/api/v1/feeds/LIS%5ENORTH-LAB');
    const configured = await api
      .http()
      .patch(encoded)
      .set(as(tokens.admin))
      .send({ quietAfterHours: 48, siteId: site.siteId });
    expect(configured.status).toBe(200);
    expect(configured.body).toMatchObject({
      sender: SENDER,
      siteId: site.siteId,
      siteSource: 'configured',
      state: 'unknown',
      quietAfterHours: 48,
      rhythmSource: 'configured',
      holding: false,
      heldPatients: 0,
    });
    // A raw ^ in the path works as well.
    const raw = await api
      .http()
      .patch(`/api/v1/feeds/${SENDER}`)
      .set(as(tokens.admin))
      .send({ quietAfterHours: 48 });
    expect(raw.status).toBe(200);
    expect(raw.body.sender).toBe(SENDER);
    expect((await auditRows('lab-feed.configure')).map((r: { entity_id: string }) => r.entity_id)).toEqual([
      SENDER,
      SENDER,
    ]);
    expect((await api.http().post(`${encoded}/release-hold`).set(as(tokens.admin)).send({})).status).toBe(
      409,
    );
    expect(
      (await api.http().post('/api/v1/feeds/LIS%5ENOWHERE/release-hold').set(as(tokens.admin)).send({}))
        .status,
    ).toBe(404);
    expect(
      (await api.http().patch('/api/v1/feeds/not-a-sender').set(as(tokens.admin)).send({ siteId: null }))
        .status,
    ).toBe(400);

    // A patient served by the lab; the lab sends other patients' results daily, then falls silent.
    const served = await skippedJune(on, 'MRN-MON-FEED', SENDER);
    for (let t = at(on('2024-05-08')).getTime(); t <= at(on('2024-06-11')).getTime(); t += 24 * 3_600_000) {
      await monitoringRepository(ds()).recordFeedActivity([{ sender: SENDER, lastSeenAt: new Date(t) }]);
    }
    clock.set(at(on('2024-06-13'), '09:00'));
    await sweep();
    clock.set(at(on('2024-06-14'), '00:00'));
    await sweep();
    await sweep();

    const quiet = await api.http().get('/api/v1/feeds?state=quiet').set(as(tokens.auditor));
    expect(quiet.status).toBe(200);
    expect(quiet.body).toMatchObject({
      total: 1,
      items: [{ sender: SENDER, state: 'quiet', holding: true }],
    });
    expect(quiet.body.items[0]).toMatchObject({
      heldPatients: 1,
      lastSeenAt: at(on('2024-06-11')).toISOString(),
      alertReference: expect.any(String),
    });
    expect(
      (await api.http().get('/api/v1/feeds?holding=true&limit=5').set(as(tokens.admin))).body,
    ).toMatchObject({
      total: 1,
      limit: 5,
    });
    const csv = await api.http().get('/api/v1/feeds?format=csv').set(as(tokens.auditor));
    expect(csv.text).toContain('LIS^NORTH-LAB,site-mon,quiet,48,configured');
    expect(expectation((await monitoringOf(served)).body, 'MISSED-CBC')).toMatchObject({
      status: 'held',
      severity: 'warning',
      heldBy: [SENDER],
      holdUntil: expect.any(String),
      underlying: { status: 'overdue-warning', severity: 'warning' },
    });

    clock.set(at(on('2024-06-14'), '10:00'));
    const released = await api
      .http()
      .post(`${encoded}/release-hold`)
      .set(as(tokens.admin))
      .send({ note: 'engine down for days' });
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ sender: SENDER, holdReleasedAt: clock.now().toISOString() });
    expect(await auditRows('lab-feed.release-hold')).toEqual([
      {
        actor_id: ids.admin,
        patient_id: null,
        entity_id: SENDER,
        data_category: 'alerts',
        detail: { note: 'engine down for days', alertId: quiet.body.items[0].alertId },
      },
    ]);
    await sweep();
    await sweep();
    expect(expectation((await monitoringOf(served)).body, 'MISSED-CBC')).toMatchObject({
      status: 'overdue-warning',
      heldBy: [],
    });
    expect(
      (await api.http().get('/api/v1/feeds?state=quiet').set(as(tokens.admin))).body.items[0],
    ).toMatchObject({
      holding: false,
      heldPatients: 0,
    });
    await ds().query(`DELETE FROM monitoring_patients WHERE patient_id = $1`, [served]);
  });

  it('keeps a site’s monitoring settings versioned and coherent, and sets its integration team', async () => {
    const path = `/api/v1/sites/${site.siteId}/monitoring-settings`;
    const initial = await api.http().get(path).set(as(tokens.auditor));
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({ siteId: site.siteId, version: 0, overrides: {}, changedBy: null });
    expect(initial.body.settings.cbc).toEqual({ dueDays: 30, warningDays: 38, criticalDays: 45 });

    const incoherent = await api
      .http()
      .put(path)
      .set(as(tokens.admin))
      .send({ overrides: { cbc: { warningDays: 10 }, feeds: { learnFactor: 0.5 } } });
    expect(incoherent.status).toBe(400);
    expect(incoherent.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'The monitoring settings are not coherent',
      details: [
        { path: 'body.overrides', message: 'cbc.warningDays must be a whole number ≥ dueDays' },
        { path: 'body.overrides', message: 'feeds.learnFactor must be ≥ 1' },
      ],
    });
    const typo = await api
      .http()
      .put(path)
      .set(as(tokens.admin))
      .send({ overrides: { cbcc: { warningDays: 40 } } });
    expect(typo.status).toBe(400);
    expect((await api.http().put(path).set(as(tokens.auditor)).send({ overrides: {} })).status).toBe(403);

    const saved = await api
      .http()
      .put(path)
      .set(as(tokens.admin))
      .send({ overrides: { thyroid: { warningDays: 100 } }, reason: 'Endocrinology review' });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      version: 1,
      overrides: { thyroid: { warningDays: 100 } },
      settings: { thyroid: { dueDays: 91, warningDays: 100, criticalDays: 120 } },
      changedBy: ids.admin,
    });
    expect((await api.http().get(path).set(as(tokens.admin))).body.version).toBe(1);
    expect(await auditRows('monitoring-settings.update')).toMatchObject([
      {
        actor_id: ids.admin,
        entity_id: site.siteId,
        data_category: 'configuration',
        detail: {
          before: { version: 0, overrides: {} },
          after: { version: 1, overrides: { thyroid: { warningDays: 100 } } },
          reason: 'Endocrinology review',
        },
      },
    ]);
    expect(
      (await api.http().get('/api/v1/sites/nowhere/monitoring-settings').set(as(tokens.admin))).status,
    ).toBe(404);

    // The critical hold of a quiet feed (README decision 15) is a site setting like the others.
    const negative = await api
      .http()
      .put(path)
      .set(as(tokens.admin))
      .send({ overrides: { feeds: { maxCriticalHoldHours: -1 } } });
    expect(negative.status).toBe(400);
    expect(negative.body.details).toEqual([
      { path: 'body.overrides', message: 'feeds.maxCriticalHoldHours must be ≥ 0' },
    ]);
    const shorter = await api
      .http()
      .put(path)
      .set(as(tokens.admin))
      .send({
        overrides: { thyroid: { warningDays: 100 }, feeds: { maxCriticalHoldHours: 12 } },
        reason: 'Critical pages 12 h into a lab outage',
      });
    expect(shorter.status).toBe(200);
    expect(shorter.body).toMatchObject({
      version: 2,
      overrides: { feeds: { maxCriticalHoldHours: 12 } },
      settings: { feeds: { maxHoldDays: 7, maxCriticalHoldHours: 12 } },
    });
    expect((await api.http().get(path).set(as(tokens.auditor))).body.settings.feeds).toMatchObject({
      maxCriticalHoldHours: 12,
    });

    const team = `/api/v1/sites/${site.siteId}/integration-team`;
    const foreign = await api.http().put(team).set(as(tokens.admin)).send({ careTeamId: randomUUID() });
    expect(foreign.status).toBe(400);
    const set = await api.http().put(team).set(as(tokens.admin)).send({ careTeamId: ids.otherTeam });
    expect(set.body).toEqual({ siteId: site.siteId, integrationCareTeamId: ids.otherTeam });
    expect(await auditRows('site.integration-team.update')).toMatchObject([
      { actor_id: ids.admin, detail: { before: site.integration.careTeamId, after: ids.otherTeam } },
    ]);
    const [row] = await ds().query(`SELECT integration_care_team_id FROM sites WHERE id = $1`, [site.siteId]);
    expect(row.integration_care_team_id).toBe(ids.otherTeam);
  });
});
