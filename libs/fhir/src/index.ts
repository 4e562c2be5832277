// FHIR R4, pure (no transport): laboratory results in as LabResult events (the gateway's intake), alerts out as
// DetectedIssues (the admin API's read-only FHIR routes), and refusals as OperationOutcomes.
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
export { FHIR_JSON, issueTypeOfStatus, operationOutcome, outcomeOfStatus } from './operation-outcome';
export {
  type AlertEvidence,
  type AlertSeverity,
  DETECTED_ISSUE_STATUSES,
  type DetectedIssueStatus,
  type FhirAlert,
  searchsetBundle,
  toDetectedIssue,
} from './detected-issue';
export {
  type FhirAdministration,
  type FhirAdministrationRead,
  type FhirAdministrationReadOptions,
  readFhirAdministrations,
  RXNORM_URI,
} from './fhir-administrations';
