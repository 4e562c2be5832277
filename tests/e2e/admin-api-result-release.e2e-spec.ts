import { type INestApplicationContext } from '@nestjs/common';
import { type LabResultEvent } from '@alem/events';
import { TOPICS } from '@alem/messaging';
import { waitFor } from '@alem/local-stack';
import { seedCareTeam, seedSite } from '@alem/persistence';
import { loadConfig } from '@alem/runtime';
import { EnrolmentCache } from '../../apps/result-processor/src/enrolment-cache';
import { GENEROUS_LIMITS, seedUser, startAdminApi, type AdminApi } from '../support/admin-api';
import { asMessage, labResult } from '../support/lab-results';
import { startTestStack, type TestStack } from '../support/test-stack';
import { readableText } from '../support/mail-text';

/**
 * DD-4 holds an implausible D-dimer jump (clinical rules §2, §4.2) until a reviewer releases it, on the whole
 * system: enrolment over the API, results through Kafka into the processor, the held value's DD-4 alert, the
 * release over HTTP by a clinician of the care team, which grades the value once with the site's rule set
 * (DD-3 opens, pins that version and is emailed by the notifier), and the DD-4 alert's timeline and the audit
 * log say who released it, why, and what the grading raised. A second release, even a simultaneous one, grades
 * nothing again.
 */
