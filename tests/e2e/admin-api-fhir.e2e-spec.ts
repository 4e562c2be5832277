import { waitFor } from '@alem/local-stack';
import { TOPICS } from '@alem/messaging';
import { seedCareTeam } from '@alem/persistence';
import { loadConfig } from '@alem/runtime';
import { GENEROUS_LIMITS, seedUser, startAdminApi, type AdminApi } from '../support/admin-api';
import { asMessage, labResult } from '../support/lab-results';
import { seedDemoPatient, startTestStack, type TestStack } from '../support/test-stack';

/**
 * Issue 18, FHIR R4 out: a lab result arrives through Kafka, the processor opens an alert, and the alert is
 * readable as a FHIR DetectedIssue (and found by a search) by a clinician of the patient's team, audited as
 * the JSON API's reads are; another team's clinician gets 404, nobody signed in 401, both as OperationOutcomes.
 */
describe('admin API: alerts as FHIR R4 DetectedIssues', () => {
  let stack: TestStack;
  let api: AdminApi;
  const ids = {} as Record<'patient' | 'clinicianA' | 'clinicianB' | 'alert' | 'result', string>;
  const tokens = {} as Record<'a' | 'b', string>;
  const BASE = '/api/v1/fhir/R4';
  const observation = { code: '777-3', system: 'LN', display: 'Platelets', orderId: 'ORD-FHIR-1' };
  const observedAt = '2026-11-20T08:15:00+01:00';

  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const get = (path: string, token?: string) => {
    const req = api.http().get(`${BASE}${path}`);
    return token ? req.set(as(token)) : req;
  };
  const auditRows = (action: string, actorId: string) =>
    stack.dataSource.query(
      `SELECT entity_id, patient_id, outcome, detail FROM audit_log WHERE action = $1 AND actor_id = $2
       ORDER BY audit_log.seq`,
      [action, actorId],
    );

  beforeAll(async () => {
    stack = await startTestStack();
    await stack.startProcessor();
    api = await startAdminApi(loadConfig({ ...stack.env(), ...GENEROUS_LIMITS }));
    const { patientId } = await seedDemoPatient(stack.dataSource);
    ids.patient = patientId;
    await seedCareTeam(stack.dataSource, {
      siteId: 'site-1',
      name: 'MS team B',
      members: [{ email: 'other-team@hospital.test', displayName: 'Dr. Other', role: 'clinician' }],
    });
    ids.clinicianA = await seedUser(stack.dataSource, {
      email: 'neurologist@hospital.test',
      displayName: 'Dr. Eva Svobodová',
      roles: ['clinician'],
    });
    ids.clinicianB = await seedUser(stack.dataSource, {
      email: 'other-team@hospital.test',
      roles: ['clinician'],
    });
    tokens.a = await api.login('neurologist@hospital.test');
    tokens.b = await api.login('other-team@hospital.test');

    // A critically low platelet count through the real intake: Kafka, the processor, the alert ledger.
    await stack.waitForEnrolment({ authority: 'HOSP', id: 'MRN1001' });
    await stack.producer.send(TOPICS.labResults, [
      asMessage(labResult({ observation, observedAt, value: 18 })),
    ]);
    const [row] = await waitFor(
      async () => {
        const rows = await stack.dataSource.query(
          `SELECT a.id, o.result_id::text AS result_id FROM alerts a
           JOIN alert_occurrences o ON o.alert_id = a.id WHERE a.patient_id = $1`,
          [ids.patient],
        );
        return rows.length > 0 ? rows : undefined;
      },
      { description: 'the alert to open' },
    );
    ids.alert = row.id;
    ids.result = row.result_id;
  });

  afterAll(async () => {
    await api?.close();
    await stack?.stop();
  });

  it('gives a clinician of the team the alert as a DetectedIssue, and audits the read as the alert’s', async () => {
    const [alert] = await stack.dataSource.query(
      `SELECT rule_id, severity, reference, explanation->>'title' AS title, explanation->>'summary' AS summary,
              opened_at FROM alerts WHERE id = $1`,
      [ids.alert],
    );
    const res = await get(`/DetectedIssue/${ids.alert}`, tokens.a);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(res.body).toMatchObject({
      resourceType: 'DetectedIssue',
      id: ids.alert,
      status: 'final',
      severity: { critical: 'high', warning: 'moderate', info: 'low' }[alert.severity as string],
      code: { coding: [{ code: alert.rule_id, display: alert.title }] },
      identifier: [{ value: alert.reference }],
      patient: { reference: `Patient/${ids.patient}` },
      identifiedDateTime: alert.opened_at.toISOString(),
      detail: alert.summary,
      evidence: [{ detail: [{ reference: `Observation/${ids.result}` }] }],
      implicated: [{ display: 'alemtuzumab (Lemtrada)' }],
    });
    expect(res.body).not.toHaveProperty('mitigation');
    expect(await auditRows('alert.read', ids.clinicianA)).toEqual([
      {
        entity_id: ids.alert,
        patient_id: ids.patient,
        outcome: 'success',
        detail: { as: 'fhir-r4-DetectedIssue' },
      },
    ]);
  });

  it('finds it by patient (id or identifier) and status, as a paged searchset Bundle, audited', async () => {
    const ofPatient = await get(`/DetectedIssue?patient=${ids.patient}&status=final`, tokens.a);
    expect(ofPatient.status).toBe(200);
    expect(ofPatient.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(ofPatient.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    expect(ofPatient.body.entry).toEqual([
      {
        fullUrl: `https://alerts.test.example${BASE}/DetectedIssue/${ids.alert}`,
        resource: expect.objectContaining({ resourceType: 'DetectedIssue', id: ids.alert, status: 'final' }),
        search: { mode: 'match' },
      },
    ]);
    const byIdentifier = await get(
      `/DetectedIssue?patient=${encodeURIComponent('HOSP|MRN1001')}&status=preliminary,final`,
      tokens.a,
    );
    expect(byIdentifier.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([
      ids.alert,
    ]);
    for (const status of ['entered-in-error', 'preliminary']) {
      const none = await get(`/DetectedIssue?patient=${ids.patient}&status=${status}`, tokens.a);
      expect({ status, total: none.body.total, entry: none.body.entry }).toEqual({
        status,
        total: 0,
        entry: [],
      });
    }
    const otherPatient = await get(`/DetectedIssue?patient=${encodeURIComponent('HOSP|MRN-NONE')}`, tokens.a);
    expect(otherPatient.body.total).toBe(0);

    const listed = await auditRows('alert.list', ids.clinicianA);
    expect(listed).toHaveLength(5);
    expect(listed[0]).toMatchObject({
      outcome: 'success',
      detail: {
        as: 'fhir-r4-DetectedIssue',
        total: 1,
        alertIds: [ids.alert],
        patientIds: [ids.patient],
        filters: { patient: { kind: 'id', patientId: ids.patient }, status: ['final'] },
      },
    });
  });

  it('shows the acknowledgement as a mitigation by the Practitioner and, when asked, as a completed Task', async () => {
    const ack = await api
      .http()
      .post(`/api/v1/alerts/${ids.alert}/acknowledge`)
      .set(as(tokens.a))
      .send({ note: 'calling the patient' });
    expect(ack.status).toBe(200);
    const issue = await get(`/DetectedIssue/${ids.alert}`, tokens.a);
    expect(issue.body.status).toBe('final');
    expect(issue.body.mitigation).toEqual([
      {
        action: expect.objectContaining({ coding: [expect.objectContaining({ code: 'acknowledged' })] }),
        date: ack.body.acknowledgedAt,
        author: { reference: `Practitioner/${ids.clinicianA}`, display: 'Dr. Eva Svobodová' },
      },
    ]);
    const withTasks = await get(`/DetectedIssue?patient=${ids.patient}&_revinclude=Task:focus`, tokens.a);
    expect(withTasks.body.total).toBe(1);
    expect(withTasks.body.entry[1]).toMatchObject({
      search: { mode: 'include' },
      resource: {
        resourceType: 'Task',
        status: 'completed',
        focus: { reference: `DetectedIssue/${ids.alert}` },
        owner: { reference: `Practitioner/${ids.clinicianA}` },
      },
    });
  });

  it('answers a clinician of another team 404 as an OperationOutcome, finds nothing for them, and audits no read', async () => {
    const res = await get(`/DetectedIssue/${ids.alert}`, tokens.b);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(res.body).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'not-found',
          details: { text: 'DetectedIssue not found' },
          diagnostics: 'DetectedIssue not found',
        },
      ],
    });
    // The JSON API answers the same.
    expect((await api.http().get(`/api/v1/alerts/${ids.alert}`).set(as(tokens.b))).status).toBe(404);
    const search = await get(`/DetectedIssue?patient=${ids.patient}`, tokens.b);
    expect(search.body).toMatchObject({ total: 0, entry: [] });
    expect(await auditRows('alert.read', ids.clinicianB)).toEqual([]);
  });

  it('answers 401 without a token and 400 to a search it does not understand, as OperationOutcomes', async () => {
    for (const path of [`/DetectedIssue/${ids.alert}`, `/DetectedIssue?patient=${ids.patient}`]) {
      const res = await get(path);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
      expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
    }
    const bad = await get('/DetectedIssue?status=open', tokens.a);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'invalid' }] });
  });

  it('is entered-in-error once the lab corrects the result it was raised on to a normal value', async () => {
    await stack.producer.send(TOPICS.labResults, [
      asMessage(labResult({ observation, observedAt, value: 230, status: 'corrected' })),
    ]);
    await waitFor(
      async () =>
        (
          await stack.dataSource.query(
            `SELECT 1 FROM alert_occurrences WHERE alert_id = $1 AND retracted_at IS NOT NULL`,
            [ids.alert],
          )
        ).length > 0,
      { description: 'the occurrence to be withdrawn' },
    );
    const issue = await get(`/DetectedIssue/${ids.alert}`, tokens.a);
    expect(issue.body).toMatchObject({
      status: 'entered-in-error',
      evidence: [{ detail: [{ reference: `Observation/${ids.result}` }] }],
    });
    const found = await get(`/DetectedIssue?status=entered-in-error`, tokens.a);
    expect(found.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([ids.alert]);
    expect((await get(`/DetectedIssue?status=final`, tokens.a)).body.total).toBe(0);
  });
});
