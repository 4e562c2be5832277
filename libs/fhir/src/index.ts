// FHIR R4 laboratory results as LabResult events: pure (no transport), for the ingest gateway's FHIR intake.
export {
  authorityOf,
  type FhirIssue,
  type FhirIssueType,
  type FhirRead,
  type FhirReadOptions,
  type FhirResult,
  type FhirSkip,
  LOINC_SYSTEM,
  readFhirResults,
  UCUM_SYSTEM,
} from './fhir-results';
export { FHIR_JSON, issueTypeOfStatus, operationOutcome } from './operation-outcome';
