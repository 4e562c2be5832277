import { CONTENT_TYPES, HEADERS, TOPICS } from '@alem/messaging';
import { enrolPatient, seedCareTeam, seedSite } from '@alem/persistence';
import { waitFor } from '@alem/local-stack';
import { CBC_PATIENT, F001_PATIENT, fhirFixture } from '../support/fhir-resources';
import { issueLabKey, type RunningGateway, startGateway, TopicReader } from '../support/ingest-gateway';
import { startTestStack, type TestStack } from '../support/test-stack';

const FHIR = 'application/fhir+json';

/**
 * FHIR R4 in (issue 18), on the real broker, database and processor: `POST /fhir/R4/Observation` and transaction
 * Bundles to `POST /fhir/R4` become lab-result.v1 events, stored once, corrected and retracted as HL7 v2 results
 * are; refusals are OperationOutcomes naming the element, dead-lettered, and store nothing.
 */
describe('ingest gateway: FHIR R4 intake', () => {
  let stack: TestStack;
  let gateway: RunningGateway;
  let results: TopicReader;
  let dlq: TopicReader;
  let key: string;
  const q = (sql: string, params: unknown[] = []) => stack.dataSource.query(sql, params);
  const count = async (sql: string, params: unknown[] = []) => Number((await q(sql, params))[0].n);
  /** How many records the results topic holds: the sum of its partitions' end offsets. */
  const produced = async () =>
    (await stack.admin.fetchTopicOffsets(TOPICS.labResults)).reduce((n, p) => n + Number(p.high), 0);

  beforeAll(async () => {
    stack = await startTestStack();
    await seedSite(stack.dataSource, { id: 'acme', name: 'Acme hospital', timeZone: 'Europe/Amsterdam' });
    const team = await seedCareTeam(stack.dataSource, {
      siteId: 'acme',
      name: 'Neuro',
      members: [{ email: 'neuro@acme.test', displayName: 'Neurologist', role: 'clinician' }],
    });
    for (const patient of [CBC_PATIENT, F001_PATIENT]) {
      await enrolPatient(stack.dataSource, {
        siteId: 'acme',
        careTeamId: team.careTeamId,
        indication: 'MS',
        identifiers: [{ authority: patient.authority, identifier: patient.id }],
        courses: [{ courseNumber: 1, infusionDays: ['2025-09-01', '2025-09-02', '2025-09-03'] }],
      });
    }
    await stack.startProcessor();
    gateway = await startGateway(stack.config, { http: { maxBodyBytes: 64 * 1024 } });
    results = await TopicReader.start(stack.kafka, TOPICS.labResults);
    dlq = await TopicReader.start(stack.kafka, TOPICS.labResultsDlq);
    key = await issueLabKey(stack.dataSource, 'LIS^ACME-LAB', [
      CBC_PATIENT.authority,
      F001_PATIENT.authority,
    ]);
  });

  afterAll(async () => {
    await results?.stop();
    await dlq?.stop();
    await gateway?.close();
    await stack?.stop();
  });

  const post = (route: string, body: unknown, apiKey: string | null = key, type = FHIR) => {
    const req = gateway.http().post(`/fhir/R4${route}`).set('Content-Type', type);
    return (apiKey ? req.set('Authorization', `Bearer ${apiKey}`) : req).send(JSON.stringify(body));
  };
  /** The control ids an accepted submission's OperationOutcome names, in order. */
  const acceptedIds = (body: { issue: Array<{ severity: string; diagnostics: string }> }) =>
    body.issue
      .filter((i) => i.severity === 'information')
      .map((i) => i.diagnostics.replace('accepted as ', ''));
  const stored = (controlId: string) =>
    q(
      `SELECT id, sender, code, code_system, loinc, value::float AS value, unit, value_original, unit_original, status, order_id, superseded_by, retracted_at
       FROM results WHERE message_control_id = $1`,
      [controlId],
    );
  const storedOnce = (controlId: string) =>
    waitFor(async () => ((await stored(controlId)).length === 1 ? (await stored(controlId))[0] : undefined), {
      description: `the result of ${controlId} stored`,
    });

  it('refuses a request without a valid API key (401) with an OperationOutcome', async () => {
    const response = await post('/Observation', fhirFixture('observation-example-f001-glucose'), null);
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(response.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'login' }],
    });
  });

  it('takes one Observation (the spec’s f001 glucose): one event from the key’s sender, stored with its UCUM unit', async () => {
    const response = await post('/Observation', fhirFixture('observation-example-f001-glucose'));
    expect(response.status).toBe(202);
    expect(response.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(response.body.resourceType).toBe('OperationOutcome');
    const [controlId] = acceptedIds(response.body);
    const [record] = await results.waitForRecords(controlId!);
    expect(record!.key).toBe('&2.16.840.1.113883.2.4.6.3&ISO|738472983');
    expect(record!.headers[HEADERS.contentType]).toBe(CONTENT_TYPES.labResultJson);
    expect(record!.headers[HEADERS.authenticatedSender]).toBe('LIS^ACME-LAB');
    expect(await storedOnce(controlId!)).toMatchObject({
      sender: 'LIS^ACME-LAB',
      code: '15074-8',
      code_system: 'LN',
      // Glucose is not one of the analytes the rules watch: kept as sent (UCUM code), not normalised.
      value_original: '6.3',
      unit_original: 'mmol/L',
      status: 'final',
      superseded_by: null,
    });
  });

  it('takes a transaction Bundle of a CBC with its Patient and Specimen: one result per Observation, the panel skipped', async () => {
    const response = await post('', fhirFixture('bundle-cbc-transaction'));
    expect(response.status).toBe(202);
    const ids = acceptedIds(response.body);
    expect(ids).toHaveLength(3);
    expect(response.body.issue).toContainEqual(
      expect.objectContaining({ severity: 'warning', expression: ['Bundle.entry[3].resource'] }),
    );
    const rows = await Promise.all(ids.map(storedOnce));
    expect(rows.map((r) => [r.loinc, r.value, r.unit, r.order_id])).toEqual([
      ['6690-2', 6.1, '10*9/L', 'ORD-2026-0815'],
      ['718-7', 13.8, 'g/dL', 'ORD-2026-0815'],
      ['777-3', 239, '10*9/L', 'ORD-2026-0815'],
    ]);
    const [record] = await results.waitForRecords(ids[0]!);
    expect(record!.key).toBe('&2.16.840.1.113883.19.5&ISO|MRN-7731');
  });

  it('stores a redelivered identical resource once', async () => {
    const cbc = fhirFixture('bundle-cbc-transaction');
    const platelets = {
      ...cbc.entry[6].resource,
      identifier: [{ system: 'http://lab.acme.org/obs', value: 'RESENT-1' }],
    };
    const contained = {
      ...platelets,
      contained: [{ resourceType: 'Patient', id: 'p', identifier: cbc.entry[0].resource.identifier }],
      subject: { reference: '#p' },
      specimen: undefined,
    };
    const first = await post('/Observation', contained);
    const again = await post('/Observation', contained);
    expect([first.status, again.status]).toEqual([202, 202]);
    const [controlId] = acceptedIds(first.body);
    expect(acceptedIds(again.body)).toEqual([controlId]);
    await results.waitForRecords(controlId!, 2);
    await stack.waitUntilConsumed();
    expect(await stored(controlId!)).toHaveLength(1);
  });

  it('supersedes with an amended Observation and retracts with entered-in-error', async () => {
    const glucose = fhirFixture('observation-example-f001-glucose');
    glucose.identifier[0].value = 'CORR-1';
    const original = acceptedIds((await post('/Observation', glucose)).body)[0]!;
    const first = await storedOnce(original);
    const amended = {
      ...glucose,
      status: 'amended',
      valueQuantity: { ...glucose.valueQuantity, value: 7.1 },
    };
    const corrected = acceptedIds((await post('/Observation', amended)).body)[0]!;
    expect(corrected).not.toBe(original);
    const correction = await storedOnce(corrected);
    expect(correction).toMatchObject({ value_original: '7.1', status: 'corrected', superseded_by: null });
    await waitFor(async () => (await stored(original))[0].superseded_by === correction.id, {
      description: 'the original superseded by the correction',
    });
    expect(first.superseded_by).toBeNull();

    const retraction = acceptedIds(
      (await post('/Observation', { ...amended, status: 'entered-in-error' })).body,
    )[0]!;
    expect(await storedOnce(retraction)).toMatchObject({ status: 'deleted' });
    await waitFor(async () => (await stored(corrected))[0].retracted_at !== null, {
      description: 'the correction retracted',
    });
  });

  it('refuses a resource that is not valid R4 (400): an OperationOutcome naming the elements, dead-lettered, nothing stored', async () => {
    const before = await count(`SELECT count(*) AS n FROM results`);
    const producedBefore = await produced();
    const response = await post('/Observation', fhirFixture('observation-not-r4'));
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(response.body.resourceType).toBe('OperationOutcome');
    expect(response.body.issue.map((i: { expression: string[] }) => i.expression[0])).toEqual([
      'Observation.status',
      'Observation.valueQuantity.value',
    ]);
    expect(response.body.issue[0]).toMatchObject({ severity: 'error', code: 'value' });
    const [record] = await dlq.waitForRecords('"BAD-1"');
    expect(record!.headers[HEADERS.dlqSource]).toBe('ingest-gateway/fhir');
    expect(record!.headers[HEADERS.contentType]).toBe(FHIR);
    expect(record!.headers[HEADERS.dlqReason]).toMatch(/^Observation\.status: not one of registered/);
    expect(record!.headers[HEADERS.authenticatedSender]).toBe('LIS^ACME-LAB');
    // Accepted resources are produced before they are answered: nothing refused can still be on its way. Counted
    // by the topic's end offsets (the broker's), not by a reader, which may not have fetched the last ones yet.
    expect(await produced()).toBe(producedBefore);
    await stack.waitUntilConsumed();
    expect(await count(`SELECT count(*) AS n FROM results`)).toBe(before);
  });

  it('refuses patients of an authority the sender is not bound to (403), and other media types (415)', async () => {
    const other = await issueLabKey(stack.dataSource, 'LIS^OTHER-LAB', ['HOSP']);
    const refused = await post('/Observation', fhirFixture('observation-example-f001-glucose'), other);
    expect(refused.status).toBe(403);
    expect(refused.body.issue[0]).toMatchObject({
      code: 'forbidden',
      diagnostics: 'LIS^OTHER-LAB may not report for assigning authority &2.16.840.1.113883.2.4.6.3&ISO',
    });
    const [record] = await dlq.waitForRecords('"738472983"');
    expect(record!.headers[HEADERS.authenticatedSender]).toBe('LIS^OTHER-LAB');

    const text = await post(
      '/Observation',
      fhirFixture('observation-example-f001-glucose'),
      key,
      'text/plain',
    );
    expect(text.status).toBe(415);
    expect(text.body.issue[0]).toMatchObject({ code: 'not-supported' });
  });
});
