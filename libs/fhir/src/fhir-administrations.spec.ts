import { readFileSync } from 'node:fs';
import path from 'node:path';
// Tests check every event against the real contract, the schema in @alem/events.
import { medicationAdministrationEventSchema } from '@alem/events';
import { type FhirAdministrationRead, readFhirAdministrations } from './fhir-administrations';
import { readFhirResults } from './fhir-results';

const fixture = (name: string) =>
  JSON.parse(readFileSync(path.join(__dirname, '../../../tests/fixtures/fhir', name), 'utf8'));
const sender = { application: 'EHR', facility: 'ST-MARY' };
const single = (body: unknown) =>
  readFhirAdministrations(body, { sender, expect: 'MedicationAdministration' });
const bundle = (body: unknown) => readFhirAdministrations(body, { sender, expect: 'Bundle' });

function taken(read: FhirAdministrationRead) {
  if (!read.ok) throw new Error(`refused: ${JSON.stringify(read.issues)}`);
  for (const { event } of read.administrations) {
    expect(medicationAdministrationEventSchema.safeParse(event).error?.issues).toBeUndefined();
  }
  return read;
}
function refusal(read: FhirAdministrationRead) {
  if (read.ok) throw new Error('taken');
  return read;
}

const patientMr = { id: '12345', authority: '&2.16.840.1.113883.19.5&ISO' };
const lemtrada = { code: '1594660', system: 'RXNORM', display: 'Alemtuzumab 10mg/ml (Lemtrada)' };

/** The spec's example with a logical subject that carries an identifier (it has only a bare reference). */
function withIdentifier(over: Record<string, unknown> = {}) {
  return {
    ...fixture('medicationadministration0304.json'),
    subject: { identifier: { system: 'urn:oid:2.16.840.1.113883.19.5', value: '12345' } },
    ...over,
  };
}

