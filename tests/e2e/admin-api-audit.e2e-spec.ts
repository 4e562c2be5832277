import { type INestApplicationContext } from '@nestjs/common';
import { TOPICS } from '@alem/messaging';
import { waitFor } from '@alem/local-stack';
import { loadConfig } from '@alem/runtime';
import { runAuditVerification } from '../../apps/admin-api/src/audit-verify.cli';
import { createAdmin } from '../../apps/admin-api/src/create-admin.cli';
import { EnrolmentCache } from '../../apps/result-processor/src/enrolment-cache';
import { GENEROUS_LIMITS, startAdminApi, TEST_PASSWORD, type AdminApi } from '../support/admin-api';
import { asMessage, labResult } from '../support/lab-results';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * A day of work on the whole system (real Postgres, Kafka-protocol broker, Redis, SMTP, the processor and
 * the notifier, the admin API over HTTP): the audit log holds what happened, in order, in one intact chain,
 * and an edit made behind the database's back is named by seq and id, by the API and by the CLI.
 */
describe('audit trail of a day of work', () => {
  let stack: TestStack;
  let processor: INestApplicationContext;
  let api: AdminApi;
  let adminToken: string;
  let clinicianToken: string;
  const ids: Record<string, string> = {};

  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const auditRows = async (): Promise<
    Array<{
      seq: string;
      id: string;
      action: string;
      actor_id: string | null;
      patient_id: string | null;
      outcome: string;
      detail: Record<string, unknown>;
    }>
  > =>
    stack.dataSource.query(
      `SELECT seq::text, id::text, action, actor_id, patient_id, outcome, detail FROM audit_log ORDER BY audit_log.seq`,
    );

  beforeAll(async () => {
    stack = await startTestStack();
    processor = await stack.startProcessor();
    await stack.startNotifier();
    api = await startAdminApi(loadConfig({ ...stack.env(), ...GENEROUS_LIMITS }));
  });

  afterAll(async () => {
    await api?.close();
    await stack?.stop();
  });

  it('records enrolment, the alert, its acknowledgement and resolution, and configuration changes, in order', async () => {
    // The first admin of the installation comes from the CLI.
    ids.admin = await createAdmin(stack.db.url, 'Admin@Hospital.test', TEST_PASSWORD, 'Ada Admin');
    adminToken = await api.login('admin@hospital.test');
    const post = (path: string, body: object, token = adminToken) =>
      api.http().post(path).set(as(token)).send(body);

    expect(
      (await post('/api/v1/sites', { id: 'site-1', name: 'MS Centre', timeZone: 'Europe/Prague' })).status,
    ).toBe(201);
    const team = await post('/api/v1/care-teams', { siteId: 'site-1', name: 'MS team A' });
    ids.team = team.body.id;
    const clinician = await post('/api/v1/users', {
      email: 'Neurologist@Hospital.test',
      displayName: 'Dr. Eva Svobodová',
      roles: ['clinician'],
      password: TEST_PASSWORD,
    });
    expect(clinician.status).toBe(201);
    ids.clinician = clinician.body.id;
    const member = await api
      .http()
      .put(`/api/v1/care-teams/${ids.team}/members/${ids.clinician}`)
      .set(as(adminToken))
      .send({ role: 'physician' });
    expect(member.status).toBe(200);
    const contact = await post(`/api/v1/users/${ids.clinician}/contact-points`, {
      channel: 'email',
      address: 'neurologist@hospital.test',
    });
    expect(contact.body).toMatchObject({ verifiedAt: null });
    // Verification by test message belongs to the notifications issue; here the person has confirmed it.
    await stack.dataSource.query(`UPDATE contact_points SET verified_at = now() WHERE id = $1`, [
      contact.body.id,
    ]);

    const patient = await post('/api/v1/patients', {
      siteId: 'site-1',
      careTeamId: ids.team,
      indication: 'MS',
      identifiers: [{ authority: 'HOSP', identifier: 'MRN-DAY-1' }],
      displayName: 'Jana Nováková',
      birthDate: '1984-05-17',
      sex: 'female',
      courses: [{ courseNumber: 1, infusionDays: ['2025-09-01', '2025-09-02', '2025-09-03'] }],
    });
    expect(patient.status).toBe(201);
    ids.patient = patient.body.id;

    // A breaching platelet count arrives through Kafka; the processor opens an alert, the notifier emails.
    await waitFor(() => processor.get(EnrolmentCache).lookup({ authority: 'HOSP', id: 'MRN-DAY-1' }), {
      description: 'the processor to see the enrolment',
    });
    await stack.producer.send(TOPICS.labResults, [
      asMessage(labResult({ patient: { id: 'MRN-DAY-1', authority: 'HOSP' }, value: 42 })),
    ]);
    const alert = await waitFor(
      async () =>
        (
          await stack.dataSource.query(`SELECT id, rule_id FROM alerts WHERE patient_id = $1`, [ids.patient])
        )[0],
      { description: 'the alert to open' },
    );
    ids.alert = alert.id;
    await stack.smtp.waitForMessages(1);

    clinicianToken = await api.login('neurologist@hospital.test');
    const list = await api.http().get('/api/v1/alerts?state=open').set(as(clinicianToken));
    expect(list.body.items.map((a: { id: string }) => a.id)).toEqual([ids.alert]);
    const detail = await api.http().get(`/api/v1/alerts/${ids.alert}`).set(as(clinicianToken));
    expect(detail.status).toBe(200);
    expect(detail.body.timeline.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['opened', 'notification-queued']),
    );
    const ack = await post(
      `/api/v1/alerts/${ids.alert}/acknowledge`,
      { note: 'calling the patient' },
      clinicianToken,
    );
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ state: 'acknowledged', acknowledgedBy: ids.clinician });
    expect((await post(`/api/v1/alerts/${ids.alert}/acknowledge`, {}, clinicianToken)).status).toBe(409);
    const resolved = await post(
      `/api/v1/alerts/${ids.alert}/resolve`,
      { reason: 'repeat count normal' },
      clinicianToken,
    );
    expect(resolved.body).toMatchObject({ state: 'resolved', resolutionReason: 'repeat count normal' });

    const mapping = await post('/api/v1/code-mappings', {
      sender: 'LIS^CENTRAL-LAB',
      codeSystem: '99CITY',
      code: 'PLT',
      loinc: '777-3',
      unit: '10*9/L',
    });
    expect(mapping.status).toBe(201);
    const roleChange = await api
      .http()
      .put(`/api/v1/care-teams/${ids.team}/members/${ids.clinician}`)
      .set(as(adminToken))
      .send({ role: 'supervisor' });
    expect(roleChange.status).toBe(200);

    // The notifier writes its rows when it gets to them: the alert's email, and the verification code sent to
    // the contact point created above (contacts are verified by a test message before alerts use them).
    await waitFor(
      async () => {
        const actions = (await auditRows()).map((r) => r.action);
        return (
          actions.includes('notification.attempt') && actions.includes('contact-point.verification-send')
        );
      },
      { description: 'the notifier to record its attempt and the verification it sent' },
    );
    const rows = await auditRows();
    const story = rows
      .map((r) => r.action)
      .filter(
        (a) =>
          !['audit.read', 'notification.attempt', 'alert.list', 'contact-point.verification-send'].includes(
            a,
          ),
      );
    expect(story).toEqual([
      'user.create', // the CLI's first admin
      'auth.login',
      'site.create',
      'care-team.create',
      'user.create',
      'care-team-member.add',
      'contact-point.create',
      'patient.create',
      'auth.login',
      'alert.read',
      'alert.acknowledge',
      'alert.resolve',
      'code-mapping.create',
      'care-team-member.update',
    ]);
    const byAction = (action: string) => rows.filter((r) => r.action === action);
    expect(byAction('contact-point.verification-send')).toHaveLength(1);
    expect(byAction('patient.create')[0]).toMatchObject({ actor_id: ids.admin, patient_id: ids.patient });
    expect(byAction('alert.read')[0]).toMatchObject({ actor_id: ids.clinician, patient_id: ids.patient });
    expect(byAction('alert.list')[0]!.detail).toMatchObject({ patientIds: [ids.patient] });
    expect(byAction('alert.acknowledge')[0]).toMatchObject({
      actor_id: ids.clinician,
      patient_id: ids.patient,
      detail: expect.objectContaining({
        before: expect.objectContaining({ state: 'open' }),
        after: expect.objectContaining({ state: 'acknowledged', acknowledgedBy: ids.clinician }),
        note: 'calling the patient',
      }),
    });
    expect(byAction('alert.resolve')[0]!.detail).toMatchObject({ reason: 'repeat count normal' });
    expect(byAction('care-team-member.update')[0]!.detail).toMatchObject({
      before: { role: 'physician' },
      after: { role: 'supervisor' },
    });
    expect(byAction('notification.attempt')[0]).toMatchObject({
      patient_id: ids.patient,
      outcome: 'success',
    });
    // The notification went out after the patient was enrolled and the alert opened, before anyone read it.
    const seqOf = (action: string) => Number(byAction(action)[0]!.seq);
    expect(seqOf('notification.attempt')).toBeGreaterThan(seqOf('patient.create'));
    // The alert's own timeline holds the same closed loop, with the person who acted.
    const events = await stack.dataSource.query(
      `SELECT type, actor_user_id FROM alert_events WHERE alert_id = $1 AND actor_user_id IS NOT NULL ORDER BY alert_events.id`,
      [ids.alert],
    );
    expect(events).toEqual([
      { type: 'acknowledged', actor_user_id: ids.clinician },
      { type: 'resolved', actor_user_id: ids.clinician },
    ]);
    // No secret reaches the log: not the password, not its hash.
    const everything = JSON.stringify(rows);
    expect(everything).not.toContain(TEST_PASSWORD);
    expect(everything).not.toContain('$scrypt$');
  });

  it('exports the audit log and the alert log as CSV for the auditor', async () => {
    const csv = await api
      .http()
      .get('/api/v1/audit?action=alert.acknowledge')
      .set(as(adminToken))
      .set('Accept', 'text/csv');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['x-total-count']).toBe('1');
    const [header, row] = csv.text.trim().split('\r\n');
    expect(header!.split(',').slice(0, 7)).toEqual([
      'seq',
      'id',
      'occurred_at',
      'actor_type',
      'actor_id',
      'actor_label',
      'action',
    ]);
    expect(row).toContain('alert.acknowledge');
    const alerts = await api.http().get('/api/v1/alerts?format=csv&state=resolved').set(as(adminToken));
    expect(alerts.text).toContain('repeat count normal');
  });

  it('pages the audit log by keyset in both orders: every row once, and the total of the filters', async () => {
    // One data category, not the audit log's own reads (each page read appends one of those).
    const all = await api.http().get('/api/v1/audit?limit=500').set(as(adminToken));
    const rows = all.body.items as Array<{ seq: string; dataCategory: string }>;
    const counts = new Map<string, number>();
    for (const r of rows)
      if (r.dataCategory !== 'audit-log') counts.set(r.dataCategory, (counts.get(r.dataCategory) ?? 0) + 1);
    const [category, count] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
    expect(count).toBeGreaterThan(3);
    const seqs = rows.filter((r) => r.dataCategory === category).map((r) => r.seq);
    for (const order of ['asc', 'desc'] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url = `/api/v1/audit?dataCategory=${category}&order=${order}&limit=2`;
        const res: {
          status: number;
          body: { total: number; items: Array<{ seq: string }>; nextAfterSeq: string | null };
        } = await api
          .http()
          .get(cursor ? `${url}&afterSeq=${cursor}` : url)
          .set(as(adminToken));
        expect(res.status).toBe(200);
        expect(res.body.total).toBe(seqs.length);
        seen.push(...(res.body.items as Array<{ seq: string }>).map((r) => r.seq));
        cursor = res.body.nextAfterSeq;
      } while (cursor !== null && seen.length <= seqs.length);
      expect(seen).toEqual(order === 'asc' ? seqs : [...seqs].reverse());
    }
    const refused = await api.http().get('/api/v1/audit?afterSeq=1%20OR%201=1').set(as(adminToken));
    expect(refused.status).toBe(400);
  });

  it('gives the overview the time to acknowledge by severity, computed over every alert of the period', async () => {
    const [ack] = await stack.dataSource.query(
      `SELECT severity, extract(epoch FROM acknowledged_at - opened_at) / 60 AS minutes FROM alerts WHERE id = $1`,
      [ids.alert],
    );
    const res = await api.http().get('/api/v1/alerts/acknowledgement-times?days=30').set(as(adminToken));
    expect(res.status).toBe(200);
    const row = (res.body.severities as Array<{ severity: string }>).find((r) => r.severity === ack.severity);
    const minutes = Math.round(Number(ack.minutes) * 10) / 10;
    expect(row).toEqual({
      severity: ack.severity,
      opened: 1,
      acknowledged: 1,
      p50Minutes: minutes,
      p95Minutes: minutes,
    });
    expect(res.body.severities).toHaveLength(3);
    expect(
      (await api.http().get('/api/v1/alerts/acknowledgement-times').set(as(clinicianToken))).status,
    ).toBe(403);
  });

  it('serves health and metrics, with the time to acknowledge', async () => {
    const health = await api.http().get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      info: { postgres: { status: 'up' }, redis: { status: 'up' }, kafka: { status: 'up' } },
    });
    const metrics = await api.http().get('/metrics');
    expect(metrics.text).toMatch(
      /alem_alert_time_to_acknowledge_seconds_count\{severity="critical",rule="PLT-4"\} 1/,
    );
    expect(metrics.text).toMatch(/alem_results_total\{outcome="stored"\} 1/);
    expect(metrics.text).toMatch(/alem_delivery_attempts_total\{channel="email",outcome="sent"\} 1/);
    expect(metrics.text).toMatch(
      /alem_kafka_consumer_lag\{group="result-processor",topic="lab.results.v1"\} 0/,
    );
    expect(metrics.text).toContain('process_cpu_user_seconds_total');
  });

  it('verifies the chain, and names the row edited behind the triggers (API and CLI)', async () => {
    const intact = await api.http().get('/api/v1/audit/verify').set(as(adminToken));
    expect(intact.body).toMatchObject({ ok: true, firstBreak: null });
    const out: string[] = [];
    expect(await runAuditVerification(loadConfig(stack.env()), (line) => out.push(line))).toBe(0);
    expect(out.at(-1)).toMatch(/^audit log intact: \d+ rows/);

    // A superuser rewrites who acknowledged the alert, bypassing the append-only trigger.
    const [ack] = await stack.dataSource.query(
      `SELECT seq::text, id::text FROM audit_log WHERE action = 'alert.acknowledge'`,
    );
    await stack.dataSource.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    try {
      await stack.dataSource.query(`UPDATE audit_log SET actor_id = $2 WHERE id = $1`, [ack.id, ids.admin]);
    } finally {
      await stack.dataSource.query(`ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_append_only`);
    }

    const broken = await api.http().get('/api/v1/audit/verify').set(as(adminToken));
    expect(broken.body).toMatchObject({
      ok: false,
      firstBreak: { seq: ack.seq, id: ack.id, reason: 'hash-mismatch' },
    });
    const cli: string[] = [];
    expect(await runAuditVerification(loadConfig(stack.env()), (line) => cli.push(line))).toBe(2);
    expect(cli.at(-1)).toBe(`audit log BROKEN at seq ${ack.seq} (id ${ack.id}): hash-mismatch`);
    // The failed verifications are on the record too.
    const checks = await stack.dataSource.query(
      `SELECT outcome FROM audit_log WHERE action = 'audit.verify' ORDER BY audit_log.seq`,
    );
    expect(checks.map((c: { outcome: string }) => c.outcome)).toEqual([
      'success',
      'success',
      'failure',
      'failure',
    ]);
  });
});
