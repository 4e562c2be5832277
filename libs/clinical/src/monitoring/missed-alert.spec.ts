import { addDays, type CalendarDay } from '../courses/calendar';
import { type MonitoringContext, type ReceivedResult } from './expectation';
import { configuredFeedRhythm } from './feed-rhythm';
import {
  missedAlertDecision,
  missedAlertDedupKey,
  type OpenMissedAlert,
  planMissedAlertChange,
} from './missed-alert';
import { expectationsFor, MONITORING_SCHEDULE_VERSION } from './monitoring-schedule';
import { at, monthlyDraw, msPatient, result, ruleOn } from './monitoring.fixture';

/**
 * Drives an in-memory alert store with `planMissedAlertChange` once a day at 12:00, as the scheduler would, and
 * logs what people would see: `day rule action severity [notified]`.
 */
function runAlerts(
  context: MonitoringContext,
  received: readonly ReceivedResult[],
  from: CalendarDay,
  to: CalendarDay,
): string[] {
  const open = new Map<string, OpenMissedAlert>();
  const log: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const now = at(day, '12:00');
    const known = received.filter((r) => r.observedAt <= now);
    for (const state of expectationsFor(context, known, now)) {
      const key = missedAlertDedupKey(context.patientId, state);
      const change = planMissedAlertChange(open.get(key) ?? null, state);
      const tag = (severity: string, notify: boolean) => `${severity}${notify ? ' notified' : ''}`;
      if (change.type === 'open') {
        open.set(key, {
          severity: change.severity,
          state: 'open',
          notifiedSeverity: change.notify ? change.severity : null,
        });
        log.push(`${day} ${state.ruleId} open ${tag(change.severity, change.notify)}`);
      } else if (change.type === 'update') {
        const alert = open.get(key)!;
        alert.severity = change.severity;
        if (change.notify) alert.notifiedSeverity = change.severity;
        if (change.notify || change.severityRaised)
          log.push(`${day} ${state.ruleId} update ${tag(change.severity, change.notify)}`);
      } else if (change.type === 'resolve') {
        open.delete(key);
        log.push(`${day} ${state.ruleId} resolve ${change.reason}`);
      }
    }
  }
  return log;
}

const cbcLog = (log: string[]) => log.filter((l) => l.includes('MISSED-CBC'));