describe('admin API: releasing a result held for review (DD-4)', () => {
  let stack: TestStack;
  let processor: INestApplicationContext;
  let api: AdminApi;
  const ids = {} as Record<'team' | 'otherTeam' | 'pragueTeam' | 'admin' | 'clinician' | 'outsider', string>;
  const tokens = {} as Record<'admin' | 'clinician' | 'outsider' | 'auditor', string>;
  const q = (sql: string, params: unknown[] = []) => stack.dataSource.query(sql, params);
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const RULE_SET = 'ms-2026.3+brno.v1';

  const send = async (...events: LabResultEvent[]) => {
    await stack.producer.send(TOPICS.labResults, events.map(asMessage));
    await stack.waitUntilConsumed();
  };

  /** A D-dimer (FEU basis by its LOINC code) as the lab sends it. */
  const dDimer = (patient: string, value: number, unit: string, observedAt: string, orderId: string) =>
    labResult({
      patient: { id: patient, authority: 'HOSP' },
      observation: { code: '48065-7', system: 'LN', display: 'D-dimer FEU', orderId },
      value,
      unit,
      referenceRange: unit === 'mg/L' ? '<0.5' : '<500',
      observedAt,
    });

  /** Enrols through the API (as an admin) and waits until the processor takes the patient's results. */
  async function enrol(identifier: string, site: 'brno' | 'prague' = 'brno'): Promise<string> {
    const res = await api
      .http()
      .post('/api/v1/patients')
      .set(as(tokens.admin))
      .send({
        siteId: site,
        careTeamId: site === 'brno' ? ids.team : ids.pragueTeam,
        indication: 'MS',
        identifiers: [{ authority: 'HOSP', identifier }],
        birthDate: '1985-04-01',
        sex: 'female',
        courses: [
          {
            courseNumber: 1,
            infusionDays: ['2026-10-05', '2026-10-06', '2026-10-07', '2026-10-08', '2026-10-09'],
          },
        ],
      });
    expect(res.status).toBe(201);
    await waitFor(() => processor.get(EnrolmentCache).lookup({ authority: 'HOSP', id: identifier }), {
      description: `the processor to see ${identifier}`,
    });
    return res.body.id as string;
  }

  /** 0.3 mg/L, then a day later 38,000 ng/mL (38 mg/L): a 127-fold jump within 7 days, held by DD-4. */
  async function sendJump(identifier: string): Promise<{ before: string; jump: string }> {
    await send(dDimer(identifier, 0.3, 'mg/L', '2026-11-10T08:00:00+01:00', `${identifier}-1`));
    await send(dDimer(identifier, 38000, 'ng/mL', '2026-11-11T08:00:00+01:00', `${identifier}-2`));
    const rows: Array<{ id: string; value_original: string }> = await q(
      `SELECT r.id::text, r.value_original FROM results r JOIN patient_identifiers i ON i.patient_id = r.patient_id
       WHERE i.identifier = $1 ORDER BY r.observed_at`,
      [identifier],
    );
    expect(rows.map((r) => r.value_original)).toEqual(['0.3', '38000']);
    return { before: rows[0]!.id, jump: rows[1]!.id };
  }

  const release = (patientId: string, resultId: string, token: string, reason: string) =>
    api
      .http()
      .post(`/api/v1/patients/${patientId}/results/${resultId}/release`)
      .set(as(token))
      .send({ reason });

  const alertsOf = (patientId: string) =>
    q(
      `SELECT id, reference, rule_id, kind, severity, emergency, state, occurrence_count, rule_set_version, explanation
       FROM alerts WHERE patient_id = $1 ORDER BY rule_id`,
      [patientId],
    );

  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await q(sql, params))[0].n);

  beforeAll(async () => {
    stack = await startTestStack();
    await seedSite(stack.dataSource, { id: 'brno', name: 'Brno MS centre', timeZone: 'Europe/Prague' });
    // The site's own rule set (an override that leaves D-dimer alone): every alert pins its version, so the
    // released value is seen to be graded with the site's set, as the processor grades.
    await q(
      `INSERT INTO rule_overrides (site_id, indication, version, overrides, reason)
       VALUES ('brno', 'MS', 1, $1, 'nephrology asks for same-day review of haematuria')`,
      [JSON.stringify([{ ruleId: 'URBC-1', severity: 'critical' }])],
    );
    const team = await seedCareTeam(stack.dataSource, {
      siteId: 'brno',
      name: 'MS Brno',
      members: [{ email: 'neurologist@hospital.test', displayName: 'Dr. Eva Svobodová', role: 'physician' }],
    });
    const otherTeam = await seedCareTeam(stack.dataSource, {
      siteId: 'brno',
      name: 'Haematology Brno',
      members: [{ email: 'haematologist@hospital.test', displayName: 'Dr. Other', role: 'physician' }],
    });
    ids.team = team.careTeamId;
    ids.otherTeam = otherTeam.careTeamId;
    // Prague's latest override was orphaned by a rule-set change (written past the API's validation): the
    // processor grades Prague's patients with the shipped set, and so must a release.
    await seedSite(stack.dataSource, { id: 'prague', name: 'Prague MS centre', timeZone: 'Europe/Prague' });
    await q(
      `INSERT INTO rule_overrides (site_id, indication, version, overrides, reason)
       VALUES ('prague', 'MS', 1, $1, 'written for a rule that is gone')`,
      [JSON.stringify([{ ruleId: 'PLT-9', severity: 'critical' }])],
    );
    const pragueTeam = await seedCareTeam(stack.dataSource, {
      siteId: 'prague',
      name: 'MS Prague',
      members: [{ email: 'neurologist@hospital.test', displayName: 'Dr. Eva Svobodová', role: 'physician' }],
    });
    ids.pragueTeam = pragueTeam.careTeamId;
    ids.clinician = await seedUser(stack.dataSource, {
      email: 'neurologist@hospital.test',
      roles: ['clinician'],
    });
    ids.outsider = await seedUser(stack.dataSource, {
      email: 'haematologist@hospital.test',
      roles: ['clinician'],
    });
    ids.admin = await seedUser(stack.dataSource, { email: 'admin@hospital.test', roles: ['admin'] });
    await seedUser(stack.dataSource, { email: 'auditor@hospital.test', roles: ['auditor'] });

    processor = await stack.startProcessor();
    await stack.startNotifier();
    api = await startAdminApi(loadConfig({ ...stack.env(), ...GENEROUS_LIMITS }));
    tokens.admin = await api.login('admin@hospital.test');
    tokens.clinician = await api.login('neurologist@hospital.test');
    tokens.outsider = await api.login('haematologist@hospital.test');
    tokens.auditor = await api.login('auditor@hospital.test');
  });

  afterAll(async () => {
    await api?.close();
    await stack?.stop();
  });

  it('holds the jump (DD-4 says which value, no DD-3), and a clinician of the care team releases it: graded once, DD-3 opens and is emailed', async () => {
    const patientId = await enrol('JUMP-1');
    const { before, jump } = await sendJump('JUMP-1');

    // Held: the DD-4 data-quality alert names the value; no breach rule graded it.
    const held = await alertsOf(patientId);
    expect(held).toEqual([
      expect.objectContaining({
        rule_id: 'DD-4',
        kind: 'data-quality',
        severity: 'warning',
        state: 'open',
        rule_set_version: RULE_SET,
      }),
    ]);
    const dd4 = held[0];
    expect(dd4.explanation.summary).toContain('D-dimer 38 mg/L is held and not graded');
    expect(dd4.explanation.summary).toContain('previous value 0.3 mg/L');
    const [jumpRow] = await q(
      `SELECT review_hold, released_at, released_by, release_reason FROM results WHERE id = $1`,
      [jump],
    );
    expect(jumpRow).toEqual({
      review_hold: expect.stringMatching(/^DD-4 implausible-jump: D-dimer 38 mg\/L is held and not graded/),
      released_at: null,
      released_by: null,
      release_reason: null,
    });
    expect(
      await count(`SELECT count(*)::int AS n FROM alert_occurrences WHERE alert_id = $1 AND result_id = $2`, [
        dd4.id,
        jump,
      ]),
    ).toBe(1);

    // A reviewer finds it in the patient's results.
    const waiting = await api
      .http()
      .get(`/api/v1/patients/${patientId}/results?held=true`)
      .set(as(tokens.clinician));
    expect(waiting.status).toBe(200);
    expect(waiting.body.total).toBe(1);
    expect(waiting.body.items[0]).toMatchObject({
      id: jump,
      valueOriginal: '38000',
      reviewHold: jumpRow.review_hold,
      releasedAt: null,
      releasedBy: null,
      releaseReason: null,
    });

    // Nothing to release on a result that is not held; a person outside the care team sees no such patient;
    // an auditor may not release; a reason is required.
    const notHeld = await release(patientId, before, tokens.clinician, 'checked with the lab');
    expect(notHeld.status).toBe(409);
    expect(notHeld.body.message).toBe('This result is not held for review; there is nothing to release');
    const outsider = await release(patientId, jump, tokens.outsider, 'checked with the lab');
    expect(outsider.status).toBe(404);
    expect(outsider.body.message).toBe('Patient not found');
    expect((await release(patientId, jump, tokens.auditor, 'checked with the lab')).status).toBe(403);
    const tooShort = await release(patientId, jump, tokens.clinician, '  ok  ');
    expect(tooShort.status).toBe(400);
    expect(tooShort.body.details).toEqual([expect.objectContaining({ path: 'body.reason' })]);
    const [still] = await q(`SELECT released_at FROM results WHERE id = $1`, [jump]);
    expect(still.released_at).toBeNull();
    expect(await alertsOf(patientId)).toHaveLength(1);

    // The release: graded once with the site's rule set.
    const reason = '  Lab confirmed 38,000 ng/mL FEU (38 mg/L); the unit is right  ';
    const released = await release(patientId, jump, tokens.clinician, reason);
    expect(released.status).toBe(200);
    const after = await alertsOf(patientId);
    expect(after.map((a: { rule_id: string }) => a.rule_id)).toEqual(['DD-3', 'DD-4']);
    const dd3 = after[0];
    expect(dd3).toMatchObject({
      kind: 'breach',
      severity: 'critical',
      emergency: false,
      state: 'open',
      occurrence_count: 1,
      rule_set_version: RULE_SET,
    });
    expect(dd3.explanation.notes).toContain('released from a data-quality hold by a reviewer, then graded');
    expect(dd3.explanation.values[0]).toMatchObject({
      value: 38,
      unit: 'mg/L',
      original: { value: '38000', unit: 'ng/mL' },
    });
    expect(released.body).toEqual({
      resultId: jump,
      releasedAt: expect.any(String),
      releasedBy: ids.clinician,
      decisions: [
        {
          ruleId: 'DD-3',
          severity: 'critical',
          emergency: false,
          alertId: dd3.id,
          alertReference: dd3.reference,
          change: 'opened',
          notificationId: expect.any(String),
        },
      ],
    });
    const [row] = await q(
      `SELECT review_hold, released_at, released_by, release_reason FROM results WHERE id = $1`,
      [jump],
    );
    expect(row).toEqual({
      review_hold: jumpRow.review_hold,
      released_at: new Date(released.body.releasedAt),
      released_by: ids.clinician,
      release_reason: reason.trim(),
    });
    const occurrences = await q(`SELECT result_id::text FROM alert_occurrences WHERE alert_id = $1`, [
      dd3.id,
    ]);
    expect(occurrences).toEqual([{ result_id: jump }]);
    const outbox = await q(`SELECT id, reason, severity FROM notifications WHERE alert_id = $1`, [dd3.id]);
    expect(outbox).toEqual([
      { id: released.body.decisions[0].notificationId, reason: 'opened', severity: 'critical' },
    ]);
    // The notifier takes it from the outbox: the care team's email, without PHI.
    const [mail] = await stack.smtp.waitForMessages(1, (m) => m.subject.includes(dd3.reference));
    expect(mail!.subject).toBe(`[CRITICAL] Lab safety alert ${dd3.reference} needs review`);
    expect(mail!.to).toEqual(['neurologist@hospital.test']);
    expect(readableText(mail!)).not.toMatch(/D-dimer|mg\/L|ng\/mL|JUMP-1/);

    // The DD-4 alert's timeline says who released which value, why, and what the grading raised.
    const timeline = await q(
      `SELECT type, actor_user_id, detail FROM alert_events WHERE alert_id = $1 AND type = 'result-released'`,
      [dd4.id],
    );
    expect(timeline).toEqual([
      {
        type: 'result-released',
        actor_user_id: ids.clinician,
        detail: {
          resultId: jump,
          reason: reason.trim(),
          reviewHold: jumpRow.review_hold,
          ruleSetVersion: RULE_SET,
          raised: [
            {
              ruleId: 'DD-3',
              severity: 'critical',
              emergency: false,
              alertId: dd3.id,
              alertReference: dd3.reference,
              change: 'opened',
            },
          ],
        },
      },
    ]);

    // And the audit log, with the state before and after.
    const audit = await q(
      `SELECT actor_id, entity_type, entity_id, patient_id, data_category, outcome, detail FROM audit_log
       WHERE action = 'result.release'`,
    );
    expect(audit).toEqual([
      {
        actor_id: ids.clinician,
        entity_type: 'result',
        entity_id: jump,
        patient_id: patientId,
        data_category: 'lab-results',
        outcome: 'success',
        detail: {
          before: {
            reviewHold: jumpRow.review_hold,
            releasedAt: null,
            releasedBy: null,
            releaseReason: null,
          },
          after: {
            reviewHold: jumpRow.review_hold,
            releasedAt: released.body.releasedAt,
            releasedBy: ids.clinician,
            releaseReason: reason.trim(),
          },
          ruleSetVersion: RULE_SET,
          reviewAlertIds: [dd4.id],
          decisions: released.body.decisions,
        },
      },
    ]);

    // The listing shows the release; nothing waits any more.
    const listed = await api.http().get(`/api/v1/patients/${patientId}/results`).set(as(tokens.clinician));
    expect(listed.body.items.find((r: { id: string }) => r.id === jump)).toMatchObject({
      releasedAt: released.body.releasedAt,
      releasedBy: ids.clinician,
      releaseReason: reason.trim(),
    });
    const none = await api
      .http()
      .get(`/api/v1/patients/${patientId}/results?held=true`)
      .set(as(tokens.clinician));
    expect(none.body).toMatchObject({ items: [], total: 0 });

    // Graded once: a second release is refused and raises nothing.
    const again = await release(patientId, jump, tokens.admin, 'releasing it again');
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('This result was already released and graded once');
    expect(await count(`SELECT count(*)::int AS n FROM alert_occurrences WHERE result_id = $1`, [jump])).toBe(
      2,
    );
    expect(await count(`SELECT count(*)::int AS n FROM notifications WHERE alert_id = $1`, [dd3.id])).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'result.release'`)).toBe(1);
    expect((await api.http().get('/api/v1/audit/verify').set(as(tokens.admin))).body.ok).toBe(true);
  });

  it('answers 404 for a result of another patient, and for no result at all', async () => {
    const mine = await enrol('JUMP-2');
    const other = await enrol('JUMP-3');
    const { jump } = await sendJump('JUMP-3');
    const foreign = await release(mine, jump, tokens.admin, 'checked with the lab');
    expect(foreign.status).toBe(404);
    expect(foreign.body.message).toBe('Result not found');
    expect((await release(mine, '999999999', tokens.admin, 'checked with the lab')).status).toBe(404);
    expect((await release(mine, 'abc', tokens.admin, 'checked with the lab')).status).toBe(400);
    const [row] = await q(`SELECT released_at FROM results WHERE id = $1`, [jump]);
    expect(row.released_at).toBeNull();
    expect((await alertsOf(other)).map((a: { rule_id: string }) => a.rule_id)).toEqual(['DD-4']);
  });

  it('grades with the shipped set where the site’s latest override no longer applies, as the processor does', async () => {
    const patientId = await enrol('JUMP-6', 'prague');
    const { jump } = await sendJump('JUMP-6');
    const released = await release(patientId, jump, tokens.clinician, 'confirmed by the lab');
    expect(released.status).toBe(200);
    expect(
      (await alertsOf(patientId)).map((a: { rule_id: string; rule_set_version: string }) => [
        a.rule_id,
        a.rule_set_version,
      ]),
    ).toEqual([
      ['DD-3', 'ms-2026.3'],
      ['DD-4', 'ms-2026.3'],
    ]);
  });

  it('grades once when two reviewers release the same result at the same moment', async () => {
    const patientId = await enrol('JUMP-4');
    const { jump } = await sendJump('JUMP-4');
    // Hold the row so that both requests are inside their transactions, waiting for it, before either goes on.
    const runner = stack.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    let outcomes: number[];
    try {
      await runner.query(`SELECT 1 FROM results WHERE id = $1 FOR UPDATE`, [jump]);
      const both = Promise.all([
        release(patientId, jump, tokens.clinician, 'confirmed by the lab (clinician)'),
        release(patientId, jump, tokens.admin, 'confirmed by the lab (admin)'),
      ]);
      await waitFor(
        async () =>
          (await count(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND application_name = 'admin-api' AND wait_event_type = 'Lock'`,
          )) === 2,
        { description: 'both releases to wait for the result row' },
      );
      await runner.commitTransaction();
      outcomes = (await both).map((r) => r.status);
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
    expect(outcomes.sort()).toEqual([200, 409]);
    const dd3 = await q(
      `SELECT a.occurrence_count FROM alerts a WHERE a.patient_id = $1 AND a.rule_id = 'DD-3'`,
      [patientId],
    );
    expect(dd3).toEqual([{ occurrence_count: 1 }]);
    expect(
      await count(
        `SELECT count(*)::int AS n FROM notifications n JOIN alerts a ON a.id = n.alert_id
         WHERE a.patient_id = $1 AND a.rule_id = 'DD-3'`,
        [patientId],
      ),
    ).toBe(1);
    expect(
      await count(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'result.release' AND entity_id = $1`,
        [jump],
      ),
    ).toBe(1);
    expect(
      await count(
        `SELECT count(*)::int AS n FROM alert_events e JOIN alerts a ON a.id = e.alert_id
         WHERE a.patient_id = $1 AND e.type = 'result-released'`,
        [patientId],
      ),
    ).toBe(1);
  });

  it('joins the DD-3 alert another writer (the processor) opened for the patient while the release was grading', async () => {
    const patientId = await enrol('JUMP-5');
    const { jump } = await sendJump('JUMP-5');
    // Another writer opens the patient's DD-3 alert and has not committed when the release inserts its own.
    const runner = stack.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    let response: Awaited<ReturnType<typeof release>>;
    let opened: string;
    try {
      [{ id: opened }] = await runner.query(
        `INSERT INTO alerts (reference, patient_id, rule_id, kind, severity, dedup_key, rule_set_version, explanation)
         VALUES ('RACE-0001', $1::uuid, 'DD-3', 'breach', 'critical', $1::text || '|DD-3', $2, '{"summary": "D-dimer"}')
         RETURNING id`,
        [patientId, RULE_SET],
      );
      // supertest sends when asked for its promise.
      const pending = release(patientId, jump, tokens.clinician, 'confirmed by the lab').then((r) => r);
      await waitFor(
        async () =>
          (await count(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND application_name = 'admin-api' AND wait_event_type = 'Lock'`,
          )) === 1,
        { description: 'the release to wait on the open alert it would insert' },
      );
      await runner.commitTransaction();
      response = await pending;
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
    expect(response.status).toBe(200);
    expect(response.body.decisions).toEqual([
      expect.objectContaining({
        ruleId: 'DD-3',
        alertId: opened,
        change: 'occurrence',
        notificationId: null,
      }),
    ]);
    expect(await q(`SELECT result_id::text FROM alert_occurrences WHERE alert_id = $1`, [opened])).toEqual([
      { result_id: jump },
    ]);
    expect(
      await count(`SELECT count(*)::int AS n FROM alerts WHERE patient_id = $1 AND rule_id = 'DD-3'`, [
        patientId,
      ]),
    ).toBe(1);
  });
});