describe('FHIR R4 MedicationAdministration → medication-administration.v1 events', () => {
  it('the spec’s example medadmin0304 is valid R4, refused only for its patient without an identifier', () => {
    const read = refusal(single(fixture('medicationadministration0304.json')));
    expect(read.status).toBe(422);
    expect(read.issues).toEqual([
      {
        expression: 'MedicationAdministration.subject',
        message: expect.stringMatching(
          /^Patient\/pat1 is neither contained nor in the Bundle, and subject\.identifier is absent/,
        ),
        code: 'required',
      },
    ]);
    expect(JSON.stringify(read.issues)).not.toMatch(/Donald|Duck/);
  });

  it('maps medadmin0304 field by field when its subject carries an identifier', () => {
    const read = taken(single(withIdentifier()));
    expect(read.skipped).toEqual([]);
    expect(read.administrations).toEqual([
      {
        expression: 'MedicationAdministration',
        event: {
          schema: 'medication-administration.v1',
          patient: patientMr,
          sender,
          messageControlId: 'medadmin0304@completed',
          administration: {
            id: 'medadmin0304',
            status: 'given',
            evidence: 'administered',
            at: '2015-01-15T04:30:00+01:00',
            doseMg: 3,
            // The contained Medication (#med0303): RxNorm's URI written RXNORM.
            medication: lemtrada,
          },
        },
      },
    ]);
  });

  it('the transaction Bundle: the Patient’s MR identifier, the Encounter’s location, a withdrawal by day', () => {
    const read = taken(bundle(fixture('bundle-medication-administrations.json')));
    expect(read.administrations.map((a) => a.expression)).toEqual([
      'Bundle.entry[2].resource',
      'Bundle.entry[3].resource',
    ]);
    const [given, withdrawn] = read.administrations.map((a) => a.event);
    expect(given).toMatchObject({
      patient: patientMr,
      location: 'INFUSION-3',
      administration: { id: 'medadmin0304', status: 'given', at: '2015-01-15T04:30:00+01:00', doseMg: 3 },
    });
    expect(withdrawn).toEqual({
      schema: 'medication-administration.v1',
      patient: patientMr,
      sender,
      messageControlId: 'medadmin0305-eie/_history/2',
      administration: {
        id: 'urn:oid:2.16.840.1.113883.19.5.7|ADM-20150116-1',
        status: 'entered-in-error',
        evidence: 'administered',
        // A date alone is the day of the infusion.
        day: '2015-01-16',
        doseMg: 12,
        medication: lemtrada,
      },
      location: 'INFUSION-3',
      recordedAt: '2015-01-16T09:00:00+01:00',
    });
  });

  it.each([
    ['completed', 'given'],
    ['entered-in-error', 'entered-in-error'],
    ['not-done', 'cancelled'],
    ['stopped', 'cancelled'],
  ])('status %s → %s', (status, expected) => {
    const read = taken(single(withIdentifier({ status })));
    expect(read.administrations[0]!.event.administration.status).toBe(expected);
  });

  it.each(['in-progress', 'on-hold', 'unknown'])('status %s is skipped with a reason', (status) => {
    const read = taken(single(withIdentifier({ status })));
    expect(read.administrations).toEqual([]);
    expect(read.skipped).toEqual([
      {
        expression: 'MedicationAdministration',
        reason: `status ${status}: not (yet) an administration given or withdrawn`,
      },
    ]);
  });

  it.each([
    [{ value: 12, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' }, 12],
    [{ value: 0.012, system: 'http://unitsofmeasure.org', code: 'g' }, 12],
    [{ value: 12000, unit: 'µg', system: 'http://unitsofmeasure.org', code: 'ug' }, 12],
    [{ value: 12, unit: 'mg' }, 12],
    [{ value: 1.2, system: 'http://unitsofmeasure.org', code: 'mL' }, undefined],
    [{ value: 12, system: 'http://example.org/units', code: 'mg' }, undefined],
    [{ unit: 'mg' }, undefined],
  ])('dose %j → %s mg', (dose, mg) => {
    const read = taken(single(withIdentifier({ dosage: { dose } })));
    expect(read.administrations[0]!.event.administration.doseMg).toBe(mg);
  });

  it('medicationCodeableConcept: the first coding with a system and a code, a system other than RxNorm as sent', () => {
    const read = taken(
      single(
        withIdentifier({
          medicationReference: undefined,
          medicationCodeableConcept: {
            text: 'Lemtrada',
            coding: [{ display: 'no code' }, { system: 'urn:oid:1.2.3.4', code: 'LEM12' }],
          },
        }),
      ),
    );
    expect(read.administrations[0]!.event.administration.medication).toEqual({
      code: 'LEM12',
      system: 'urn:oid:1.2.3.4',
      display: 'Lemtrada',
    });
  });

  it('identity: the first identifier system|value, else the id; the version in the control id; long ones hashed', () => {
    const read = taken(
      single(
        withIdentifier({
          identifier: [{ system: 'urn:ietf:rfc:3986', value: 'A'.repeat(70) }],
          meta: { lastUpdated: '2015-01-15T15:00:00+01:00' },
        }),
      ),
    );
    const event = read.administrations[0]!.event;
    expect(event.administration.id).toBe(`urn:ietf:rfc:3986|${'A'.repeat(70)}`);
    expect(event.messageControlId).toMatch(/^fhir-[A-Za-z0-9_-]{32}$/);
    expect(event.recordedAt).toBe('2015-01-15T15:00:00+01:00');
    // The same resource withdrawn without a version is another message, not a resend.
    const withdrawn = taken(single(withIdentifier({ status: 'entered-in-error' }))).administrations[0]!.event;
    expect(withdrawn.messageControlId).toBe('medadmin0304@entered-in-error');
    expect(withdrawn.administration.id).toBe('medadmin0304');
  });

  it('location: serviceProvider, else a performer Organization, each by identifier', () => {
    const encounter = {
      resourceType: 'Encounter',
      id: 'enc',
      serviceProvider: { identifier: { system: 'urn:x', value: 'NEURO' } },
    };
    const viaProvider = taken(
      single(
        withIdentifier({
          contained: [...fixture('medicationadministration0304.json').contained, encounter],
          context: { reference: '#enc' },
        }),
      ),
    );
    expect(viaProvider.administrations[0]!.event.location).toBe('NEURO');
    const viaPerformer = taken(
      single(
        withIdentifier({
          context: undefined,
          encounter: undefined,
          performer: [
            { actor: { reference: 'Practitioner/f007' } },
            { actor: { type: 'Organization', identifier: { system: 'urn:x', value: 'INFUSION-CENTRE' } } },
          ],
        }),
      ),
    );
    expect(viaPerformer.administrations[0]!.event.location).toBe('INFUSION-CENTRE');
    // The example's Encounter/f001 is not in the request: no location.
    expect(taken(single(withIdentifier())).administrations[0]!.event.location).toBeUndefined();
  });

  it('pre-R4 names patient and encounter are read as subject and context', () => {
    const body = withIdentifier();
    const { subject, context, ...rest } = body;
    const read = taken(single({ ...rest, patient: subject, encounter: context }));
    expect(read.administrations[0]!.event.patient).toEqual(patientMr);
  });

  it('400 for what is not R4, naming the element', () => {
    const cases: Array<[unknown, string]> = [
      [withIdentifier({ status: 'done' }), 'MedicationAdministration.status'],
      [withIdentifier({ effectivePeriod: undefined }), 'MedicationAdministration.effectiveDateTime'],
      [
        withIdentifier({ medicationReference: undefined }),
        'MedicationAdministration.medicationCodeableConcept',
      ],
      [withIdentifier({ effectiveDateTime: '2015-01-15' }), 'MedicationAdministration.effectivePeriod'],
      [
        withIdentifier({ effectiveTimePeriod: { start: '2015-01-15' } }),
        'MedicationAdministration.effectiveTimePeriod',
      ],
      [
        withIdentifier({ effectivePeriod: { start: '2015-01-15T04:30:00' } }),
        'MedicationAdministration.effectivePeriod.start',
      ],
      [{ resourceType: 'Observation' }, 'Observation.resourceType'],
      ['text', 'resourceType'],
    ];
    for (const [body, expression] of cases) {
      const read = refusal(single(body));
      expect(read.status).toBe(400);
      expect(read.issues.map((i) => i.expression)).toContain(expression);
    }
  });

  it('422 for valid R4 it cannot take, naming the element and no patient data', () => {
    const cases: Array<[unknown, string]> = [
      [
        withIdentifier({ medicationReference: { reference: 'Medication/elsewhere' } }),
        'MedicationAdministration.medicationReference',
      ],
      [
        withIdentifier({ effectivePeriod: { start: '2015-01' } }),
        'MedicationAdministration.effectivePeriod.start',
      ],
      [withIdentifier({ id: undefined }), 'MedicationAdministration.identifier'],
      [withIdentifier({ subject: { reference: 'Group/g1' } }), 'MedicationAdministration.subject'],
      [
        withIdentifier({ modifierExtension: [{ url: 'urn:x' }] }),
        'MedicationAdministration.modifierExtension',
      ],
    ];
    for (const [body, expression] of cases) {
      const read = refusal(single(body));
      expect(read.status).toBe(422);
      expect(read.issues.map((i) => i.expression)).toEqual([expression]);
      expect(JSON.stringify(read.issues)).not.toMatch(/12345|Donald/);
    }
  });

  it('a Bundle: transaction or batch; other types 422; Observations and other entries are no error', () => {
    const administration = withIdentifier();
    const observation = fixture('observation-example-f001-glucose.json');
    const body = (type: string) => ({
      resourceType: 'Bundle',
      type,
      entry: [
        { resource: observation },
        { resource: { resourceType: 'Specimen', id: 's1' } },
        { resource: administration },
      ],
    });
    expect(taken(bundle(body('batch'))).administrations.map((a) => a.expression)).toEqual([
      'Bundle.entry[2].resource',
    ]);
    expect(refusal(bundle(body('collection')))).toMatchObject({
      status: 422,
      issues: [{ expression: 'Bundle.type' }],
    });
    // The Observation reader takes the same Bundle's Observation and does not refuse its MedicationAdministration.
    const results = readFhirResults(body('transaction'), { sender, expect: 'Bundle' });
    expect(results.ok && results.results.map((r) => r.expression)).toEqual(['Bundle.entry[0].resource']);
    // Neither Observations nor MedicationAdministrations: an empty list, the gateway decides.
    expect(taken(bundle({ resourceType: 'Bundle', type: 'transaction', entry: [] }))).toEqual({
      ok: true,
      administrations: [],
      skipped: [],
    });
  });

  it('a Bundle is all or nothing: one administration refused refuses it; two with one identity too', () => {
    const good = withIdentifier();
    const bad = withIdentifier({ id: 'other', medicationReference: { reference: '#missing' } });
    const read = refusal(
      bundle({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: good }, { resource: bad }] }),
    );
    expect(read.issues.map((i) => i.expression)).toEqual(['Bundle.entry[1].resource.medicationReference']);
    const twice = refusal(
      bundle({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: good }, { resource: good }],
      }),
    );
    expect(twice.issues).toEqual([
      expect.objectContaining({ expression: 'Bundle.entry[1].resource.identifier', code: 'business-rule' }),
    ]);
  });

  it('never throws on odd input', () => {
    for (const body of [
      null,
      1,
      [],
      {},
      { resourceType: 1 },
      { resourceType: 'Bundle', type: 'transaction', entry: [null, 3] },
    ]) {
      expect(() => bundle(body)).not.toThrow();
      expect(() => single(body)).not.toThrow();
    }
  });
});
