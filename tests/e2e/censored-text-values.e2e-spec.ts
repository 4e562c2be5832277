import { LabMllpClient, waitFor } from '@alem/local-stack';
import { enrolPatient, seedCareTeam, seedSite } from '@alem/persistence';
import { oruR01, type Observation } from '../support/hl7-messages';
import { type RunningGateway, startGateway } from '../support/ingest-gateway';
import { startTestStack, type TestStack } from '../support/test-stack';
import { readableText } from '../support/mail-text';

/**
 * Issue 12 item 1, end to end: a lab's HL7 client sends an ORU^R01 whose platelet count is written as text
 * (OBX-2 ST, OBX-5 `<25`) over MLLP to the gateway → Kafka → the processor, which stores the comparator the
 * normaliser read (not the event's, which has none) → the rule engine grades `<25` as below 25: PLT-4's emergency
 * tier (clinical rules §2, PLT-4: <25 → critical + emergency flag). `<30` straddles 25 and is graded by its worse
 * case, which the alert's explanation says; a plain 25 is not below 25 (PLT-4 critical, no emergency).
 */
describe('a platelet count sent as text "<25" through the gateway keeps its comparator (PLT-4)', () => {
  let stack: TestStack;
  let gateway: RunningGateway;
  let lab: LabMllpClient;
  let teamId: string;
  const q = (sql: string, params: unknown[] = []) => stack.dataSource.query(sql, params);
  const COURSE = ['2025-09-01', '2025-09-02', '2025-09-03', '2025-09-04', '2025-09-05'];

  const enrol = (id: string) =>
    enrolPatient(stack.dataSource, {
      siteId: 'prague',
      careTeamId: teamId,
      indication: 'MS',
      identifiers: [{ authority: 'HOSP', identifier: id }],
      birthDate: '1984-05-17',
      courses: [{ courseNumber: 1, infusionDays: COURSE }],
    }).then(async (patientId) => {
      await stack.waitForEnrolment({ authority: 'HOSP', id });
      return patientId;
    });

  const platelets = (valueType: string, value: string): Observation => ({
    code: '777-3',
    display: 'Platelets',
    valueType,
    value,
    unit: '10*9/L',
    range: '150-400',
    flag: 'LL',
  });

  /** Sends one ORU^R01 over MLLP; resolves when the gateway answered AA and the processor stored the result. */
  const sendPlatelets = async (patient: string, controlId: string, observation: Observation) => {
    const ack = await lab.send(
      oruR01({
        controlId,
        patient: { id: patient, authority: 'HOSP' },
        observedAt: '20261120081500+0100',
        observations: [observation],
      }),
    );
    expect(ack).toMatchObject({ code: 'AA', controlId });
    return waitFor(
      async () => {
        const rows = await q(
          `SELECT value_type, value_original, value::float8 AS value, comparator, quality, quality_flags
           FROM results WHERE message_control_id = $1`,
          [controlId],
        );
        return rows.length === 1 ? rows[0] : undefined;
      },
      { timeoutMs: 20000, description: `the result of ${controlId}` },
    );
  };

  /** The patient's alerts once the platelet alert is there (written in the same transaction as the result). */
  const alertsOf = (patientId: string) =>
    waitFor(
      async () => {
        const rows: Array<{
          rule_id: string;
          severity: string;
          emergency: boolean;
          reference: string;
          explanation: {
            tier: string;
            summary: string;
            notes: string[];
            values: Array<{ value: number; comparator: string | null }>;
            supersededRuleIds: string[];
          };
        }> = await q(
          `SELECT rule_id, severity, emergency, reference, explanation FROM alerts
           WHERE patient_id = $1 ORDER BY rule_id`,
          [patientId],
        );
        return rows.some((r) => r.rule_id === 'PLT-4') ? rows : undefined;
      },
      { timeoutMs: 20000, description: `the PLT-4 alert of ${patientId}` },
    );

  beforeAll(async () => {
    stack = await startTestStack();
    await seedSite(stack.dataSource, { id: 'prague', name: 'Prague MS centre', timeZone: 'Europe/Prague' });
    const team = await seedCareTeam(stack.dataSource, {
      siteId: 'prague',
      name: 'MS',
      members: [{ email: 'haematology@hospital.test', displayName: 'MS team', role: 'clinician' }],
    });
    teamId = team.careTeamId;
    await stack.startProcessor();
    await stack.startNotifier();
    gateway = await startGateway(stack.config);
    lab = await LabMllpClient.connect(gateway.mllpPort);
  });

  afterAll(async () => {
    await lab?.close();
    await gateway?.close();
    await stack?.stop();
  });

  it('ST "<25" is stored as 25 with "<" and pages PLT-4 emergency (below 25 for certain, no DQ-1)', async () => {
    const patientId = await enrol('CMP-25');
    const stored = await sendPlatelets('CMP-25', 'CMP-ST-25', platelets('ST', '<25'));
    expect(stored).toEqual({
      value_type: 'ST',
      value_original: '<25',
      value: 25,
      comparator: '<',
      quality: 'ok',
      quality_flags: 'value-from-text',
    });

    const alerts = await alertsOf(patientId);
    expect(alerts.map((a) => `${a.rule_id}:${a.severity}${a.emergency ? '!' : ''}`)).toEqual([
      'PLT-4:critical!',
    ]);
    const [plt4] = alerts;
    expect(plt4.explanation).toMatchObject({
      tier: 'lt-25',
      summary: 'Platelets <25 ×10⁹/L are below 25 ×10⁹/L (CTCAE grade 4): bleeding risk.',
      supersededRuleIds: ['PLT-3'],
    });
    expect(plt4.explanation.values[0]).toMatchObject({ value: 25, comparator: '<' });
    expect(plt4.explanation.notes.filter((n) => n.includes('conservative'))).toEqual([]);

    // The care team is paged as for an emergency; the email carries no value.
    const [mail] = await stack.smtp.waitForMessages(1, (m) => m.subject.includes(plt4.reference));
    expect(mail.to).toEqual(['haematology@hospital.test']);
    expect(mail.subject).toMatch(/^\[CRITICAL \(EMERGENCY\)\] /);
    expect(readableText(mail)).not.toMatch(/<25|CMP-25/);
  });

  it('ST "<30" straddles 25: PLT-4 emergency graded conservatively, and the explanation says so', async () => {
    const patientId = await enrol('CMP-30');
    const stored = await sendPlatelets('CMP-30', 'CMP-ST-30', platelets('ST', '<30'));
    expect(stored).toMatchObject({ value_type: 'ST', value_original: '<30', value: 30, comparator: '<' });

    const alerts = await alertsOf(patientId);
    expect(alerts.map((a) => `${a.rule_id}:${a.severity}${a.emergency ? '!' : ''}`)).toEqual([
      'PLT-4:critical!',
    ]);
    expect(alerts[0].explanation.tier).toBe('lt-25');
    expect(alerts[0].explanation.notes).toContain(
      'reported as <30 ×10⁹/L: may be below 25; graded as if it is (conservative)',
    );
  });

  it('a plain 25 is not below 25: PLT-4 critical without the emergency flag', async () => {
    const patientId = await enrol('CMP-NM');
    const stored = await sendPlatelets('CMP-NM', 'CMP-NM-25', platelets('NM', '25'));
    expect(stored).toMatchObject({ value_type: 'NM', value: 25, comparator: null });
    const alerts = await alertsOf(patientId);
    expect(alerts.map((a) => `${a.rule_id}:${a.severity}${a.emergency ? '!' : ''}`)).toEqual([
      'PLT-4:critical',
    ]);
    expect(alerts[0].explanation.tier).toBe('lt-50');
  });
});
