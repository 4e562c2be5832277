import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type FhirRead, readFhirResults } from './fhir-results';
import { authorityOf } from './fhir-results';
import { operationOutcome } from './operation-outcome';

const fixture = (name: string) =>
  JSON.parse(readFileSync(path.join(__dirname, '../../../tests/fixtures/fhir', name), 'utf8'));
const sender = { application: 'LIS', facility: 'ACME-LAB' };
const observation = (body: unknown) => readFhirResults(body, { sender, expect: 'Observation' });
const bundle = (body: unknown) => readFhirResults(body, { sender, expect: 'Bundle' });

function taken(read: FhirRead) {
  if (!read.ok) throw new Error(`refused: ${JSON.stringify(read.issues)}`);
  return read;
}
function refusal(read: FhirRead) {
  if (read.ok) throw new Error('taken');
  return read;
}

describe('FHIR R4 Observation → LabResult event', () => {
  it('maps the spec’s glucose example (observation-example-f001-glucose) field by field', () => {
    const read = taken(observation(fixture('observation-example-f001-glucose.json')));
    expect(read.results).toHaveLength(1);
    expect(read.results[0]!.expression).toBe('Observation');
    expect(read.results[0]!.event).toEqual({
      schema: 'lab-result.v1',
      patient: { id: '738472983', authority: '&2.16.840.1.113883.2.4.6.3&ISO' },
      sender,
      messageControlId: expect.stringMatching(/^fhir-[A-Za-z0-9_-]{32}$/),
      observation: { code: '15074-8', system: 'LN', display: 'Glucose [Moles/volume] in Blood' },
      valueType: 'NM',
      value: 6.3,
      // The UCUM code, not the display unit (`mmol/l`): the processor's unit normalisation reads UCUM.
      unit: 'mmol/L',
      referenceRange: '3.1-6.2',
      flags: ['H'],
      status: 'final',
      observedAt: '2013-04-02T09:30:10+01:00',
    });
  });

  it('maps a transaction Bundle of a CBC: the bundled Patient’s MR identifier, the order and the Specimen', () => {
    const read = taken(bundle(fixture('bundle-cbc-transaction.json')));
    expect(
      read.results.map((r) => [r.expression, r.event.observation.code, r.event.value, r.event.unit]),
    ).toEqual([
      ['Bundle.entry[4].resource', '6690-2', 6.1, '10*3/uL'],
      ['Bundle.entry[5].resource', '718-7', 13.8, 'g/dL'],
      ['Bundle.entry[6].resource', '777-3', 239, '10*3/uL'],
    ]);
    for (const { event } of read.results) {
      expect(event.patient).toEqual({ id: 'MRN-7731', authority: '&2.16.840.1.113883.19.5&ISO' });
      expect(event.observation.orderId).toBe('ORD-2026-0815');
      expect(event.observedAt).toBe('2026-11-20T08:15:00+01:00');
    }
    // The panel groups its members and has no value of its own: skipped, said so, not refused.
    expect(read.skipped).toEqual([
      {
        expression: 'Bundle.entry[3].resource',
        reason: 'a panel (hasMember or component) without a value of its own',
      },
    ]);
    expect(new Set(read.results.map((r) => r.event.messageControlId)).size).toBe(3);
  });

  it('reads a contained Patient and the Specimen’s accession and collection time when effective[x] is absent', () => {
    const glucose = fixture('observation-example-f001-glucose.json');
    delete glucose.effectivePeriod;
    const read = taken(
      observation({
        ...glucose,
        contained: [
          {
            resourceType: 'Patient',
            id: 'p',
            identifier: [{ system: 'https://hospital.example.org/mrn', value: 'H-1' }],
          },
          {
            resourceType: 'Specimen',
            id: 's',
            accessionIdentifier: { value: 'ACC-9' },
            collection: { collectedDateTime: '2013-04-02T09:00:00+01:00' },
          },
        ],
        subject: { reference: '#p' },
        specimen: { reference: '#s' },
      }),
    );
    expect(read.results[0]!.event).toMatchObject({
      patient: { id: 'H-1', authority: '&https://hospital.example.org/mrn&URI' },
      observation: { orderId: 'ACC-9' },
      observedAt: '2013-04-02T09:00:00+01:00',
    });
  });

  it('maps the statuses as OBX-11 is read: amended/corrected → corrected, cancelled → not-obtainable, entered-in-error → deleted', () => {
    const glucose = fixture('observation-example-f001-glucose.json');
    const status = (value: string, extra: object = {}) =>
      taken(observation({ ...glucose, status: value, ...extra })).results[0]!.event.status;
    expect(status('final')).toBe('final');
    expect(status('amended')).toBe('corrected');
    expect(status('corrected')).toBe('corrected');
    expect(status('preliminary')).toBe('preliminary');
    expect(status('entered-in-error')).toBe('deleted');
    const { valueQuantity: _, ...noValue } = glucose;
    const cancelled = taken(observation({ ...noValue, status: 'cancelled' })).results[0]!.event;
    expect(cancelled).toMatchObject({ status: 'not-obtainable', value: null });
    const absent = taken(
      observation({ ...noValue, dataAbsentReason: { coding: [{ code: 'error' }], text: 'haemolysed' } }),
    ).results[0]!.event;
    expect(absent).toMatchObject({ status: 'not-obtainable', value: null });
    expect(refusal(observation({ ...glucose, status: 'unknown' })).issues[0]).toMatchObject({
      expression: 'Observation.status',
      code: 'not-supported',
    });
  });

  it('gives the same resource the same control id and a correction or retraction another', () => {
    const glucose = fixture('observation-example-f001-glucose.json');
    const id = (body: object) => taken(observation(body)).results[0]!.event.messageControlId;
    expect(id(glucose)).toBe(id(structuredClone(glucose)));
    expect(id({ ...glucose, status: 'amended' })).not.toBe(id(glucose));
    expect(id({ ...glucose, status: 'entered-in-error' })).not.toBe(id(glucose));
    const v1 = { ...glucose, meta: { versionId: '1' } };
    expect(id({ ...v1, valueQuantity: { ...glucose.valueQuantity, value: 6.4 } })).toBe(id(v1));
    expect(id({ ...glucose, meta: { versionId: '2' } })).not.toBe(id(v1));
    // Without an identifier the resource id and version identify it.
    const { identifier: _, ...byId } = v1;
    expect(id(byId)).not.toBe(id(v1));
  });

  it('reads comparators, integers, strings and coded values as OBX-2 would carry them', () => {
    const glucose = fixture('observation-example-f001-glucose.json');
    const { valueQuantity: _, ...base } = glucose;
    const event = (value: object) => taken(observation({ ...base, ...value })).results[0]!.event;
    expect(event({ valueQuantity: { value: 20, comparator: '<', unit: '10*3/uL' } })).toMatchObject({
      valueType: 'SN',
      value: 20,
      comparator: '<',
      unit: '10*3/uL',
    });
    expect(event({ valueInteger: 41 })).toMatchObject({ valueType: 'NM', value: 41 });
    expect(event({ valueString: 'red cell casts seen' })).toMatchObject({
      valueType: 'ST',
      value: 'red cell casts seen',
    });
    expect(
      event({
        valueCodeableConcept: {
          coding: [{ system: 'http://snomed.info/sct', code: '260385009', display: 'Negative' }],
        },
      }),
    ).toMatchObject({ valueType: 'CWE', value: 'Negative' });
    expect(refusal(observation({ ...base, valueBoolean: true })).issues[0]).toMatchObject({
      expression: 'Observation.valueBoolean',
      code: 'not-supported',
    });
  });

  it('maps a non-LOINC coding to its system (SNOMED CT → SCT, others as their URI)', () => {
    const glucose = fixture('observation-example-f001-glucose.json');
    const code = (coding: object) =>
      taken(observation({ ...glucose, code: { coding: [coding] } })).results[0]!.event.observation;
    expect(code({ system: 'http://snomed.info/sct', code: '365812005' })).toMatchObject({
      system: 'SCT',
      code: '365812005',
    });
    expect(code({ system: 'urn:oid:1.2.3', code: 'GLU' })).toMatchObject({
      system: 'urn:oid:1.2.3',
      code: 'GLU',
    });
  });
});

