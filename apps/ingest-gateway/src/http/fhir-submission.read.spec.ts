import * as fhir from '@alem/fhir';
import { type MedicationAdministrationEvent } from '@alem/events';
import { readFhirSubmission } from './fhir-submission.read';

// The readers as they are, watched; the administrations reader's verdicts are given where a test needs one.
jest.mock('@alem/fhir', () => {
  const actual = jest.requireActual('@alem/fhir');
  return {
    ...actual,
    readFhirResults: jest.fn(actual.readFhirResults),
    readFhirAdministrations: jest.fn(actual.readFhirAdministrations),
  };
});
const readFhirResults = fhir.readFhirResults as jest.MockedFunction<typeof fhir.readFhirResults>;
const readFhirAdministrations = fhir.readFhirAdministrations as jest.MockedFunction<
  typeof fhir.readFhirAdministrations
>;

const SENDER = { application: 'EHR', facility: 'ACME-HOSP' };
const PATIENT = {
  resourceType: 'Patient',
  id: 'p1',
  identifier: [{ system: 'urn:oid:2.16.840.1.113883.19.5', value: 'MRN-7731' }],
};
const OBSERVATION = {
  resourceType: 'Observation',
  id: 'plt',
  identifier: [{ system: 'http://lab.acme.org/obs', value: 'PLT-1' }],
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '777-3', display: 'Platelets' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2026-11-20T08:15:00+01:00',
  valueQuantity: { value: 239, unit: '10*9/L', system: 'http://unitsofmeasure.org', code: '10*9/L' },
};
const ADMINISTRATION = {
  resourceType: 'MedicationAdministration',
  id: 'ma1',
  status: 'completed',
  medicationCodeableConcept: {
    coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '117055' }],
  },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2026-11-16T09:15:00+01:00',
};
const bundle = (...resources: object[]) => ({
  resourceType: 'Bundle',
  type: 'transaction',
  entry: resources.map((resource) => ({
    resource,
    request: { method: 'POST', url: (resource as { resourceType: string }).resourceType },
  })),
});
const event: MedicationAdministrationEvent = {
  schema: 'medication-administration.v1',
  patient: { id: 'MRN-7731', authority: '&2.16.840.1.113883.19.5&ISO' },
  sender: SENDER,
  messageControlId: 'ma1/_history/1',
  administration: {
    id: 'ma1',
    status: 'given',
    evidence: 'administered',
    at: '2026-11-16T09:15:00+01:00',
    medication: { code: '117055', system: 'RXNORM' },
  },
};

