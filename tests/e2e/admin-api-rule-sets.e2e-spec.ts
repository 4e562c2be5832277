import { type INestApplicationContext } from '@nestjs/common';
import { type LabResultEvent } from '@alem/events';
import { TOPICS } from '@alem/messaging';
import { waitFor } from '@alem/local-stack';
import { enrolPatient, seedCareTeam, seedSite } from '@alem/persistence';
import { loadConfig } from '@alem/runtime';
import { EnrolmentCache } from '../../apps/result-processor/src/enrolment-cache';
import { RuleSetCache } from '../../apps/result-processor/src/rule-set-cache';
import { GENEROUS_LIMITS, seedUser, startAdminApi, type AdminApi } from '../support/admin-api';
import { asMessage, labResult } from '../support/lab-results';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * Rules through the admin API against the whole system (Postgres, the Kafka-protocol broker, the result
 * processor): a site's override posted over HTTP changes how the processor grades the next result and the alert
 * pins the new version; an override that does not apply is refused with every problem and nothing stored; a
 * clinical flag set by the patient's clinician changes thyroid grading.
 */
describe('admin API: rule sets, site overrides and clinical flags', () => {
  let stack: TestStack;
  let processor: INestApplicationContext;
  let api: AdminApi;
  const ids = {} as Record<'admin' | 'clinicianA' | 'teamBrno' | 'teamPrague', string>;
  const tokens = {} as Record<'admin' | 'auditor' | 'clinicianA' | 'clinicianB', string>;
  const q = (sql: string, params: unknown[] = []) => stack.dataSource.query(sql, params);
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });

  async function enrol(identifier: string, site: 'brno' | 'prague'): Promise<string> {
    const patientId = await enrolPatient(stack.dataSource, {
      siteId: site,
      careTeamId: site === 'brno' ? ids.teamBrno : ids.teamPrague,
      indication: 'MS',
      identifiers: [{ authority: 'HOSP', identifier }],
      birthDate: '1985-04-01',
      sex: 'female',
      courses: [{ courseNumber: 1, infusionDays: ['2025-03-03', '2025-03-04', '2025-03-05'] }],
    });
    await waitFor(() => processor.get(EnrolmentCache).lookup({ authority: 'HOSP', id: identifier }), {
      description: `the processor to see ${identifier}`,
    });
    return patientId;
  }

  const send = async (...events: LabResultEvent[]) => {
    await stack.producer.send(TOPICS.labResults, events.map(asMessage));
    await stack.waitUntilConsumed();
  };

  const result = (
    patient: string,
    code: string,
    value: number,
    unit: string,
    range: string,
    orderId: string,
  ) =>
    labResult({
      patient: { id: patient, authority: 'HOSP' },
      observation: { code, system: 'LN', orderId },
      value,
      unit,
      referenceRange: range,
      observedAt: '2026-11-10T08:00:00+01:00',
    });
  const haematuria = (patient: string, orderId: string) =>
    result(patient, '13945-1', 5, '/[HPF]', '0-2', orderId);

  const alertsOf = (patientId: string) =>
    q(
      `SELECT rule_id, severity, state, occurrence_count, rule_set_version FROM alerts WHERE patient_id = $1
       ORDER BY rule_id`,
      [patientId],
    );

  const processorVersion = (site: string) => processor.get(RuleSetCache).ruleSetFor(site, 'MS').version;

  beforeAll(async () => {
    stack = await startTestStack();
    processor = await stack.startProcessor();
    api = await startAdminApi(loadConfig({ ...stack.env(), ...GENEROUS_LIMITS }));
    await seedSite(stack.dataSource, { id: 'brno', name: 'Brno MS centre', timeZone: 'Europe/Prague' });
    await seedSite(stack.dataSource, { id: 'prague', name: 'Prague MS centre', timeZone: 'Europe/Prague' });
    const brno = await seedCareTeam(stack.dataSource, {
      siteId: 'brno',
      name: 'MS Brno',
      members: [{ email: 'clin-brno@hospital.test', displayName: 'Dr. Brno', role: 'physician' }],
    });
    const prague = await seedCareTeam(stack.dataSource, {
      siteId: 'prague',
      name: 'MS Prague',
      members: [{ email: 'clin-prague@hospital.test', displayName: 'Dr. Prague', role: 'physician' }],
    });
    ids.teamBrno = brno.careTeamId;
    ids.teamPrague = prague.careTeamId;
    ids.admin = await seedUser(stack.dataSource, { email: 'admin@hospital.test', roles: ['admin'] });
    ids.clinicianA = await seedUser(stack.dataSource, {
      email: 'clin-brno@hospital.test',
      roles: ['clinician'],
    });
    await seedUser(stack.dataSource, { email: 'clin-prague@hospital.test', roles: ['clinician'] });
    await seedUser(stack.dataSource, { email: 'auditor@hospital.test', roles: ['auditor'] });
    tokens.admin = await api.login('admin@hospital.test');
    tokens.auditor = await api.login('auditor@hospital.test');
    tokens.clinicianA = await api.login('clin-brno@hospital.test');
    tokens.clinicianB = await api.login('clin-prague@hospital.test');
  });

  afterAll(async () => {
    await api?.close();
    await stack?.stop();
  });

  it('shows the shipped rule sets to admins, auditors and clinicians', async () => {
    for (const token of [tokens.admin, tokens.auditor, tokens.clinicianA]) {
      const res = await api.http().get('/api/v1/rule-sets').set(as(token));
      expect(res.status).toBe(200);
      expect(res.body.items.map((s: { version: string }) => s.version)).toEqual(['ms-2026.3', 'cll-2026.4']);
    }
    const ms = (await api.http().get('/api/v1/rule-sets').set(as(tokens.clinicianA))).body.items[0];
    expect(ms.rules.find((r: { id: string }) => r.id === 'URBC-1')).toMatchObject({
      title: 'Microscopic haematuria',
      thresholds: { rbc: 3 },
      tiers: [{ id: 'haematuria', severity: 'warning', uses: { thresholds: ['rbc'] } }],
      overridden: false,
    });
  });

  it('an override posted through the API changes how the processor grades the next result, and the alert pins the new version', async () => {
    const before = await enrol('BRNO-1', 'brno');
    const after = await enrol('BRNO-2', 'brno');
    const otherSite = await enrol('PRAGUE-1', 'prague');

    // Before: haematuria is a warning everywhere, graded with the shipped set.
    await send(haematuria('BRNO-1', 'U-0'));
    expect(await alertsOf(before)).toEqual([
      {
        rule_id: 'URBC-1',
        severity: 'warning',
        state: 'open',
        occurrence_count: 1,
        rule_set_version: 'ms-2026.3',
      },
    ]);

    const posted = await api
      .http()
      .post('/api/v1/sites/brno/rule-overrides')
      .set(as(tokens.admin))
      .send({
        indication: 'MS',
        overrides: [{ ruleId: 'URBC-1', severity: 'critical' }],
        reason: 'Nephrology asks for same-day review of haematuria',
      });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({
      siteId: 'brno',
      indication: 'MS',
      version: 1,
      siteLabel: 'brno.v1',
      ruleSetVersion: 'ms-2026.3+brno.v1',
      overrides: [{ ruleId: 'URBC-1', severity: 'critical' }],
      createdBy: ids.admin,
    });
    const [audit] = await q(
      `SELECT actor_id, entity_id, data_category, detail FROM audit_log WHERE action = 'rule-overrides.create'`,
    );
    expect(audit).toMatchObject({
      actor_id: ids.admin,
      entity_id: posted.body.id,
      data_category: 'configuration',
      detail: {
        siteId: 'brno',
        indication: 'MS',
        before: null,
        after: {
          version: 1,
          ruleSetVersion: 'ms-2026.3+brno.v1',
          overrides: [{ ruleId: 'URBC-1', severity: 'critical' }],
          reason: 'Nephrology asks for same-day review of haematuria',
        },
      },
    });

    // The processor reloads on NOTIFY rule_overrides_changed; then the next result is graded with v1.
    await waitFor(() => processorVersion('brno') === 'ms-2026.3+brno.v1', {
      description: 'the processor to load the brno override',
    });
    expect(processorVersion('prague')).toBe('ms-2026.3');
    await send(haematuria('BRNO-2', 'U-1'), haematuria('PRAGUE-1', 'U-2'));
    expect(await alertsOf(after)).toEqual([
      {
        rule_id: 'URBC-1',
        severity: 'critical',
        state: 'open',
        occurrence_count: 1,
        rule_set_version: 'ms-2026.3+brno.v1',
      },
    ]);
    expect(await alertsOf(otherSite)).toEqual([
      {
        rule_id: 'URBC-1',
        severity: 'warning',
        state: 'open',
        occurrence_count: 1,
        rule_set_version: 'ms-2026.3',
      },
    ]);
    // The alert opened before keeps the version it was graded with.
    expect((await alertsOf(before))[0]).toMatchObject({ severity: 'warning', rule_set_version: 'ms-2026.3' });

    // The effective set, as the site's clinician reads it: the override, its reason, author and time.
    const effective = await api.http().get('/api/v1/sites/brno/rule-sets/MS').set(as(tokens.clinicianA));
    expect(effective.status).toBe(200);
    expect(effective.body).toMatchObject({
      siteId: 'brno',
      indication: 'MS',
      version: 'ms-2026.3+brno.v1',
      baseVersion: 'ms-2026.3',
      problems: [],
      override: {
        version: 1,
        reason: 'Nephrology asks for same-day review of haematuria',
        createdBy: ids.admin,
        createdAt: posted.body.createdAt,
      },
      ruleSet: { version: 'ms-2026.3+brno.v1', site: { label: 'brno.v1', baseVersion: 'ms-2026.3' } },
    });
    const urbc1 = effective.body.ruleSet.rules.find((r: { id: string }) => r.id === 'URBC-1');
    expect(urbc1).toMatchObject({ overridden: true, tiers: [{ severity: 'critical' }] });
    expect(
      effective.body.ruleSet.rules
        .filter((r: { overridden: boolean }) => r.overridden)
        .map((r: { id: string }) => r.id),
    ).toEqual(['URBC-1']);
    const prague = await api.http().get('/api/v1/sites/prague/rule-sets/MS').set(as(tokens.auditor));
    expect(prague.body).toMatchObject({ version: 'ms-2026.3', override: null, problems: [] });
    expect((await api.http().get('/api/v1/sites/nowhere/rule-sets/MS').set(as(tokens.admin))).status).toBe(
      404,
    );

    // An empty list is a new version that returns the site to the shipped grading.
    const revert = await api
      .http()
      .post('/api/v1/sites/brno/rule-overrides')
      .set(as(tokens.admin))
      .send({ indication: 'MS', overrides: [], reason: 'Back to the shipped rules after review' });
    expect(revert.body).toMatchObject({ version: 2, ruleSetVersion: 'ms-2026.3+brno.v2', overrides: [] });
    await waitFor(() => processorVersion('brno') === 'ms-2026.3+brno.v2', {
      description: 'the processor to load version 2',
    });
    const third = await enrol('BRNO-3', 'brno');
    await send(haematuria('BRNO-3', 'U-3'));
    expect(await alertsOf(third)).toEqual([
      {
        rule_id: 'URBC-1',
        severity: 'warning',
        state: 'open',
        occurrence_count: 1,
        rule_set_version: 'ms-2026.3+brno.v2',
      },
    ]);
    const [second] = await q(
      `SELECT detail FROM audit_log WHERE action = 'rule-overrides.create' ORDER BY audit_log.seq DESC LIMIT 1`,
    );
    expect(second.detail).toMatchObject({
      before: { version: 1, overrides: [{ ruleId: 'URBC-1', severity: 'critical' }] },
      after: { version: 2, overrides: [] },
    });

    // The history, newest first, paged, filtered, and as CSV for the auditor; not for clinicians.
    const history = await api.http().get('/api/v1/sites/brno/rule-overrides?limit=1').set(as(tokens.auditor));
    expect(history.status).toBe(200);
    expect(history.body).toMatchObject({ total: 2, limit: 1, offset: 0, items: [{ version: 2 }] });
    const all = await api.http().get('/api/v1/sites/brno/rule-overrides?indication=MS').set(as(tokens.admin));
    expect(all.body.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(
      (await api.http().get('/api/v1/sites/brno/rule-overrides?indication=CLL').set(as(tokens.admin))).body
        .total,
    ).toBe(0);
    const csv = await api.http().get('/api/v1/sites/brno/rule-overrides?format=csv').set(as(tokens.auditor));
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n')[0]).toBe(
      'id,site_id,indication,version,rule_set_version,reason,created_by,created_at,overrides',
    );
    expect(csv.text).toContain('ms-2026.3+brno.v1');
    expect(
      (await api.http().get('/api/v1/sites/brno/rule-overrides').set(as(tokens.clinicianA))).status,
    ).toBe(403);
  });

  it('refuses an override that does not apply, listing every problem, and stores and audits nothing', async () => {
    const count = async () => Number((await q(`SELECT count(*)::int AS n FROM rule_overrides`))[0].n);
    const audited = async () =>
      Number(
        (await q(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'rule-overrides.create'`))[0].n,
      );
    const [rowsBefore, auditBefore] = [await count(), await audited()];
    const res = await api
      .http()
      .post('/api/v1/sites/prague/rule-overrides')
      .set(as(tokens.admin))
      .send({
        indication: 'MS',
        overrides: [
          { ruleId: 'URBC-1', thresholds: { rbc: 5, rbcMax: 9 } },
          { ruleId: 'PLT-4', severity: 'warning' },
          { ruleId: 'ZZZ-9', enabled: false },
          { ruleId: 'PLT-3', tiers: { 'lt-100': { severity: 'warning', emergency: true } } },
        ],
        reason: 'Trying several things at once',
      });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'The overrides do not apply to ms-2026.3',
      details: [
        { path: 'body.overrides.0', message: 'override URBC-1: no threshold rbcMax (has rbc)' },
        {
          path: 'body.overrides.1',
          message: 'override PLT-4: severity applies to single-tier rules; use tiers for 2 tiers',
        },
        { path: 'body.overrides.2', message: 'override ZZZ-9: no such rule in ms-2026.3' },
        { path: 'body.overrides.3', message: 'override PLT-3: tier lt-100: emergency needs critical' },
      ],
    });
    // Malformed overrides never reach the engine.
    const shape = await api
      .http()
      .post('/api/v1/sites/prague/rule-overrides')
      .set(as(tokens.admin))
      .send({ indication: 'MS', overrides: [{ ruleId: 'URBC-1' }], reason: 'nothing' });
    expect(shape.status).toBe(400);
    expect(shape.body.details).toEqual([
      { path: 'body.overrides.0', message: 'an override changes thresholds, severity, tiers or enabled' },
    ]);
    const noReason = await api
      .http()
      .post('/api/v1/sites/prague/rule-overrides')
      .set(as(tokens.admin))
      .send({ indication: 'MS', overrides: [{ ruleId: 'URBC-1', severity: 'critical' }] });
    expect(noReason.status).toBe(400);
    expect(
      (
        await api
          .http()
          .post('/api/v1/sites/nowhere/rule-overrides')
          .set(as(tokens.admin))
          .send({ indication: 'MS', overrides: [], reason: 'no such site' })
      ).status,
    ).toBe(404);
    for (const token of [tokens.clinicianA, tokens.auditor]) {
      const refused = await api
        .http()
        .post('/api/v1/sites/prague/rule-overrides')
        .set(as(token))
        .send({ indication: 'MS', overrides: [], reason: 'not my call' });
      expect(refused.status).toBe(403);
    }
    expect([await count(), await audited()]).toEqual([rowsBefore, auditBefore]);
    expect(
      (await api.http().get('/api/v1/sites/prague/rule-sets/MS').set(as(tokens.admin))).body.override,
    ).toBeNull();
    expect(processorVersion('prague')).toBe('ms-2026.3');
  });

  it('a pregnancy flag set by the patient’s clinician makes the next abnormal TSH critical (TSH-3)', async () => {
    const patientId = await enrol('PREG-1', 'brno');
    const tsh = (value: number, orderId: string, observedAt: string) => ({
      ...result('PREG-1', '3016-3', value, 'm[IU]/L', '0.4-4.0', orderId),
      observedAt,
    });
    await send(tsh(6.2, 'T-1', '2026-11-10T08:00:00+01:00'));
    expect(await alertsOf(patientId)).toEqual([
      {
        rule_id: 'TSH-1',
        severity: 'warning',
        state: 'open',
        occurrence_count: 1,
        rule_set_version: 'ms-2026.3+brno.v2',
      },
    ]);

    // Another team's clinician cannot see the patient, let alone set a flag.
    const refused = await api
      .http()
      .put(`/api/v1/patients/${patientId}/clinical-flags`)
      .set(as(tokens.clinicianB))
      .send({ pregnant: true });
    expect(refused.status).toBe(404);
    const put = await api
      .http()
      .put(`/api/v1/patients/${patientId}/clinical-flags`)
      .set(as(tokens.clinicianA))
      .send({ pregnant: true });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      pregnant: true,
      knownHaemophilia: false,
      bleedingEventRecorded: false,
      onHeparin: false,
    });
    const read = await api.http().get(`/api/v1/patients/${patientId}`).set(as(tokens.clinicianA));
    expect(read.body.clinicalFlags).toEqual(put.body);
    const listed = await api.http().get('/api/v1/patients?identifier=PREG-1').set(as(tokens.admin));
    expect(listed.body.items[0].clinicalFlags).toMatchObject({ pregnant: true });
    const [audit] = await q(
      `SELECT actor_id, patient_id, data_category, detail FROM audit_log WHERE action = 'patient.clinical-flags.update'`,
    );
    expect(audit).toEqual({
      actor_id: ids.clinicianA,
      patient_id: patientId,
      data_category: 'treatment',
      detail: {
        before: { pregnant: false, knownHaemophilia: false, bleedingEventRecorded: false, onHeparin: false },
        after: { pregnant: true, knownHaemophilia: false, bleedingEventRecorded: false, onHeparin: false },
      },
    });

    // The next abnormal TSH is TSH-3 (critical), which supersedes TSH-1 for that result.
    await send(tsh(6.4, 'T-2', '2026-11-11T08:00:00+01:00'));
    expect(await alertsOf(patientId)).toEqual([
      {
        rule_id: 'TSH-1',
        severity: 'warning',
        state: 'open',
        occurrence_count: 1,
        rule_set_version: 'ms-2026.3+brno.v2',
      },
      {
        rule_id: 'TSH-3',
        severity: 'critical',
        state: 'open',
        occurrence_count: 1,
        rule_set_version: 'ms-2026.3+brno.v2',
      },
    ]);
    // Partial changes keep the other flags.
    const more = await api
      .http()
      .put(`/api/v1/patients/${patientId}/clinical-flags`)
      .set(as(tokens.admin))
      .send({ onHeparin: true });
    expect(more.body).toEqual({
      pregnant: true,
      knownHaemophilia: false,
      bleedingEventRecorded: false,
      onHeparin: true,
    });
    expect(
      (
        await api
          .http()
          .put(`/api/v1/patients/${patientId}/clinical-flags`)
          .set(as(tokens.admin))
          .send({ smoker: true })
      ).status,
    ).toBe(400);
  });
});
