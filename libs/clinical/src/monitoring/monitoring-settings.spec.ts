import {
  DEFAULT_MONITORING_SETTINGS,
  MonitoringSettingsError,
  monitoringSettingsProblems,
  resolveMonitoringSettings,
} from './monitoring-settings';
import { look, monthlyDraw, msPatient, result } from './monitoring.fixture';

describe('monitoring settings: §3 defaults, configurable per site', () => {
  it('defaults to the [P] values of the clinical rules', () => {
    expect(DEFAULT_MONITORING_SETTINGS.cbc).toEqual({ dueDays: 30, warningDays: 38, criticalDays: 45 });
    expect(DEFAULT_MONITORING_SETTINGS.thyroid).toEqual({ dueDays: 91, warningDays: 105, criticalDays: 120 });
    expect(DEFAULT_MONITORING_SETTINGS.liver).toEqual({ dueDays: 91, warningDays: 101, criticalDays: null });
    expect(DEFAULT_MONITORING_SETTINGS.cllCbc.warningDays).toBe(10);
    // README decision 15: a quiet feed holds warnings 7 days, critical missed results 24 h.
    expect(DEFAULT_MONITORING_SETTINGS.feeds).toMatchObject({ maxHoldDays: 7, maxCriticalHoldHours: 24 });
    expect(monitoringSettingsProblems(DEFAULT_MONITORING_SETTINGS)).toEqual([]);
    expect(resolveMonitoringSettings()).toEqual(DEFAULT_MONITORING_SETTINGS);
  });

  it('merges a site’s overrides, including null to switch a threshold off, and the schedule follows them', () => {
    const site = resolveMonitoringSettings({ cbc: { warningDays: 40, criticalDays: null } });
    expect(site.cbc).toEqual({ dueDays: 30, warningDays: 40, criticalDays: null });
    expect(site.creatinine).toEqual(DEFAULT_MONITORING_SETTINGS.creatinine);
    const received = monthlyDraw('2024-04-05');
    expect(look('MISSED-CBC', msPatient(), received, '2024-05-13', site)).toEqual(['due', 'none']);
    expect(look('MISSED-CBC', msPatient(), received, '2024-05-15', site)).toEqual([
      'overdue-warning',
      'warning',
    ]);
    expect(look('MISSED-CBC', msPatient(), received, '2024-07-01', site)).toEqual([
      'overdue-warning',
      'warning',
    ]);
  });

  it('lets a site accept automated urine RBC counts and change the gate windows', () => {
    const automated = [
      ...monthlyDraw('2024-04-05'),
      result('urine-protein-dipstick', '2024-05-05'),
      result('urine-rbc-automated', '2024-05-05'),
    ];
    expect(look('MISSED-UA', msPatient(), automated, '2024-05-20')).toEqual(['partial', 'critical']);
    const site = resolveMonitoringSettings({ urinalysisAcceptsAutomatedRbc: true });
    expect(look('MISSED-UA', msPatient(), automated, '2024-05-20', site)).toEqual(['pending', 'none']);
    const planned = msPatient({ courses: [], plannedCourse: { startDay: '2024-03-04' } });
    const hivWindow = resolveMonitoringSettings({ gates: { hiv: { windowDays: 180 } } });
    const oldHiv = [result('hiv-screen', '2023-06-01')];
    expect(look('GATE-HIV', planned, oldHiv, '2024-03-01')).toEqual(['met', 'none']);
    expect(look('GATE-HIV', planned, oldHiv, '2024-03-01', hivWindow)).toEqual(['open', 'critical']);
  });

  it('refuses incoherent settings with every problem listed', () => {
    expect(() => resolveMonitoringSettings({ cbc: { warningDays: 20 } })).toThrow(MonitoringSettingsError);
    let problems: readonly string[] = [];
    try {
      resolveMonitoringSettings({
        thyroid: { criticalDays: 100 },
        completionWindowDays: 0,
        feeds: { learnFactor: 0.5, maxCriticalHoldHours: -1 },
      });
    } catch (e) {
      problems = (e as MonitoringSettingsError).problems;
    }
    expect(problems).toEqual([
      'thyroid.criticalDays must be a whole number ≥ warningDays (or dueDays)',
      'completionWindowDays must be a whole number ≥ 1',
      'feeds.learnFactor must be ≥ 1',
      'feeds.maxCriticalHoldHours must be ≥ 0',
    ]);
  });

  it('takes a site’s critical hold in hours; a stored short maxHoldDays stays valid (the shorter hold applies)', () => {
    expect(resolveMonitoringSettings({ feeds: { maxCriticalHoldHours: 6 } }).feeds).toMatchObject({
      maxHoldDays: 7,
      maxCriticalHoldHours: 6,
    });
    expect(resolveMonitoringSettings({ feeds: { maxCriticalHoldHours: 0 } }).feeds.maxCriticalHoldHours).toBe(
      0,
    );
    expect(resolveMonitoringSettings({ feeds: { maxHoldDays: 0 } }).feeds).toMatchObject({
      maxHoldDays: 0,
      maxCriticalHoldHours: 24,
    });
    for (const bad of [-0.5, Number.NaN]) {
      expect(() => resolveMonitoringSettings({ feeds: { maxCriticalHoldHours: bad } })).toThrow(
        'feeds.maxCriticalHoldHours must be ≥ 0',
      );
    }
  });
});
