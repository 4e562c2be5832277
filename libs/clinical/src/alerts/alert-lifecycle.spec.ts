import { planAlertChange } from './alert-lifecycle';

describe('planAlertChange (one open alert per patient and rule)', () => {
  it('opens an alert and notifies when none is open', () => {
    expect(planAlertChange(null, { severity: 'critical', emergency: false })).toEqual({
      type: 'open',
      notify: true,
    });
  });

  it('opens an informational alert without paging anyone', () => {
    expect(planAlertChange(null, { severity: 'info', emergency: false })).toEqual({
      type: 'open',
      notify: false,
    });
  });

  it('adds an occurrence without a new notification when the value is not worse', () => {
    const existing = { severity: 'critical' as const, emergency: false, state: 'open' as const };
    expect(planAlertChange(existing, { severity: 'critical', emergency: false })).toEqual({
      type: 'occurrence',
      severityRaised: false,
      reopen: false,
      notify: false,
    });
    expect(planAlertChange(existing, { severity: 'warning', emergency: false })).toMatchObject({
      severityRaised: false,
      notify: false,
    });
  });

  it('raises the severity and notifies again when the value is worse', () => {
    const existing = { severity: 'warning' as const, emergency: false, state: 'open' as const };
    expect(planAlertChange(existing, { severity: 'critical', emergency: false })).toEqual({
      type: 'occurrence',
      severityRaised: true,
      reopen: false,
      notify: true,
    });
  });

  it('treats the emergency flag as worse than a plain critical, and reopens an acknowledged alert', () => {
    const existing = { severity: 'critical' as const, emergency: false, state: 'acknowledged' as const };
    expect(planAlertChange(existing, { severity: 'critical', emergency: true })).toEqual({
      type: 'occurrence',
      severityRaised: true,
      reopen: true,
      notify: true,
    });
  });
});
