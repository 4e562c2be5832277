import { enrolPatient, seedCareTeam, seedSite } from '@alem/persistence';
import { waitFor } from '@alem/local-stack';
import { CBC_PATIENT, fhirFixture } from '../support/fhir-resources';
import { issueLabKey, type RunningGateway, startGateway } from '../support/ingest-gateway';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * FHIR R4 end to end (issue 18): a lab's transaction Bundle of a CBC with a critical platelet count, posted to
 * the gateway → the processor stores it → one PLT-4 alert → an email to each care-team member, without PHI.
 */
describe('FHIR Observation bundle → alert → email', () => {
  let stack: TestStack;
  let gateway: RunningGateway;

  beforeAll(async () => {
    stack = await startTestStack();
    await seedSite(stack.dataSource, { id: 'acme', name: 'Acme MS centre', timeZone: 'Europe/Amsterdam' });
    const team = await seedCareTeam(stack.dataSource, {
      siteId: 'acme',
      name: 'MS team',
      members: [
        { email: 'neurologist@acme.test', displayName: 'Dr. Eva Svobodová', role: 'clinician' },
        { email: 'ms-nurse@acme.test', displayName: 'Petr Dvořák', role: 'nurse' },
      ],
    });
    await enrolPatient(stack.dataSource, {
      siteId: 'acme',
      careTeamId: team.careTeamId,
      indication: 'MS',
      identifiers: [{ authority: CBC_PATIENT.authority, identifier: CBC_PATIENT.id }],
      courses: [
        {
          courseNumber: 1,
          infusionDays: ['2025-09-01', '2025-09-02', '2025-09-03', '2025-09-04', '2025-09-05'],
        },
      ],
    });
    await stack.startProcessor();
    await stack.startNotifier();
    gateway = await startGateway(stack.config);
  });

  afterAll(async () => {
    await gateway?.close();
    await stack?.stop();
  });

  it('opens one PLT-4 alert from a critical platelet count and emails the care team', async () => {
    const key = await issueLabKey(stack.dataSource, 'LIS^ACME-LAB', [CBC_PATIENT.authority]);
    const cbc = fhirFixture('bundle-cbc-transaction');
    const platelets = cbc.entry[6].resource;
    expect(platelets.code.coding[0].code).toBe('777-3');
    platelets.valueQuantity.value = 37;
    platelets.interpretation = [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'LL' },
        ],
      },
    ];

    const response = await gateway
      .http()
      .post('/fhir/R4')
      .set('Content-Type', 'application/fhir+json')
      .set('Authorization', `Bearer ${key}`)
      .send(JSON.stringify(cbc));
    expect(response.status).toBe(202);

    const alert = await waitFor(
      async () =>
        (
          await stack.dataSource.query(
            `SELECT reference, rule_id, severity, state, explanation FROM alerts WHERE rule_id = 'PLT-4'`,
          )
        )[0],
      { description: 'the PLT-4 alert' },
    );
    expect(alert).toMatchObject({ severity: 'critical', state: 'open' });
    expect(alert.explanation.values[0]).toMatchObject({
      value: 37,
      unit: '10*9/L',
      range: { low: 150, high: 400, source: 'lab' },
    });

    const mails = await stack.smtp.waitForMessages(2);
    expect(mails.map((m) => m.to[0]).sort()).toEqual(['ms-nurse@acme.test', 'neurologist@acme.test']);
    for (const mail of mails) {
      expect(mail.subject).toBe(`[CRITICAL] Lab safety alert ${alert.reference} needs review`);
      const everything = `${mail.subject}\n${mail.text}\n${mail.html}`;
      for (const phi of ['MRN-7731', 'Chalmers', '1974-12-25', '777-3', 'latelet']) {
        expect(everything).not.toContain(phi);
      }
    }
    const other = await stack.dataSource.query(
      `SELECT rule_id FROM alerts WHERE rule_id NOT IN ('PLT-4', 'DQ-2')`,
    );
    expect(other).toEqual([]);
  });
});
