import { type PatientResult, type ResultStatus } from '../results/result';

/**
 * Statuses the engine grades. `preliminary` is graded (the safe choice: a preliminary platelet count of 15 must
 * not wait hours for the final; the final arrives as its own result and becomes another occurrence of the same
 * alert, and the explanation says the value was preliminary). `deleted` and `not-obtainable` carry no value the
 * lab stands behind and are never graded nor used as history. Superseded and retracted results are removed by
 * the caller.
 */
export const GRADED_STATUSES: readonly ResultStatus[] = ['final', 'corrected', 'preliminary'];

export function isGradedStatus(status: ResultStatus): boolean {
  return GRADED_STATUSES.includes(status);
}

/**
 * A result the rules may read, as the graded result or as history (previous value, baseline, composite
 * partner): a graded status, quality `ok`, and a known analyte.
 */
export function isUsableResult(result: PatientResult): boolean {
  return isGradedStatus(result.status) && result.quality === 'ok' && result.analyte !== null;
}
