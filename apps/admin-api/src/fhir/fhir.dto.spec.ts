import { detectedIssueSearchSchema } from './fhir.dto';

const patientOf = (patient: string) => detectedIssueSearchSchema.parse({ patient }).patient;

describe('the patient a DetectedIssue search names', () => {
  it('takes our id, bare or as a reference', () => {
    const id = '0B7C6F52-51A3-4C1E-9A43-7B8F0D3E9A01';
    expect(patientOf(id)).toEqual({ kind: 'id', patientId: id.toLowerCase() });
    expect(patientOf(`Patient/${id}`)).toEqual({ kind: 'id', patientId: id.toLowerCase() });
  });

  it('reads an identifier system as the FHIR intake stored it: an OID or URI as an HL7 authority', () => {
    expect(patientOf('HOSP|MRN1001')).toEqual({
      kind: 'identifier',
      authority: 'HOSP',
      identifier: 'MRN1001',
    });
    expect(patientOf('urn:oid:1.2.36.146.595.217.0.1|12345')).toEqual({
      kind: 'identifier',
      authority: '&1.2.36.146.595.217.0.1&ISO',
      identifier: '12345',
    });
    expect(patientOf('http://hospital.example.org/mrn|7')).toEqual({
      kind: 'identifier',
      authority: '&http://hospital.example.org/mrn&URI',
      identifier: '7',
    });
  });

  it('refuses what names no patient', () => {
    expect(detectedIssueSearchSchema.safeParse({ patient: 'someone' }).success).toBe(false);
  });
});
