import { MonitoringSettingsError, resolveMonitoringSettings } from '@alem/clinical';
import { MonitoringInputError } from '@alem/persistence';
import { toErrorBody } from '../common/api-exception.filter';
import { mappingMonitoringErrors, monitoringError } from './monitoring.errors';

describe('monitoring errors as API errors', () => {
  it('maps invalid, not-found and conflict to 400 (every problem), 404 (by kind) and 409', () => {
    expect(
      toErrorBody(
        monitoringError(
          new MonitoringInputError('invalid', ['an end day is required (except for deceased)', 'x']),
          'Suspension',
        ),
      ),
    ).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'The monitoring change is not valid',
      details: [
        { path: 'body', message: 'an end day is required (except for deceased)' },
        { path: 'body', message: 'x' },
      ],
    });
    expect(
      toErrorBody(
        monitoringError(new MonitoringInputError('not-found', ['suspension 1 not found']), 'Suspension'),
      ),
    ).toEqual({ statusCode: 404, error: 'Not Found', message: 'Suspension not found' });
    expect(
      toErrorBody(monitoringError(new MonitoringInputError('conflict', ['feed L^F is not quiet']), 'Feed')),
    ).toEqual({ statusCode: 409, error: 'Conflict', message: 'feed L^F is not quiet' });
  });

  it('lists every incoherent site setting', () => {
    let error: unknown;
    try {
      resolveMonitoringSettings({ cbc: { warningDays: 10 }, feeds: { learnFactor: 0.5 } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MonitoringSettingsError);
    expect(toErrorBody(monitoringError(error, 'Site'))).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'The monitoring settings are not coherent',
      details: [
        { path: 'body.overrides', message: 'cbc.warningDays must be a whole number ≥ dueDays' },
        { path: 'body.overrides', message: 'feeds.learnFactor must be ≥ 1' },
      ],
    });
  });

  it('passes other errors on, and results through', async () => {
    const other = new TypeError('boom');
    expect(monitoringError(other, 'Site')).toBe(other);
    await expect(mappingMonitoringErrors('Site', async () => 42)).resolves.toBe(42);
    await expect(
      mappingMonitoringErrors('Feed', async () => {
        throw new MonitoringInputError('not-found', ['no']);
      }),
    ).rejects.toMatchObject({ status: 404, message: 'Feed not found' });
  });
});
