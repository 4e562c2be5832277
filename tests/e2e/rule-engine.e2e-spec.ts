import { type LabResultEvent } from '@alem/events';
import { TOPICS } from '@alem/messaging';
import { enrolPatient, seedCareTeam, seedSite } from '@alem/persistence';
import { asMessage, labResult } from '../support/lab-results';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * The alemtuzumab rules judged by the processor end to end from Kafka, in each patient's own context: the
 * treatment courses and their windows, the pre-course baseline, earlier results from other batches, clinical
 * flags, and the site's overrides of the rule set.
 */
describe('rule engine in the processor', () => {
  let stack: TestStack;
  let teamId: string;
  const q = (sql: string, params: unknown[] = []) => stack.dataSource.query(sql, params);

  const enrol = (
    id: string,
    days: string[],
    extra: { flags?: Record<string, boolean>; site?: string } = {},
  ) =>
    enrolPatient(stack.dataSource, {
      siteId: extra.site ?? 'prague',
      careTeamId: teamId,
      indication: 'MS',
      identifiers: [{ authority: 'HOSP', identifier: id }],
      birthDate: '1980-01-01',
      courses: [{ courseNumber: 1, infusionDays: days }],
    }).then(async (patientId) => {
      await stack.waitForEnrolment({ authority: 'HOSP', id });
      if (extra.flags)
        await q(`UPDATE patients SET clinical_flags = $2 WHERE id = $1`, [
          patientId,
          JSON.stringify(extra.flags),
        ]);
      return patientId;
    });

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
    observedAt: string,
    orderId: string,
  ) =>
    labResult({
      patient: { id: patient, authority: 'HOSP' },
      observation: { code, system: 'LN', orderId },
      value,
      unit,
      referenceRange: range,
      observedAt,
    });

  const alertsOf = (patientId: string) =>
    q(
      `SELECT rule_id, kind, severity, emergency, state, occurrence_count, rule_set_version FROM alerts WHERE patient_id = $1 ORDER BY rule_id`,
      [patientId],
    );

  beforeAll(async () => {
    stack = await startTestStack();
    await seedSite(stack.dataSource, { id: 'prague', name: 'Prague MS centre', timeZone: 'Europe/Prague' });
    await seedSite(stack.dataSource, { id: 'brno', name: 'Brno MS centre', timeZone: 'Europe/Prague' });
    const team = await seedCareTeam(stack.dataSource, {
      siteId: 'prague',
      name: 'MS',
      members: [{ email: 'ms@hospital.test', displayName: 'MS team', role: 'clinician' }],
    });
    teamId = team.careTeamId;
    // Brno's override of the MS set, in force when the processor starts (reloads on change are tested with RefreshingCache).
    await q(
      `INSERT INTO rule_overrides (site_id, indication, version, overrides, reason) VALUES ('brno', 'MS', 1, $1, 'nephrology asks for same-day review of haematuria')`,
      [JSON.stringify([{ ruleId: 'URBC-1', severity: 'critical' }])],
    );
    // An override orphaned by a rule-set change (written past the API's validation): Prague keeps the shipped
    // set, the processor still starts, and Brno's valid override still applies.
    await q(
      `INSERT INTO rule_overrides (site_id, indication, version, overrides, reason) VALUES ('prague', 'MS', 1, $1, 'written for a rule that is gone')`,
      [JSON.stringify([{ ruleId: 'PLT-9', severity: 'critical' }])],
    );
    await stack.startProcessor();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('seed case: a D-dimer of 38,000 ng/mL FEU the day after the first infusion is critical; the ng/dL report is held (DD-3, DD-4)', async () => {
    const patientId = await enrol('SEED-1', [
      '2026-11-02',
      '2026-11-03',
      '2026-11-04',
      '2026-11-05',
      '2026-11-06',
    ]);
    await send(result('SEED-1', '48065-7', 38000, 'ng/mL', '<500', '2026-11-03T07:00:00+01:00', 'DD-1'));
    await send(result('SEED-1', '48065-7', 38000, 'ng/dL', '<500', '2026-11-03T07:00:00+01:00', 'DD-2'));
    expect(await alertsOf(patientId)).toEqual([
      {
        rule_id: 'DD-3',
        kind: 'breach',
        severity: 'critical',
        emergency: false,
        state: 'open',
        occurrence_count: 1,
        rule_set_version: 'ms-2026.3',
      },
      {
        rule_id: 'DD-4',
        kind: 'data-quality',
        severity: 'warning',
        emergency: false,
        state: 'open',
        occurrence_count: 1,
        rule_set_version: 'ms-2026.3',
      },
    ]);
    const [dd3] = await q(`SELECT explanation FROM alerts WHERE patient_id = $1 AND rule_id = 'DD-3'`, [
      patientId,
    ]);
    expect(dd3.explanation).toMatchObject({
      daysSinceLastInfusion: 0,
      values: [{ value: 38, unit: 'mg/L', original: { value: '38000', unit: 'ng/mL' } }],
    });
    const [held] = await q(
      `SELECT quality, value FROM results WHERE patient_id = $1 AND unit_original = 'ng/dL'`,
      [patientId],
    );
    expect(held).toEqual({ quality: 'held', value: null });
  });

  it('ITP at month 14: the same PLT-4 alert is raised to an emergency and notified again; a recovery stays on its timeline (PLT-2, PLT-4)', async () => {
    const patientId = await enrol('ITP-1', [
      '2025-09-01',
      '2025-09-02',
      '2025-09-03',
      '2025-09-04',
      '2025-09-05',
    ]);
    await send(result('ITP-1', '777-3', 140, '10*9/L', '150-400', '2026-11-02T08:00:00+01:00', 'P1'));
    await send(result('ITP-1', '777-3', 45, '10*9/L', '150-400', '2026-11-09T08:00:00+01:00', 'P2'));
    await send(result('ITP-1', '777-3', 22, '10*9/L', '150-400', '2026-11-10T08:00:00+01:00', 'P3'));
    expect(await alertsOf(patientId)).toEqual([
      {
        rule_id: 'PLT-1',
        kind: 'breach',
        severity: 'warning',
        emergency: false,
        state: 'open',
        occurrence_count: 1,
        rule_set_version: 'ms-2026.3',
      },
      {
        // 140 → 45 and 45 → 22 are both falls of 50 % or more.
        rule_id: 'PLT-2',
        kind: 'breach',
        severity: 'warning',
        emergency: false,
        state: 'open',
        occurrence_count: 2,
        rule_set_version: 'ms-2026.3',
      },
      {
        rule_id: 'PLT-4',
        kind: 'breach',
        severity: 'critical',
        emergency: true,
        state: 'open',
        occurrence_count: 2,
        rule_set_version: 'ms-2026.3',
      },
    ]);
    const plt4 = await q(
      `SELECT e.type FROM alert_events e JOIN alerts a ON a.id = e.alert_id WHERE a.patient_id = $1 AND a.rule_id = 'PLT-4' ORDER BY e.id`,
      [patientId],
    );
    expect(plt4.map((e: { type: string }) => e.type)).toEqual([
      'opened',
      'notification-queued',
      'severity-raised',
      'notification-queued',
    ]);

    await send(result('ITP-1', '777-3', 180, '10*9/L', '150-400', '2026-11-20T08:00:00+01:00', 'P4'));
    const [back] = await q(
      `SELECT a.state, e.detail FROM alert_events e JOIN alerts a ON a.id = e.alert_id
       WHERE a.patient_id = $1 AND a.rule_id = 'PLT-4' AND e.type = 'back-in-range'`,
      [patientId],
    );
    expect(back.state).toBe('open');
    expect(back.detail).toMatchObject({ analyte: 'platelets', ruleSetVersion: 'ms-2026.3' });
  });

  it('anti-GBM: a creatinine rise over the pre-course baseline and haematuria three days later make RENAL-1 (CREA-1, RENAL-1)', async () => {
    const patientId = await enrol('GBM-1', [
      '2026-01-05',
      '2026-01-06',
      '2026-01-07',
      '2026-01-08',
      '2026-01-09',
    ]);
    await send(result('GBM-1', '2160-0', 0.8, 'mg/dL', '0.5-1.1', '2025-12-20T08:00:00+01:00', 'C0'));
    await send(result('GBM-1', '2160-0', 1.15, 'mg/dL', '0.5-1.1', '2026-11-10T08:00:00+01:00', 'C1'));
    expect(
      (await alertsOf(patientId)).map(
        (a: { rule_id: string; severity: string }) => `${a.rule_id}:${a.severity}`,
      ),
    ).toEqual(['CREA-1:warning']);
    await send(result('GBM-1', '13945-1', 12, '/[HPF]', '0-2', '2026-11-13T08:00:00+01:00', 'U1'));
    expect(
      (await alertsOf(patientId)).map(
        (a: { rule_id: string; severity: string }) => `${a.rule_id}:${a.severity}`,
      ),
    ).toEqual(['CREA-1:warning', 'RENAL-1:critical']);
    const [crea] = await q(`SELECT explanation FROM alerts WHERE patient_id = $1 AND rule_id = 'CREA-1'`, [
      patientId,
    ]);
    expect(crea.explanation).toMatchObject({
      tier: 'above-uln',
      notes: ['also met: baseline-rise'],
      baseline: { value: 0.8, unit: 'mg/dL' },
    });
    const [renal] = await q(`SELECT explanation FROM alerts WHERE patient_id = $1 AND rule_id = 'RENAL-1'`, [
      patientId,
    ]);
    expect(
      renal.explanation.values.map((v: { analyte: string; value: number }) => `${v.analyte}=${v.value}`),
    ).toEqual(['urine-rbc=12', 'creatinine=1.15']);
  });

  it('a pregnant patient’s abnormal TSH is critical (TSH-3)', async () => {
    const patientId = await enrol('PREG-1', ['2025-03-03', '2025-03-04', '2025-03-05'], {
      flags: { pregnant: true },
    });
    await send(result('PREG-1', '3016-3', 6.2, 'm[IU]/L', '0.4-4.0', '2026-11-10T08:00:00+01:00', 'T1'));
    expect(
      (await alertsOf(patientId)).map(
        (a: { rule_id: string; severity: string }) => `${a.rule_id}:${a.severity}`,
      ),
    ).toEqual(['TSH-3:critical']);
  });

  it('applies a site’s override of the rule set, and pins the overridden version on the alert', async () => {
    const brno = await enrol('SITE-1', ['2025-03-03', '2025-03-04', '2025-03-05'], { site: 'brno' });
    const prague = await enrol('SITE-2', ['2025-03-03', '2025-03-04', '2025-03-05']);
    await send(
      result('SITE-1', '13945-1', 5, '/[HPF]', '0-2', '2026-11-10T08:00:00+01:00', 'U-B'),
      result('SITE-2', '13945-1', 5, '/[HPF]', '0-2', '2026-11-10T08:00:00+01:00', 'U-P'),
    );
    expect(await alertsOf(brno)).toEqual([
      expect.objectContaining({
        rule_id: 'URBC-1',
        severity: 'critical',
        rule_set_version: 'ms-2026.3+brno.v1',
      }),
    ]);
    expect(await alertsOf(prague)).toEqual([
      expect.objectContaining({ rule_id: 'URBC-1', severity: 'warning', rule_set_version: 'ms-2026.3' }),
    ]);
  });
});
