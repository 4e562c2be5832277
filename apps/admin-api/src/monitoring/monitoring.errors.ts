import { MonitoringSettingsError } from '@alem/clinical';
import { MonitoringInputError } from '@alem/persistence';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/domain.errors';

/**
 * The monitoring storage's refusals as the API's errors: `MonitoringInputError` invalid → 400 (each problem
 * listed), not-found → 404 (named by kind, `what`), conflict → 409; `MonitoringSettingsError` → 400 listing every
 * incoherent setting. Anything else passes unchanged.
 */
export function monitoringError(error: unknown, what: string): unknown {
  if (error instanceof MonitoringInputError) {
    switch (error.code) {
      case 'invalid':
        return new InvalidInputError(
          'The monitoring change is not valid',
          error.problems.map((message) => ({ path: 'body', message })),
        );
      case 'not-found':
        return new NotFoundError(what);
      case 'conflict':
        return new ConflictError(error.problems.join('; '));
    }
  }
  if (error instanceof MonitoringSettingsError) {
    return new InvalidInputError(
      'The monitoring settings are not coherent',
      error.problems.map((message) => ({ path: 'body.overrides', message })),
    );
  }
  return error;
}

/** Runs a monitoring storage call, mapping its refusals (see `monitoringError`). */
export async function mappingMonitoringErrors<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw monitoringError(error, what);
  }
}
