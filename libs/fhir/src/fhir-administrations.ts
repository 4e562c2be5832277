import { type MedicationAdministrationEvent } from '@alem/events';
import { type FhirIssue, type FhirSkip } from './fhir-results';

/**
 * FHIR R4 `MedicationAdministration` → `medication-administration.v1` events (issue 18).
 * STUB: the reader is being written; the signature is the contract the gateway codes against.
 */
export interface FhirAdministration {
  /** `MedicationAdministration`, `Bundle.entry[2].resource`. */
  expression: string;
  event: MedicationAdministrationEvent;
}

export type FhirAdministrationRead =
  | { ok: true; administrations: FhirAdministration[]; skipped: FhirSkip[] }
  | { ok: false; status: 400 | 422; issues: FhirIssue[] };

export interface FhirAdministrationReadOptions {
  sender: { application: string; facility: string };
  /** `POST [base]/MedicationAdministration` or a transaction Bundle at `POST [base]` (its Observations are not read here). */
  expect: 'MedicationAdministration' | 'Bundle';
}

export function readFhirAdministrations(
  _body: unknown,
  _options: FhirAdministrationReadOptions,
): FhirAdministrationRead {
  return {
    ok: false,
    status: 422,
    issues: [{ expression: 'MedicationAdministration', message: 'not read yet', code: 'not-supported' }],
  };
}
