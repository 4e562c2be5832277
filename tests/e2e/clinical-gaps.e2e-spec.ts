import { type LabResultEvent } from '@alem/events';
import { CONTENT_TYPES, HEADERS, TOPICS, type OutboundMessage } from '@alem/messaging';
import { enrolPatient, seedCareTeam, seedSite } from '@alem/persistence';
import { oruR01 } from '../support/hl7-messages';
import { asMessage, labResult } from '../support/lab-results';
import { startTestStack, type TestStack } from '../support/test-stack';
import { readableText } from '../support/mail-text';

/**
 * Results shaped the way real laboratories send them, through the whole path (Kafka in, HL7 v2 or JSON → the
 * processor → alert → email out, no PHI): a differential sent only in percent, a baseline older than the REMS's
 * 30 days, a creatinine rise written in µmol/L, red cell casts in a sediment report, and a correction of a
 * differential's WBC (issue 11; clinical rules §1.2, §2, §4.1).
 */
describe('clinical gaps closed, end to end', () => {
  let stack: TestStack;
  let teamId: string;
  const q = (sql: string, params: unknown[] = []) => stack.dataSource.query(sql, params);
  let orders = 0;
  const COURSE = ['2026-06-01', '2026-06-02', '2026-06-03', '2026-06-04', '2026-06-05'];

  const enrol = (id: string, courses = [{ courseNumber: 1, infusionDays: COURSE }]) =>
    enrolPatient(stack.dataSource, {
      siteId: 'prague',
      careTeamId: teamId,
      indication: 'MS',
      identifiers: [{ authority: 'HOSP', identifier: id }],
      birthDate: '1982-03-01',
      courses,
    }).then(async (patientId) => {
      await stack.waitForEnrolment({ authority: 'HOSP', id });
      return patientId;
    });

  const send = async (...messages: OutboundMessage[]) => {
    await stack.producer.send(TOPICS.labResults, messages);
    await stack.waitUntilConsumed();
  };

  const json = (
    patient: string,
    code: string,
    value: number | string,
    unit: string | null,
    extra: Partial<LabResultEvent>,
  ) =>
    asMessage(
      labResult({
        patient: { id: patient, authority: 'HOSP' },
        observation: {
          code,
          system: 'LN',
          orderId: extra.observation?.orderId ?? `O-${code}-${++orders}`,
        },
        valueType: typeof value === 'number' ? 'NM' : 'TX',
        value,
        ...(unit ? { unit } : { unit: undefined }),
        referenceRange: undefined,
        ...extra,
      }),
    );

  const alertsOf = async (patientId: string): Promise<string[]> =>
    (
      await q(`SELECT rule_id, severity, emergency FROM alerts WHERE patient_id = $1 ORDER BY rule_id`, [
        patientId,
      ])
    ).map(
      (a: { rule_id: string; severity: string; emergency: boolean }) =>
        `${a.rule_id}:${a.severity}${a.emergency ? '!' : ''}`,
    );

  /** The email a care-team member received for the alert, with no value, name or identifier in it. */
  const emailFor = async (patientId: string, ruleId: string) => {
    const [{ reference }] = await q(`SELECT reference FROM alerts WHERE patient_id = $1 AND rule_id = $2`, [
      patientId,
      ruleId,
    ]);
    const [mail] = await stack.smtp.waitForMessages(1, (m) => m.subject.includes(reference));
    expect(mail.to).toEqual(['renal@hospital.test']);
    return { reference: reference as string, mail };
  };

  beforeAll(async () => {
    stack = await startTestStack();
    await seedSite(stack.dataSource, { id: 'prague', name: 'Prague MS centre', timeZone: 'Europe/Prague' });
    const team = await seedCareTeam(stack.dataSource, {
      siteId: 'prague',
      name: 'MS',
      members: [{ email: 'renal@hospital.test', displayName: 'MS team', role: 'clinician' }],
    });
    teamId = team.careTeamId;
    await stack.startProcessor();
    await stack.startNotifier();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('item 1: a CBC whose differential came only in percent (HL7 v2): ANC 0.3 derived from WBC 1.5 × 20 %, an emergency', async () => {
    const patientId = await enrol('DIFF-1');
    const message = oruR01({
      controlId: 'CBC-DIFF-1',
      patient: { id: 'DIFF-1', authority: 'HOSP' },
      observedAt: '20261102074500+0100',
      orderId: 'CBC-7001',
      observations: [
        { code: '6690-2', display: 'WBC', value: '1.5', unit: '10*3/uL', range: '4.0-10.0', flag: 'L' },
        { code: '770-8', display: 'Neutrophils %', value: '20', unit: '%', range: '40-75', flag: 'L' },
        { code: '736-9', display: 'Lymphocytes %', value: '70', unit: '%', range: '20-45', flag: 'H' },
        { code: '777-3', display: 'Platelets', value: '210', unit: '10*3/uL', range: '150-400' },
      ],
    });
    await send({
      key: 'HOSP|DIFF-1',
      value: message,
      headers: { [HEADERS.contentType]: CONTENT_TYPES.hl7v2 },
    });
    expect(await alertsOf(patientId)).toEqual(['ANC-1:critical!']);
    const derived = await q(
      `SELECT analyte, value::float8 AS value, code_system, quality_flags, derivation, order_id,
              (SELECT array_agg(x.analyte ORDER BY x.analyte) FROM results x WHERE x.id = ANY(r.derived_from)) AS inputs
       FROM results r WHERE patient_id = $1 AND derived_from IS NOT NULL ORDER BY analyte`,
      [patientId],
    );
    expect(derived).toEqual([
      {
        analyte: 'lymphocytes',
        value: 1.05,
        code_system: 'derived',
        quality_flags: 'derived',
        derivation:
          'Lymphocytes 1.05 ×10⁹/L, derived from WBC 1.5 ×10⁹/L and lymphocytes 70 % (same specimen)',
        order_id: 'CBC-7001',
        inputs: ['lymphocytes-percent', 'wbc'],
      },
      {
        analyte: 'neutrophils',
        value: 0.3,
        code_system: 'derived',
        quality_flags: 'derived',
        derivation: 'ANC 0.3 ×10⁹/L, derived from WBC 1.5 ×10⁹/L and neutrophils 20 % (same specimen)',
        order_id: 'CBC-7001',
        inputs: ['neutrophils-percent', 'wbc'],
      },
    ]);
    const [anc] = await q(`SELECT explanation FROM alerts WHERE patient_id = $1 AND rule_id = 'ANC-1'`, [
      patientId,
    ]);
    expect(anc.explanation.notes).toContain(
      'ANC 0.3 ×10⁹/L, derived from WBC 1.5 ×10⁹/L and neutrophils 20 % (same specimen)',
    );
    const { mail } = await emailFor(patientId, 'ANC-1');
    expect(mail.subject).toMatch(/^\[CRITICAL \(EMERGENCY\)\] /);
    expect(readableText(mail)).not.toMatch(/0\.3|DIFF-1|neutrophil/i);

    // The same message again: nothing new is stored, derived or raised.
    const before = await q(`SELECT count(*)::int AS n FROM results WHERE patient_id = $1`, [patientId]);
    await send({
      key: 'HOSP|DIFF-1',
      value: message,
      headers: { [HEADERS.contentType]: CONTENT_TYPES.hl7v2 },
    });
    expect(await q(`SELECT count(*)::int AS n FROM results WHERE patient_id = $1`, [patientId])).toEqual(
      before,
    );
    expect(await alertsOf(patientId)).toEqual(['ANC-1:critical!']);
  });

  it('item 1: the WBC of the specimen comes in a later message: the ANC is derived then; never across specimens', async () => {
    const patientId = await enrol('DIFF-2');
    const at = '2026-11-03T07:30:00+01:00';
    await send(
      json('DIFF-2', '770-8', 15, '%', {
        observedAt: at,
        observation: { code: '770-8', system: 'LN', orderId: 'O-2' },
      }),
    );
    // A WBC of ANOTHER specimen (another order, same morning): no derivation.
    await send(
      json('DIFF-2', '6690-2', 1.2, '10*9/L', {
        observedAt: at,
        observation: { code: '6690-2', system: 'LN', orderId: 'O-OTHER' },
      }),
    );
    expect(
      await q(`SELECT count(*)::int AS n FROM results WHERE patient_id = $1 AND derived_from IS NOT NULL`, [
        patientId,
      ]),
    ).toEqual([{ n: 0 }]);
    expect(await alertsOf(patientId)).toEqual([]);
    await send(
      json('DIFF-2', '6690-2', 2.0, '10*9/L', {
        observedAt: at,
        observation: { code: '6690-2', system: 'LN', orderId: 'O-2' },
      }),
    );
    expect(await alertsOf(patientId)).toEqual(['ANC-1:critical!']);
    await emailFor(patientId, 'ANC-1');

    // The WBC is corrected (2.0 → 6.0): the ANC derived from 2.0 is withdrawn with its occurrence, and 0.9 derived.
    await send(
      json('DIFF-2', '6690-2', 6.0, '10*9/L', {
        observedAt: at,
        status: 'corrected',
        observation: { code: '6690-2', system: 'LN', orderId: 'O-2' },
      }),
    );
    const ancs = await q(
      `SELECT value::float8 AS value, retracted_at IS NOT NULL AS withdrawn, superseded_by IS NOT NULL AS superseded
       FROM results WHERE patient_id = $1 AND analyte = 'neutrophils' ORDER BY id`,
      [patientId],
    );
    expect(ancs).toEqual([
      { value: 0.3, withdrawn: true, superseded: false },
      { value: 0.9, withdrawn: false, superseded: false },
    ]);
    const occurrences = await q(
      `SELECT o.retracted_at IS NOT NULL AS retracted FROM alert_occurrences o JOIN alerts a ON a.id = o.alert_id
       WHERE a.patient_id = $1 AND a.rule_id = 'ANC-1' ORDER BY o.id`,
      [patientId],
    );
    expect(occurrences).toEqual([{ retracted: true }, { retracted: false }]);
  });

  it('item 2: creatinine 0.6 mg/dL taken 40 days before the course, then 1.0 mg/dL: CREA-2 critical, with the baseline’s age', async () => {
    const patientId = await enrol('BASE-1');
    await send(
      json('BASE-1', '2160-0', 0.6, 'mg/dL', {
        observedAt: '2026-04-22T08:00:00+02:00',
        referenceRange: '0.5-1.1',
      }),
    );
    await send(
      json('BASE-1', '2160-0', 1.0, 'mg/dL', {
        observedAt: '2026-11-04T08:00:00+01:00',
        referenceRange: '0.5-1.1',
      }),
    );
    expect(await alertsOf(patientId)).toEqual(['CREA-2:critical']);
    const [crea2] = await q(`SELECT explanation FROM alerts WHERE patient_id = $1 AND rule_id = 'CREA-2'`, [
      patientId,
    ]);
    expect(crea2.explanation.baselineSource).toEqual({
      source: 'pre-course',
      courseNumber: 1,
      daysBeforeCourse: 40,
      lookbackDays: 180,
    });
    await emailFor(patientId, 'CREA-2');
  });

  it('item 2: no baseline at all: judged against the lowest value since the course, and DQ-2 says so once', async () => {
    const patientId = await enrol('BASE-2');
    await send(
      json('BASE-2', '2160-0', 0.62, 'mg/dL', {
        observedAt: '2026-09-01T08:00:00+02:00',
        referenceRange: '0.5-1.1',
      }),
    );
    await send(
      json('BASE-2', '2160-0', 0.8, 'mg/dL', {
        observedAt: '2026-10-01T08:00:00+02:00',
        referenceRange: '0.5-1.1',
      }),
    );
    await send(
      json('BASE-2', '2160-0', 0.95, 'mg/dL', {
        observedAt: '2026-11-02T08:00:00+01:00',
        referenceRange: '0.5-1.1',
      }),
    );
    expect(await alertsOf(patientId)).toEqual(['CREA-2:critical', 'DQ-2:info']);
    const [dq2] = await q(
      `SELECT kind, dedup_key, occurrence_count, explanation FROM alerts WHERE patient_id = $1 AND rule_id = 'DQ-2'`,
      [patientId],
    );
    expect(dq2).toMatchObject({
      kind: 'data-quality',
      occurrence_count: 1,
      dedup_key: `${patientId}|DQ-2|course-1|creatinine`,
    });
    // Resolved by a person, DQ-2 is not raised again for this course and analyte.
    await q(
      `UPDATE alerts SET state = 'resolved', resolved_at = now() WHERE patient_id = $1 AND rule_id = 'DQ-2'`,
      [patientId],
    );
    await send(
      json('BASE-2', '2160-0', 0.7, 'mg/dL', {
        observedAt: '2026-11-20T08:00:00+01:00',
        referenceRange: '0.5-1.1',
      }),
    );
    expect(
      await q(`SELECT count(*)::int AS n FROM alerts WHERE patient_id = $1 AND rule_id = 'DQ-2'`, [
        patientId,
      ]),
    ).toEqual([{ n: 1 }]);
    await emailFor(patientId, 'CREA-2');
  });

  it('item 3: a creatinine rise of exactly 26.5 µmol/L (70 → 96.5) is a CREA-1 rise', async () => {
    const patientId = await enrol('UNIT-1');
    await send(
      json('UNIT-1', '14682-9', 70, 'umol/L', {
        observedAt: '2026-05-20T08:00:00+02:00',
        referenceRange: '45-110',
      }),
    );
    await send(
      json('UNIT-1', '14682-9', 96.5, 'umol/L', {
        observedAt: '2026-11-05T08:00:00+01:00',
        referenceRange: '45-110',
      }),
    );
    expect(await alertsOf(patientId)).toEqual(['CREA-1:warning']);
    const [row] = await q(
      `SELECT reported_unit FROM results WHERE patient_id = $1 ORDER BY id DESC LIMIT 1`,
      [patientId],
    );
    expect(row).toEqual({ reported_unit: 'umol/L' });
  });

  it('item 4: red cell casts in a urine sediment report, with no creatinine rise: RENAL-1 critical, paged', async () => {
    const patientId = await enrol('CAST-1');
    await send(
      json('CAST-1', '11279-7', 'RBC 10-20/HPF, many dysmorphic. Occasional RBC casts seen.', null, {
        observedAt: '2026-11-06T09:00:00+01:00',
      }),
      json('CAST-1', '5807-3', 0, '/[LPF]', { observedAt: '2026-11-06T09:00:00+01:00' }),
    );
    expect(await alertsOf(patientId)).toEqual(['RENAL-1:critical']);
    const [renal] = await q(`SELECT explanation FROM alerts WHERE patient_id = $1 AND rule_id = 'RENAL-1'`, [
      patientId,
    ]);
    expect(renal.explanation.tier).toBe('casts-or-dysmorphic-rbc');
    const { mail } = await emailFor(patientId, 'RENAL-1');
    expect(readableText(mail)).not.toMatch(/casts|dysmorphic|CAST-1/i);
  });
});