describe('FHIR R4 refusals name the element', () => {
  it('refuses what is not valid R4 (400): the status, a value of the wrong type, an element R4 does not have', () => {
    const read = refusal(observation(fixture('observation-not-r4.json')));
    expect(read.status).toBe(400);
    expect(read.issues.map((i) => i.expression)).toEqual([
      'Observation.status',
      'Observation.valueQuantity.value',
    ]);
    const glucose = fixture('observation-example-f001-glucose.json');
    const typo = refusal(observation({ ...glucose, valueQuanity: glucose.valueQuantity }));
    expect(typo.issues).toContainEqual(
      expect.objectContaining({ expression: 'Observation.valueQuanity', code: 'structure' }),
    );
    const missing = refusal(observation({ ...glucose, code: undefined }));
    expect(missing.issues[0]).toMatchObject({ expression: 'Observation.code', code: 'required' });
    const twoValues = refusal(observation({ ...glucose, valueString: 'high' }));
    expect(twoValues.issues[0]!.expression).toBe('Observation.valueString');
  });

  it('names the element inside a Bundle entry', () => {
    const cbc = fixture('bundle-cbc-transaction.json');
    cbc.entry[6].resource.effectiveDateTime = '2026-11-20 08:15';
    const read = refusal(bundle(cbc));
    expect(read.status).toBe(400);
    expect(read.issues).toEqual([
      {
        expression: 'Bundle.entry[6].resource.effectiveDateTime',
        message: 'not a FHIR dateTime',
        code: 'value',
      },
    ]);
  });

  it('refuses valid R4 it cannot take (422): another bundle type, an unresolvable patient, a day without a time', () => {
    const cbc = fixture('bundle-cbc-transaction.json');
    expect(refusal(bundle({ ...cbc, type: 'collection' })).issues[0]).toMatchObject({
      expression: 'Bundle.type',
      code: 'not-supported',
    });
    const glucose = fixture('observation-example-f001-glucose.json');
    const unresolved = refusal(observation({ ...glucose, subject: { reference: 'Patient/f001' } }));
    expect(unresolved.status).toBe(422);
    expect(unresolved.issues[0]).toMatchObject({ expression: 'Observation.subject', code: 'required' });
    const dayOnly = refusal(observation({ ...glucose, effectivePeriod: { start: '2013-04-02' } }));
    expect(dayOnly.issues[0]).toMatchObject({ expression: 'Observation.effectivePeriod.start' });
    const noSystem = refusal(observation({ ...glucose, subject: { identifier: { value: '738472983' } } }));
    expect(noSystem.issues[0]!.expression).toBe('Observation.subject.identifier');
    expect(
      refusal(observation({ ...glucose, modifierExtension: [{ url: 'x', valueBoolean: true }] })).issues[0]!
        .expression,
    ).toBe('Observation.modifierExtension');
    expect(refusal(bundle(fixture('observation-example-f001-glucose.json'))).issues[0]!.expression).toBe(
      'Observation.resourceType',
    );
  });

  it('writes the issues as an OperationOutcome', () => {
    const read = refusal(observation(fixture('observation-not-r4.json')));
    const outcome = operationOutcome(read.issues);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]).toMatchObject({
      severity: 'error',
      code: 'value',
      expression: ['Observation.status'],
    });
  });
});

describe('authorityOf', () => {
  it('writes an OID as HL7 writes it (&oid&ISO), other systems as URIs', () => {
    expect(authorityOf('urn:oid:2.16.840.1.113883.19.5')).toBe('&2.16.840.1.113883.19.5&ISO');
    expect(authorityOf('http://hospital.example.org/mrn')).toBe('&http://hospital.example.org/mrn&URI');
    expect(authorityOf('http://x.example/?a=1&b=2')).toBeNull();
  });
});
