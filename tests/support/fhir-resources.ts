import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A FHIR R4 fixture (`tests/fixtures/fhir`), parsed afresh each time so that a test may change it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function fhirFixture(name: string): any {
  return JSON.parse(readFileSync(path.join(__dirname, '../fixtures/fhir', `${name}.json`), 'utf8'));
}

/** The CBC transaction Bundle's patient, as the gateway files it: MR identifier, OID authority. */
export const CBC_PATIENT = { id: 'MRN-7731', authority: '2.16.840.1.113883.19.5' };

/** The f001 glucose example's patient (BSN, `urn:oid:2.16.840.1.113883.2.4.6.3`). */
export const F001_PATIENT = { id: '738472983', authority: '2.16.840.1.113883.2.4.6.3' };