describe('readFhirSubmission', () => {
  beforeEach(() => jest.clearAllMocks());

  it('reads a single resource with its own reader only', () => {
    readFhirAdministrations.mockReturnValueOnce({
      ok: true,
      administrations: [{ expression: 'MedicationAdministration', event }],
      skipped: [],
    });
    expect(readFhirSubmission(ADMINISTRATION, SENDER, 'MedicationAdministration')).toEqual({
      ok: true,
      results: [],
      administrations: [{ expression: 'MedicationAdministration', event }],
      skipped: [],
    });
    expect(readFhirAdministrations).toHaveBeenCalledWith(ADMINISTRATION, {
      sender: SENDER,
      expect: 'MedicationAdministration',
    });
    expect(readFhirResults).not.toHaveBeenCalled();

    const observation = readFhirSubmission(
      { ...OBSERVATION, contained: [PATIENT], subject: { reference: '#p1' } },
      SENDER,
      'Observation',
    );
    expect(observation).toMatchObject({
      ok: true,
      results: [{ expression: 'Observation' }],
      administrations: [],
    });
    expect(readFhirAdministrations).toHaveBeenCalledTimes(1);
  });

  it('reads a Bundle of Observations with the results reader only', () => {
    const read = readFhirSubmission(bundle(PATIENT, OBSERVATION), SENDER, 'Bundle');
    expect(read).toMatchObject({
      ok: true,
      results: [{ expression: 'Bundle.entry[1].resource' }],
      administrations: [],
    });
    expect(readFhirAdministrations).not.toHaveBeenCalled();
  });

  it('reads a Bundle of MedicationAdministrations with the administrations reader only', () => {
    readFhirAdministrations.mockReturnValueOnce({
      ok: true,
      administrations: [{ expression: 'Bundle.entry[1].resource', event }],
      skipped: [],
    });
    const body = bundle(PATIENT, ADMINISTRATION);
    expect(readFhirSubmission(body, SENDER, 'Bundle')).toMatchObject({
      ok: true,
      results: [],
      administrations: [{ event }],
    });
    expect(readFhirAdministrations).toHaveBeenCalledWith(body, { sender: SENDER, expect: 'Bundle' });
    expect(readFhirResults).not.toHaveBeenCalled();
  });

  it('reads a Bundle of both with both readers', () => {
    readFhirAdministrations.mockReturnValueOnce({
      ok: true,
      administrations: [{ expression: 'Bundle.entry[1].resource', event }],
      skipped: [{ expression: 'Bundle.entry[3].resource', reason: 'not alemtuzumab' }],
    });
    const read = readFhirSubmission(bundle(PATIENT, ADMINISTRATION, OBSERVATION), SENDER, 'Bundle');
    expect(read).toMatchObject({
      ok: true,
      results: [{ expression: 'Bundle.entry[2].resource', event: { observation: { code: '777-3' } } }],
      administrations: [{ expression: 'Bundle.entry[1].resource', event }],
      skipped: [{ expression: 'Bundle.entry[3].resource' }],
    });
  });

  it('refuses the whole Bundle when either reader refuses, with every issue, 400 before 422', () => {
    readFhirAdministrations.mockReturnValueOnce({
      ok: false,
      status: 422,
      issues: [
        { expression: 'Bundle.entry[1].resource.subject', message: 'no identifier', code: 'required' },
      ],
    });
    const invalid = { ...OBSERVATION, status: 'done' };
    const read = readFhirSubmission(bundle(PATIENT, ADMINISTRATION, invalid), SENDER, 'Bundle');
    expect(read).toMatchObject({ ok: false, status: 400 });
    if (read.ok) return;
    expect(read.issues.map((issue) => issue.expression)).toEqual([
      'Bundle.entry[2].resource.status',
      'Bundle.entry[1].resource.subject',
    ]);

    readFhirAdministrations.mockReturnValueOnce({
      ok: false,
      status: 422,
      issues: [
        { expression: 'Bundle.entry[1].resource.subject', message: 'no identifier', code: 'required' },
      ],
    });
    expect(readFhirSubmission(bundle(PATIENT, ADMINISTRATION, OBSERVATION), SENDER, 'Bundle')).toMatchObject({
      ok: false,
      status: 422,
      issues: [{ expression: 'Bundle.entry[1].resource.subject' }],
    });
  });

  it('refuses a transaction Bundle of neither kind (422 at Bundle.entry), and passes on what is wrong with a Bundle that is not one', () => {
    expect(readFhirSubmission(bundle(PATIENT), SENDER, 'Bundle')).toEqual({
      ok: false,
      status: 422,
      issues: [
        {
          expression: 'Bundle.entry',
          message: 'the Bundle holds no Observation and no MedicationAdministration',
          code: 'required',
        },
      ],
    });
    expect(readFhirSubmission({ ...bundle(PATIENT), type: 'batch' }, SENDER, 'Bundle')).toMatchObject({
      ok: false,
      status: 422,
      issues: [{ expression: 'Bundle.type' }],
    });
    expect(
      readFhirSubmission({ resourceType: 'Bundle', type: 'transaction', entry: 'x' }, SENDER, 'Bundle'),
    ).toMatchObject({
      ok: false,
      status: 400,
    });
    expect(readFhirAdministrations).not.toHaveBeenCalled();
  });
});
