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

/** The issue type (OperationOutcome.issue.code) that fits an HTTP refusal. */
export function issueTypeOfStatus(status: number): OperationOutcomeIssue['code'] {
  const types: Record<number, OperationOutcomeIssue['code']> = {
    400: 'invalid',
    401: 'login',
    403: 'forbidden',
    404: 'not-found',
    409: 'conflict',
    413: 'too-costly',
    415: 'not-supported',
    422: 'processing',
    429: 'throttled',
    503: 'transient',
  };
  return types[status] ?? (status >= 500 ? 'exception' : 'processing');
}

/** An HTTP error as FHIR states it: one issue, its type from the status, the message as its text. */
export function outcomeOfStatus(status: number, message: string): OperationOutcome {
  return operationOutcome([{ message, code: issueTypeOfStatus(status) }], status >= 500 ? 'fatal' : 'error');
}

export type { FhirIssueType };