describe('missed-result alerts: identity, resolution, hold and release', () => {
  it('a skipped month opens one alert, raises it once, and resolves it when the sample arrives', () => {
    const received = [
      ...monthlyDraw('2024-04-05'),
      ...monthlyDraw('2024-05-05'),
      ...monthlyDraw('2024-06-25'),
    ];
    const log = runAlerts(msPatient(), received, '2024-05-01', '2024-07-10');
    expect(cbcLog(log)).toEqual([
      '2024-06-12 MISSED-CBC open warning notified',
      '2024-06-19 MISSED-CBC update critical notified',
      '2024-06-25 MISSED-CBC resolve received',
    ]);
    expect(log.filter((l) => l.includes('MISSED-UA'))).toHaveLength(3);
  });

  it('a suspension resolves the open alert; it opens again when the suspension ends and the test is still missing', () => {
    const p = msPatient({
      suspensions: [{ reason: 'hospitalised', author: 'dr-k', start: '2024-06-15', end: '2024-06-22' }],
    });
    const log = runAlerts(
      p,
      [...monthlyDraw('2024-04-05'), ...monthlyDraw('2024-05-05')],
      '2024-06-01',
      '2024-06-24',
    );
    expect(cbcLog(log)).toEqual([
      '2024-06-12 MISSED-CBC open warning notified',
      '2024-06-15 MISSED-CBC resolve suspended',
      '2024-06-23 MISSED-CBC open critical notified',
    ]);
  });

  it('a quiet lab holds the page, not the alert; its return releases the page if the test is still missing', () => {
    const received = [...monthlyDraw('2024-04-05'), ...monthlyDraw('2024-05-05')];
    const quiet: MonitoringContext = msPatient({
      feeds: [
        { sender: 'lab-a', rhythm: configuredFeedRhythm(24), lastSeenAt: new Date('2024-06-09T08:00:00Z') },
      ],
    });
    expect(cbcLog(runAlerts(quiet, received, '2024-06-01', '2024-06-14'))).toEqual([
      '2024-06-12 MISSED-CBC open warning',
    ]);
    // The lab sends again on 06-14: the held alert is notified then.
    const back = msPatient({
      feeds: [
        { sender: 'lab-a', rhythm: configuredFeedRhythm(24), lastSeenAt: new Date('2024-06-14T08:00:00Z') },
      ],
    });
    const alert: OpenMissedAlert = { severity: 'warning', state: 'open', notifiedSeverity: null };
    expect(planMissedAlertChange(alert, ruleOn('MISSED-CBC', back, received, '2024-06-14'))).toMatchObject({
      type: 'update',
      notify: true,
    });
  });

  it('notifies only above what was notified; an acknowledged alert again only when its severity rises', () => {
    const received = monthlyDraw('2024-04-05');
    const warning = ruleOn('MISSED-CBC', msPatient(), received, '2024-05-14');
    const critical = ruleOn('MISSED-CBC', msPatient(), received, '2024-05-21');
    expect(planMissedAlertChange(null, warning)).toEqual({ type: 'open', severity: 'warning', notify: true });
    expect(
      planMissedAlertChange({ severity: 'warning', state: 'open', notifiedSeverity: 'warning' }, warning),
    ).toEqual({ type: 'update', severity: 'warning', severityRaised: false, reopen: false, notify: false });
    expect(
      planMissedAlertChange(
        { severity: 'warning', state: 'acknowledged', notifiedSeverity: 'warning' },
        critical,
      ),
    ).toEqual({ type: 'update', severity: 'critical', severityRaised: true, reopen: true, notify: true });
    expect(
      planMissedAlertChange({ severity: 'warning', state: 'acknowledged', notifiedSeverity: null }, warning),
    ).toMatchObject({ notify: false });
    // Never lowered by a later, lower state.
    expect(
      planMissedAlertChange({ severity: 'critical', state: 'open', notifiedSeverity: 'critical' }, warning),
    ).toMatchObject({ severity: 'critical', notify: false });
  });

  it('the CD4 reminder is recorded as info and never paged', () => {
    const due = ruleOn('CD4-REMINDER', msPatient(), [], '2024-05-08');
    expect(planMissedAlertChange(null, due)).toEqual({ type: 'open', severity: 'info', notify: false });
  });

  it('says why an alert resolved', () => {
    const alert: OpenMissedAlert = { severity: 'critical', state: 'open', notifiedSeverity: 'critical' };
    const reason = (s: Parameters<typeof planMissedAlertChange>[1]) => planMissedAlertChange(alert, s);
    const received = monthlyDraw('2024-04-05');
    expect(reason(ruleOn('MISSED-CBC', msPatient(), received, '2024-04-10'))).toEqual({
      type: 'resolve',
      reason: 'received',
    });
    expect(reason(ruleOn('MISSED-CBC', msPatient(), received, '2028-03-09'))).toEqual({
      type: 'resolve',
      reason: 'monitoring-ended',
    });
    const dead = msPatient({
      suspensions: [{ reason: 'deceased', author: 'dr-k', start: '2024-05-01', end: null }],
    });
    expect(reason(ruleOn('MISSED-CBC', dead, received, '2024-05-02'))).toEqual({
      type: 'resolve',
      reason: 'deceased',
    });
    expect(reason(ruleOn('GATE-UPCR', msPatient(), [], '2024-06-01'))).toEqual({
      type: 'resolve',
      reason: 'not-applicable',
    });
    expect(reason(ruleOn('GATE-UPCR', msPatient(), [result('upcr', '2024-03-01')], '2024-03-05'))).toEqual({
      type: 'resolve',
      reason: 'received',
    });
    expect(reason(ruleOn('MISSED-CBC', msPatient(), received, '2024-05-06'))).toEqual({
      type: 'resolve',
      reason: 'no-longer-due',
    });
    expect(planMissedAlertChange(null, ruleOn('MISSED-CBC', msPatient(), received, '2024-04-10'))).toEqual({
      type: 'none',
    });
  });

  it('dedups per patient and rule, and per course for gates and the CD4 reminder', () => {
    const received = monthlyDraw('2024-04-05');
    expect(missedAlertDedupKey('p-1', ruleOn('MISSED-UA', msPatient(), received, '2024-05-20'))).toBe(
      'p-1|MISSED-UA',
    );
    expect(missedAlertDedupKey('p-1', ruleOn('GATE-HIV', msPatient(), [], '2024-03-05'))).toBe(
      'p-1|GATE-HIV|course-1',
    );
    expect(missedAlertDedupKey('p-1', ruleOn('CD4-REMINDER', msPatient(), [], '2024-05-08'))).toBe(
      'p-1|CD4-REMINDER|course-1',
    );
  });

  it('becomes an AlertDecision of kind missed for the existing alert path', () => {
    const state = ruleOn('MISSED-CBC', msPatient(), monthlyDraw('2024-04-05'), '2024-05-21');
    const decision = missedAlertDecision('p-1', state, 74);
    expect(decision).toMatchObject({
      patientId: 'p-1',
      ruleId: 'MISSED-CBC',
      kind: 'missed',
      severity: 'critical',
      emergency: false,
      resultIds: [],
      explanation: {
        ruleId: 'MISSED-CBC',
        title: 'Monthly CBC with differential',
        summary:
          'Monthly CBC with differential: nothing received since 2024-04-05; due on 2024-05-05, 16 days overdue.',
        daysSinceLastInfusion: 74,
        ruleSetVersion: MONITORING_SCHEDULE_VERSION,
        monitoring: {
          dueDay: '2024-05-05',
          missingComponents: ['platelets', 'haemoglobin', 'wbc', 'neutrophils'],
        },
      },
    });
    expect(missedAlertDecision('p-1', ruleOn('MISSED-CBC', msPatient(), [], '2024-03-20'))).toBeNull();
  });
});
