import { type OperationOutcome, type OperationOutcomeIssue } from '@medplum/fhirtypes';
import { type FhirIssue, type FhirIssueType } from './fhir-results';

/** The media type of FHIR's JSON format. */
export const FHIR_JSON = 'application/fhir+json';

/**
 * An OperationOutcome of the issues, each naming its element (`issue.expression`), with the message as
 * `diagnostics` and `details.text`.
 */
export function operationOutcome(
  issues: ReadonlyArray<{
    message: string;
    code: FhirIssue['code'] | OperationOutcomeIssue['code'];
    expression?: string;
  }>,
  severity: OperationOutcomeIssue['severity'] = 'error',
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((issue) => ({
      severity,
      code: issue.code,
      details: { text: issue.message },
      diagnostics: issue.message,
      ...(issue.expression ? { expression: [issue.expression] } : {}),
    })),
  };
}

/** The issue type (OperationOutcome.issue.code) that fits an HTTP refusal of the gateway. */
export function issueTypeOfStatus(status: number): OperationOutcomeIssue['code'] {
  const types: Record<number, OperationOutcomeIssue['code']> = {
    400: 'invalid',
    401: 'login',
    403: 'forbidden',
    404: 'not-found',
    413: 'too-costly',
    415: 'not-supported',
    422: 'processing',
    503: 'transient',
  };
  return types[status] ?? 'exception';
}

export type { FhirIssueType };
