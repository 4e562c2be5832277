import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONTENT_TYPES, HEADERS, TOPICS, type OutboundMessage } from '@alem/messaging';
import { enrolPatient, seedCareTeam, seedSite } from '@alem/persistence';
import { waitFor } from '@alem/local-stack';
import { startTestStack, type TestStack } from '../support/test-stack';

const fixture = (name: string) => readFileSync(path.join(__dirname, '../fixtures/hl7', name), 'utf8');
const hl7 = (body: string, key = 'CITYHOSP|4711'): OutboundMessage => ({
  key,
  value: body,
  headers: { [HEADERS.contentType]: CONTENT_TYPES.hl7v2 },
});

/**
 * Raw HL7 v2 ORU^R01 on lab.results.v1, taken by the processor: parsed, local codes mapped per sender, units
 * normalised, the original message kept; corrections supersede, deletions retract, and what cannot be taken
 * is dead-lettered with its reason.
 */
describe('HL7 v2 through the processor', () => {
  let stack: TestStack;
  let patientId: string;
  const q = (sql: string, params: unknown[] = []) => stack.dataSource.query(sql, params);

  beforeAll(async () => {
    stack = await startTestStack();
    await seedSite(stack.dataSource, { id: 'city', name: 'City hospital', timeZone: 'Europe/Prague' });
    const team = await seedCareTeam(stack.dataSource, {
      siteId: 'city',
      name: 'Neuro',
      members: [{ email: 'neuro@city.test', displayName: 'Neurologist', role: 'clinician' }],
    });
    patientId = await enrolPatient(stack.dataSource, {
      siteId: 'city',
      careTeamId: team.careTeamId,
      indication: 'MS',
      identifiers: [{ authority: 'CITYHOSP', identifier: '4711' }],
      courses: [
        {
          courseNumber: 1,
          infusionDays: ['2023-03-06', '2023-03-07', '2023-03-08', '2023-03-09', '2023-03-10'],
        },
      ],
    });
    // The lab's local ALT code, mapped for this sender only.
    await q(
      `INSERT INTO code_mappings (sender, code_system, code, loinc) VALUES ('LABSYS^CITYLAB', '99CITY', 'ALT', '1742-6')`,
    );
    await stack.startProcessor();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('stores each OBX as a result with canonical values, the original next to them, and the message kept', async () => {
    await stack.producer.send(TOPICS.labResults, [hl7(fixture('oru-r01-v251-cbc-chemistry.hl7'))]);
    await waitFor(async () => (await q(`SELECT count(*)::int AS n FROM results`))[0].n === 8, {
      description: '8 results',
    });
    const rows = await q(
      `SELECT code, code_system, loinc, analyte, value::float AS value, unit, value_original, unit_original, range_low::float AS low, range_high::float AS high, quality, status
       FROM results WHERE patient_id = $1 ORDER BY id`,
      [patientId],
    );
    expect(rows).toEqual([
      {
        code: '777-3',
        code_system: 'LN',
        loinc: '777-3',
        analyte: 'platelets',
        value: 142,
        unit: '10*9/L',
        value_original: '142',
        unit_original: '10*9/L',
        low: 150,
        high: 400,
        quality: 'ok',
        status: 'final',
      },
      {
        code: '6690-2',
        code_system: 'LN',
        loinc: '6690-2',
        analyte: 'wbc',
        value: 5.4,
        unit: '10*9/L',
        value_original: '5.4',
        unit_original: 'K/uL',
        low: 4,
        high: 10,
        quality: 'ok',
        status: 'final',
      },
      {
        code: '751-8',
        code_system: 'LN',
        loinc: '751-8',
        analyte: 'neutrophils',
        value: 0.9,
        unit: '10*9/L',
        value_original: '0.9',
        unit_original: 'x10E3/uL',
        low: 1.8,
        high: 7.7,
        quality: 'ok',
        status: 'final',
      },
      {
        code: '731-0',
        code_system: 'LN',
        loinc: '731-0',
        analyte: 'lymphocytes',
        value: 0.4,
        unit: '10*9/L',
        value_original: '0.4',
        unit_original: '10^9/L',
        low: 1,
        high: 4.8,
        quality: 'ok',
        status: 'final',
      },
      {
        code: '718-7',
        code_system: 'LN',
        loinc: '718-7',
        analyte: 'haemoglobin',
        value: 13.1,
        unit: 'g/dL',
        value_original: '13.1',
        unit_original: 'g/dL',
        low: 12,
        high: 16,
        quality: 'ok',
        status: 'final',
      },
      expect.objectContaining({
        loinc: '14682-9',
        analyte: 'creatinine',
        unit: 'mg/dL',
        value_original: '88',
        unit_original: 'umol/L',
        quality: 'ok',
      }),
      {
        code: 'ALT',
        code_system: '99CITY',
        loinc: '1742-6',
        analyte: 'alt',
        value: 34,
        unit: 'U/L',
        value_original: '34',
        unit_original: 'U/L',
        low: 0,
        high: 35,
        quality: 'ok',
        status: 'final',
      },
      expect.objectContaining({
        loinc: '1975-2',
        analyte: 'bilirubin',
        unit: 'mg/dL',
        value_original: '12',
        unit_original: 'umol/L',
        quality: 'ok',
      }),
    ]);
    expect(rows[5].value).toBeCloseTo(88 / 88.4, 6);
    expect(rows[7].value).toBeCloseTo(12 / 17.1, 6);
    const sources = await q(`SELECT sender, message_control_id, content_type, body FROM source_messages`);
    expect(sources).toEqual([
      {
        sender: 'LABSYS^CITYLAB',
        message_control_id: 'MSG-0001',
        content_type: CONTENT_TYPES.hl7v2,
        body: fixture('oru-r01-v251-cbc-chemistry.hl7'),
      },
    ]);
    expect((await q(`SELECT count(*)::int AS n FROM results WHERE source_message_id IS NULL`))[0].n).toBe(0);

    // The engine judged them in the patient's context, in the same transaction.
    const alerts = await q(
      `SELECT rule_id, severity, emergency, rule_set_version, dedup_key FROM alerts ORDER BY rule_id, dedup_key`,
    );
    expect(
      alerts.map(({ dedup_key, ...a }: { dedup_key: string }) => ({
        ...a,
        scope: dedup_key.split('|').slice(2).join('|'),
      })),
    ).toEqual([
      { rule_id: 'ANC-1', severity: 'critical', emergency: false, rule_set_version: 'ms-2026.3', scope: '' },
      { rule_id: 'CREA-1', severity: 'warning', emergency: false, rule_set_version: 'ms-2026.3', scope: '' },
      // Platelets and neutrophils below their lower limits in the same draw.
      { rule_id: 'CYTO-1', severity: 'critical', emergency: false, rule_set_version: 'ms-2026.3', scope: '' },
      // No pre-course baseline of these: said once per course and analyte (information, never paged).
      {
        rule_id: 'DQ-2',
        severity: 'info',
        emergency: false,
        rule_set_version: 'ms-2026.3',
        scope: 'course-1|alt',
      },
      {
        rule_id: 'DQ-2',
        severity: 'info',
        emergency: false,
        rule_set_version: 'ms-2026.3',
        scope: 'course-1|creatinine',
      },
      {
        rule_id: 'DQ-2',
        severity: 'info',
        emergency: false,
        rule_set_version: 'ms-2026.3',
        scope: 'course-1|haemoglobin',
      },
      { rule_id: 'LYM-1', severity: 'info', emergency: false, rule_set_version: 'ms-2026.3', scope: '' },
      { rule_id: 'PLT-1', severity: 'warning', emergency: false, rule_set_version: 'ms-2026.3', scope: '' },
    ]);
    const [anc] = await q(`SELECT explanation FROM alerts WHERE rule_id = 'ANC-1'`);
    expect(anc.explanation.values[0]).toMatchObject({
      value: 0.9,
      unit: '10*9/L',
      original: { value: '0.9', unit: 'x10E3/uL' },
    });
  });

  it('lets a correction supersede and a deletion retract, and dead-letters the OBX it cannot take', async () => {
    await stack.producer.send(TOPICS.labResults, [hl7(fixture('oru-r01-v251-corrections.hl7'))]);
    await waitFor(
      async () =>
        (await q(`SELECT count(*)::int AS n FROM results WHERE message_control_id = 'MSG-0107'`))[0].n >= 6,
      {
        description: 'the correction message stored',
      },
    );
    const [original] = await q(
      `SELECT id, superseded_by FROM results WHERE message_control_id = 'MSG-0001' AND code = '777-3'`,
    );
    const [correction] = await q(
      `SELECT id, value::float AS value, status, superseded_by FROM results WHERE message_control_id = 'MSG-0107' AND code = '777-3'`,
    );
    expect(correction).toMatchObject({ value: 124, status: 'corrected', superseded_by: null });
    expect(original.superseded_by).toBe(correction.id);
    const [neutrophils] = await q(
      `SELECT retracted_at FROM results WHERE message_control_id = 'MSG-0001' AND code = '751-8'`,
    );
    expect(neutrophils.retracted_at).not.toBeNull();
    // OBX-11 W (the result was wrong) withdraws the earlier leukocyte count as D does (issue 12 item 5).
    const [leukocytes] = await q(
      `SELECT retracted_at FROM results WHERE message_control_id = 'MSG-0001' AND code = '6690-2'`,
    );
    expect(leukocytes.retracted_at).not.toBeNull();
    const [notObtainable] = await q(
      `SELECT status, value FROM results WHERE message_control_id = 'MSG-0107' AND code = '26515-7'`,
    );
    expect(notObtainable).toEqual({ status: 'not-obtainable', value: null });
    // The superseded platelet count and the deleted neutrophil count leave the alert timelines.
    const retracted = await q(
      `SELECT a.rule_id, e.detail->>'reason' AS reason FROM alert_events e JOIN alerts a ON a.id = e.alert_id
       WHERE e.type = 'occurrence-retracted' ORDER BY a.rule_id`,
    );
    expect(retracted).toEqual([
      { rule_id: 'ANC-1', reason: 'deleted' },
      { rule_id: 'CYTO-1', reason: 'deleted' },
      { rule_id: 'PLT-1', reason: 'superseded' },
    ]);
    const [plt1] = await q(`SELECT occurrence_count, state FROM alerts WHERE rule_id = 'PLT-1'`);
    expect(plt1).toEqual({ occurrence_count: 2, state: 'open' });
    const [letter] = await q(`SELECT reason FROM dlq_records`);
    expect(letter.reason).toMatch(
      /^2 OBX of HL7 message MSG-0107 not taken: .*NM value is not a number.*has no value/,
    );
  });

  it('dead-letters messages it does not take, and changes nothing when a message is resent', async () => {
    const before = (await q(`SELECT count(*)::int AS n FROM results`))[0].n;
    await stack.producer.send(TOPICS.labResults, [
      hl7(fixture('adt-a01.hl7')),
      hl7(fixture('oru-r01-missing-pid3.hl7')),
      hl7(fixture('oru-r01-v251-cbc-chemistry.hl7')),
    ]);
    await stack.waitUntilConsumed();
    expect((await q(`SELECT count(*)::int AS n FROM results`))[0].n).toBe(before);
    const reasons = (await q(`SELECT reason FROM dlq_records ORDER BY id`)).map(
      (r: { reason: string }) => r.reason,
    );
    expect(reasons).toHaveLength(3);
    expect(reasons[1]).toMatch(/^HL7 message refused \(AR\): .*ADT\^A01/);
    expect(reasons[2]).toMatch(/^HL7 message refused \(AE\): .*PID-3/);
    expect((await q(`SELECT count(*)::int AS n FROM source_messages`))[0].n).toBe(2);
  });
});
