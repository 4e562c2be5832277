import { LabMllpClient } from '@alem/local-stack';
import { labResultKey } from '@alem/events';
import { CONTENT_TYPES, HEADERS, TOPICS } from '@alem/messaging';
import { CBC_PATIENT, fhirFixture } from '../support/fhir-resources';
import { hl7Fixture, retarget } from '../support/hl7-messages';
import {
  issueLabKey,
  registerSender,
  type RunningGateway,
  startGateway,
  type TopicRecord,
  TopicReader,
} from '../support/ingest-gateway';
import { startTestStack, type TestStack } from '../support/test-stack';

const FHIR = 'application/fhir+json';
/** The pharmacy of the parser's course-1 fixture (RAS^O17, five RXA of alemtuzumab for patient 4711 of CITYHOSP). */
const PHARMACY = 'PHARMSYS^STMARYS';
/** The EHR that posts FHIR MedicationAdministrations and the gateway's own RAS fixture over HTTP. */
const EHR = 'PHARMSYS^ACME-HOSP';

/** A MedicationAdministration as an EHR's MAR writes one for an alemtuzumab infusion (R4). */
function administration(id: string, patient: { id: string; authority: string } = CBC_PATIENT) {
  return {
    resourceType: 'MedicationAdministration',
    id,
    meta: { versionId: '1', lastUpdated: '2026-11-16T13:20:00+01:00' },
    identifier: [{ system: 'http://ehr.acme.org/mar', value: `MAR-${id}` }],
    contained: [
      {
        resourceType: 'Patient',
        id: 'pat',
        identifier: [
          {
            type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
            system: `urn:oid:${patient.authority}`,
            value: patient.id,
          },
        ],
      },
    ],
    status: 'completed',
    medicationCodeableConcept: {
      coding: [
        { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '117055', display: 'alemtuzumab' },
      ],
      text: 'Lemtrada 12 mg/1.2 mL concentrate for solution for infusion',
    },
    subject: { reference: '#pat' },
    effectivePeriod: { start: '2026-11-16T09:15:00+01:00', end: '2026-11-16T13:15:00+01:00' },
    dosage: {
      route: {
        coding: [{ system: 'http://snomed.info/sct', code: '47625008', display: 'Intravenous route' }],
      },
      dose: { value: 12, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
    },
  };
}

/**
 * Issue 18: medication administrations in at the ingest gateway, on the real broker. HL7 v2 RAS^O17 over MLLP and
 * `POST /v1/results`, and FHIR R4 MedicationAdministration singly or in a transaction Bundle (beside
 * Observations), become medication-administration.v1 events on `medication.administrations.v1`, keyed as the
 * patient's results; the same sender rules as results; refusals dead-lettered, and nothing of them produced.
 */
describe('ingest gateway: medication administrations', () => {
  let stack: TestStack;
  let gateway: RunningGateway;
  let administrations: TopicReader;
  let results: TopicReader;
  let dlq: TopicReader;
  let key: string;
  /** How many records a topic holds: the sum of its partitions' end offsets (the broker's count, not a reader's). */
  const produced = async (topic: string) =>
    (await stack.admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  const json = (record: TopicRecord) => JSON.parse(record.value.toString('utf8'));

  beforeAll(async () => {
    stack = await startTestStack();
    gateway = await startGateway(stack.config, { mllp: { peerAuthentication: 'registered' } });
    await registerSender(stack.dataSource, PHARMACY, {
      authorities: ['CITYHOSP'],
      sourceAddresses: ['127.0.0.1/32', '::1/128'],
    });
    await gateway.reloadSenders();
    key = await issueLabKey(stack.dataSource, EHR, ['HOSP', CBC_PATIENT.authority]);
    administrations = await TopicReader.start(stack.kafka, TOPICS.medicationAdministrations);
    results = await TopicReader.start(stack.kafka, TOPICS.labResults);
    dlq = await TopicReader.start(stack.kafka, TOPICS.labResultsDlq);
  });

  afterAll(async () => {
    await administrations?.stop();
    await results?.stop();
    await dlq?.stop();
    await gateway?.close();
    await stack?.stop();
  });

  describe('HL7 v2', () => {
    it('takes a RAS^O17 over MLLP from its authenticated sender: AA once every RXA is on the administrations topic as JSON', async () => {
      const before = await produced(TOPICS.medicationAdministrations);
      const resultsBefore = await produced(TOPICS.labResults);
      const lab = await LabMllpClient.connect(gateway.mllpPort);
      try {
        expect(await lab.send(hl7Fixture('ras-o17-v25-course1'))).toMatchObject({
          code: 'AA',
          controlId: 'RAS-0001',
        });
      } finally {
        await lab.close();
      }
      // Produced before the ACK was written: the broker holds all five already.
      expect(await produced(TOPICS.medicationAdministrations)).toBe(before + 5);
      expect(await produced(TOPICS.labResults)).toBe(resultsBefore);
      const records = await administrations.waitForRecords('"messageControlId":"RAS-0001"', 5);
      const events = records.map(json);
      expect(events.map((event) => event.administration.id)).toEqual([
        'FIL-5001|0|1',
        'FIL-5001|0|2',
        'FIL-5001|0|3',
        'FIL-5001|0|4',
        'FIL-5001|0|5',
      ]);
      for (const [index, record] of records.entries()) {
        expect(record.key).toBe(labResultKey(events[index].patient));
        expect(events[index]).toMatchObject({
          schema: 'medication-administration.v1',
          patient: { id: '4711', authority: 'CITYHOSP' },
          administration: { status: 'given', evidence: 'administered', medication: { code: '117055' } },
          receivedAt: record.headers[HEADERS.receivedAt],
        });
        expect(record.headers).toMatchObject({
          [HEADERS.contentType]: CONTENT_TYPES.medicationAdministrationJson,
          [HEADERS.authenticatedSender]: PHARMACY,
        });
      }
      // One patient, one key, one partition: the course's days stay in order.
      expect(new Set(records.map((r) => r.partition)).size).toBe(1);
    });

    it('refuses a RAS^O17 whose MSH-3^4 is not the authenticated sender (AR), dead-letters it and produces nothing', async () => {
      const before = await produced(TOPICS.medicationAdministrations);
      const forged = retarget(hl7Fixture('ras-o17-v25-course1'), {
        controlId: 'RAS-FORGED-1',
        sender: { application: 'PHARMSYS', facility: 'OTHER-HOSP' },
      });
      const lab = await LabMllpClient.connect(gateway.mllpPort);
      let ack;
      try {
        ack = await lab.send(forged);
      } finally {
        await lab.close();
      }
      const reason = `MSH-3/4 PHARMSYS^OTHER-HOSP is not this connection's sender (${PHARMACY})`;
      // MSA-3 holds the first 80 characters of it (as escaped: ^ is \S\); the DLQ record all of it.
      expect(ack).toMatchObject({ code: 'AR', controlId: 'RAS-FORGED-1' });
      expect(reason.startsWith(ack!.text)).toBe(true);
      const [record] = await dlq.waitForRecords('RAS-FORGED-1');
      // As the client framed it (it drops the final segment terminator).
      expect(record!.value.toString('utf8')).toBe(forged.trimEnd());
      expect(record!.headers).toMatchObject({
        [HEADERS.contentType]: CONTENT_TYPES.hl7v2,
        [HEADERS.dlqReason]: reason,
        [HEADERS.dlqSource]: 'ingest-gateway/mllp',
        [HEADERS.dlqPeer]: '127.0.0.1',
      });
      expect(await produced(TOPICS.medicationAdministrations)).toBe(before);
    });

    it('refuses a RAS^O17 for a patient of an authority its sender is not bound to (AR)', async () => {
      const before = await produced(TOPICS.medicationAdministrations);
      const lab = await LabMllpClient.connect(gateway.mllpPort);
      try {
        const foreign = retarget(hl7Fixture('ras-o17-v25-course1'), {
          controlId: 'RAS-FOREIGN-1',
          patient: { id: 'X1', authority: 'OTHERHOSP' },
        });
        expect(await lab.send(foreign)).toMatchObject({
          code: 'AR',
          text: `${PHARMACY} may not report for assigning authority OTHERHOSP`,
        });
      } finally {
        await lab.close();
      }
      await dlq.waitForRecords('RAS-FOREIGN-1');
      expect(await produced(TOPICS.medicationAdministrations)).toBe(before);
    });

    it('takes a RAS^O17 posted to /v1/results with the sender’s API key: 202, taken as administrations', async () => {
      const before = await produced(TOPICS.medicationAdministrations);
      const response = await gateway
        .http()
        .post('/v1/results')
        .set('Authorization', `Bearer ${key}`)
        .set('Content-Type', CONTENT_TYPES.hl7v2)
        .send(hl7Fixture('ras-o17-v251-gateway-infusions'));
      expect(response.status).toBe(202);
      expect(response.body).toMatchObject({
        status: 'accepted',
        taken: 'administrations',
        controlId: 'RAS-0001',
        ackCode: 'AA',
        skipped: 0,
      });
      expect(response.body.ack).toContain('\rMSA|AA|RAS-0001');
      expect(await produced(TOPICS.medicationAdministrations)).toBe(before + 2);
      const records = (await administrations.waitForRecords('"FIL-3310|0|', 2)).map((r) => ({
        r,
        e: json(r),
      }));
      expect(records.map(({ e }) => [e.patient, e.administration.id, e.location])).toEqual([
        [{ id: 'MRN7001', authority: 'HOSP' }, 'FIL-3310|0|1', 'NEURO-INF'],
        [{ id: 'MRN7001', authority: 'HOSP' }, 'FIL-3310|0|2', 'NEURO-INF'],
      ]);
      for (const { r, e } of records) {
        expect(r.key).toBe(labResultKey(e.patient));
        expect(r.headers[HEADERS.authenticatedSender]).toBe(EHR);
        expect(r.headers[HEADERS.contentType]).toBe(CONTENT_TYPES.medicationAdministrationJson);
      }
    });

    it('refuses over HTTP a RAS^O17 naming another sender than the key’s (403), dead-lettered from ingest-gateway/http', async () => {
      const before = await produced(TOPICS.medicationAdministrations);
      const response = await gateway
        .http()
        .post('/v1/results')
        .set('Authorization', `Bearer ${key}`)
        .set('Content-Type', CONTENT_TYPES.hl7v2)
        .send(retarget(hl7Fixture('ras-o17-v25-course1'), { controlId: 'RAS-HTTP-OTHER' }));
      expect(response.status).toBe(403);
      expect(response.body.details).toMatchObject({ ackCode: 'AR', deadLettered: true });
      const [record] = await dlq.waitForRecords('RAS-HTTP-OTHER');
      expect(record!.headers[HEADERS.dlqSource]).toBe('ingest-gateway/http');
      expect(await produced(TOPICS.medicationAdministrations)).toBe(before);
    });
  });

  describe('FHIR R4', () => {
    const post = (route: string, body: unknown) =>
      gateway
        .http()
        .post(`/fhir/R4${route}`)
        .set('Content-Type', FHIR)
        .set('Authorization', `Bearer ${key}`)
        .send(JSON.stringify(body));
    /** The accepted resources an OperationOutcome names: element → control id. */
    const accepted = (body: {
      issue: Array<{ severity: string; diagnostics: string; expression: string[] }>;
    }) =>
      body.issue
        .filter((i) => i.severity === 'information')
        .map((i) => [i.expression[0], i.diagnostics.replace('accepted as ', '')]);

    it('takes one MedicationAdministration: 202 OperationOutcome, one event on the administrations topic', async () => {
      const before = await produced(TOPICS.medicationAdministrations);
      const response = await post('/MedicationAdministration', administration('lem-d1'));
      expect(response.status).toBe(202);
      expect(response.headers['content-type']).toMatch(/^application\/fhir\+json/);
      const [[expression, controlId]] = accepted(response.body) as [[string, string]];
      expect(expression).toBe('MedicationAdministration');
      expect(await produced(TOPICS.medicationAdministrations)).toBe(before + 1);
      const [record] = await administrations.waitForRecords(`"messageControlId":"${controlId}"`);
      const event = json(record!);
      expect(event).toMatchObject({
        schema: 'medication-administration.v1',
        sender: { application: 'PHARMSYS', facility: 'ACME-HOSP' },
        patient: { id: CBC_PATIENT.id },
        administration: { status: 'given', medication: { code: '117055' } },
        receivedAt: record!.headers[HEADERS.receivedAt],
      });
      expect(record!.key).toBe(labResultKey(event.patient));
      expect(record!.headers).toMatchObject({
        [HEADERS.contentType]: CONTENT_TYPES.medicationAdministrationJson,
        [HEADERS.authenticatedSender]: EHR,
      });
    });

    it('takes a transaction Bundle of an Observation and a MedicationAdministration onto both topics', async () => {
      const cbc = fhirFixture('bundle-cbc-transaction');
      const patientUrl: string = cbc.entry[0].fullUrl;
      const { contained: _contained, ...given } = administration('lem-d2');
      const bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          cbc.entry[0],
          cbc.entry[1],
          cbc.entry[4],
          {
            fullUrl: 'urn:uuid:8e1c7b52-3f0a-4d6e-9b21-5c4d3e2f1a00',
            resource: { ...given, subject: { reference: patientUrl } },
            request: { method: 'POST', url: 'MedicationAdministration' },
          },
        ],
      };
      const [resultsBefore, administrationsBefore] = [
        await produced(TOPICS.labResults),
        await produced(TOPICS.medicationAdministrations),
      ];
      const response = await post('', bundle);
      expect(response.status).toBe(202);
      const ids = accepted(response.body);
      expect(ids.map(([expression]) => expression)).toEqual([
        'Bundle.entry[2].resource',
        'Bundle.entry[3].resource',
      ]);
      expect(await produced(TOPICS.labResults)).toBe(resultsBefore + 1);
      expect(await produced(TOPICS.medicationAdministrations)).toBe(administrationsBefore + 1);
      const [result] = await results.waitForRecords(ids[0]![1]!);
      const [given2] = await administrations.waitForRecords(`"messageControlId":"${ids[1]![1]}"`);
      expect(result!.headers[HEADERS.contentType]).toBe(CONTENT_TYPES.labResultJson);
      expect(given2!.headers[HEADERS.contentType]).toBe(CONTENT_TYPES.medicationAdministrationJson);
      // The same patient: the same key on both topics.
      expect(given2!.key).toBe(result!.key);
    });

    it('refuses a MedicationAdministration that is not valid R4 (400) naming the element: nothing produced, one DLQ record', async () => {
      const invalid = { ...administration('lem-bad'), status: 'done' };
      const [before, dlqBefore] = [
        await produced(TOPICS.medicationAdministrations),
        await produced(TOPICS.labResultsDlq),
      ];
      const response = await post('/MedicationAdministration', invalid);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/fhir\+json/);
      expect(response.body.resourceType).toBe('OperationOutcome');
      expect(response.body.issue[0]).toMatchObject({
        severity: 'error',
        expression: ['MedicationAdministration.status'],
      });
      const [record] = await dlq.waitForRecords('"MAR-lem-bad"');
      expect(record!.headers).toMatchObject({
        [HEADERS.contentType]: FHIR,
        [HEADERS.dlqSource]: 'ingest-gateway/fhir',
        [HEADERS.authenticatedSender]: EHR,
      });
      expect(record!.headers[HEADERS.dlqReason]).toMatch(/^MedicationAdministration\.status: /);
      expect(await produced(TOPICS.labResultsDlq)).toBe(dlqBefore + 1);
      expect(await produced(TOPICS.medicationAdministrations)).toBe(before);
    });

    it('refuses a whole Bundle when its MedicationAdministration is invalid: its valid Observation is not produced either', async () => {
      const cbc = fhirFixture('bundle-cbc-transaction');
      const { contained: _contained, ...given } = administration('lem-bad-2');
      const bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          cbc.entry[0],
          cbc.entry[4],
          {
            resource: { ...given, status: 'done', subject: { reference: cbc.entry[0].fullUrl } },
            request: { method: 'POST', url: 'MedicationAdministration' },
          },
        ],
      };
      const [resultsBefore, before] = [
        await produced(TOPICS.labResults),
        await produced(TOPICS.medicationAdministrations),
      ];
      const response = await post('', bundle);
      expect(response.status).toBe(400);
      expect(response.body.issue.map((i: { expression: string[] }) => i.expression[0])).toContain(
        'Bundle.entry[2].resource.status',
      );
      await dlq.waitForRecords('"MAR-lem-bad-2"');
      expect(await produced(TOPICS.labResults)).toBe(resultsBefore);
      expect(await produced(TOPICS.medicationAdministrations)).toBe(before);
    });

    it('refuses a transaction Bundle with neither Observations nor MedicationAdministrations (422)', async () => {
      const cbc = fhirFixture('bundle-cbc-transaction');
      const response = await post('', { resourceType: 'Bundle', type: 'transaction', entry: [cbc.entry[0]] });
      expect(response.status).toBe(422);
      expect(response.body.issue[0]).toMatchObject({
        expression: ['Bundle.entry'],
        diagnostics: 'the Bundle holds no Observation and no MedicationAdministration',
      });
    });
  });
});
