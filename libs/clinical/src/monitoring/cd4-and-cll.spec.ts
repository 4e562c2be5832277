import { startOfDay } from '../courses/calendar';
import { type TreatmentCourse } from '../courses/treatment-course';
import { expectationsFor } from './monitoring-schedule';
import { at, cbc, COURSE_1, COURSE_2, look, msPatient, result, ruleOn, TZ } from './monitoring.fixture';

describe('CD4 reminder (clinical rules §3 #9, CD4-1)', () => {
  const p = msPatient();

  it('is an info reminder 60 days after the course, then monthly after each count below 200, until ≥200', () => {
    expect(look('CD4-REMINDER', p, [], '2024-03-08')).toEqual(['not-started', 'none']);
    const waiting = ruleOn('CD4-REMINDER', p, [], '2024-03-09');
    expect([waiting.status, waiting.dueDay]).toEqual(['pending', '2024-05-07']);
    expect(waiting.nextChange).toEqual({ at: startOfDay('2024-05-07', TZ), status: 'due', severity: 'info' });
    expect(look('CD4-REMINDER', p, [], '2024-05-07')).toEqual(['due', 'info']);

    const low = [result('cd4', '2024-05-10', { value: 150 })];
    const next = ruleOn('CD4-REMINDER', p, low, '2024-05-11');
    expect([next.status, next.severity, next.dueDay]).toEqual(['pending', 'none', '2024-06-09']);
    expect(look('CD4-REMINDER', p, low, '2024-06-09')).toEqual(['due', 'info']);

    const high = [...low, result('cd4', '2024-06-05', { value: 230 })];
    const met = ruleOn('CD4-REMINDER', p, high, '2024-06-10');
    expect([met.status, met.severity, met.lastReceivedDay]).toEqual(['met', 'none', '2024-06-05']);
    // Nothing more happens until monitoring ends.
    expect(met.nextChange).toEqual({ at: startOfDay('2028-03-09', TZ), status: 'ended', severity: 'none' });
  });

  it('a count drawn early, below 200, does not push the first reminder before day 60; an unknown value counts as below', () => {
    expect(ruleOn('CD4-REMINDER', p, [result('cd4', '2024-03-20', { value: 80 })], '2024-03-21').dueDay).toBe(
      '2024-05-07',
    );
    expect(ruleOn('CD4-REMINDER', p, [result('cd4', '2024-05-01')], '2024-05-07').dueDay).toBe('2024-05-31');
    // The percentage does not answer the question.
    expect(
      look('CD4-REMINDER', p, [result('cd4-percent', '2024-05-01', { value: 30 })], '2024-05-07'),
    ).toEqual(['due', 'info']);
  });

  it('a new course starts a new cycle: counts before it do not stop the reminder', () => {
    const two = msPatient({ courses: [COURSE_1, COURSE_2] });
    const high = [result('cd4', '2024-06-05', { value: 400 })];
    const s = ruleOn('CD4-REMINDER', two, high, '2025-04-01');
    expect([s.status, s.courseNumber, s.dueDay]).toEqual(['pending', 2, '2025-05-11']);
  });
});

describe('Campath (CLL): weekly CBC during therapy, no MS schedule (clinical rules §1.1, §3 #15)', () => {
  // 3 → 10 → 30 mg escalation, then three times a week.
  const campath: TreatmentCourse = {
    courseNumber: 1,
    infusionDays: ['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-08', '2024-03-11', '2024-03-13'],
  };
  const cll = msPatient({ indication: 'CLL', courses: [campath] });

  it('has only the weekly CBC and the CD4 reminder', () => {
    expect(expectationsFor(cll, [], at('2024-03-10')).map((s) => s.ruleId)).toEqual([
      'MISSED-CBC-WEEKLY',
      'CD4-REMINDER',
    ]);
  });

  it('expects a CBC a week after therapy starts, warns at +10 days and goes critical at +14', () => {
    expect(look('MISSED-CBC-WEEKLY', cll, [], '2024-03-03')).toEqual(['not-started', 'none']);
    expect(look('MISSED-CBC-WEEKLY', cll, [], '2024-03-10')).toEqual(['pending', 'none']);
    expect(look('MISSED-CBC-WEEKLY', cll, [], '2024-03-11')).toEqual(['due', 'none']);
    expect(look('MISSED-CBC-WEEKLY', cll, [], '2024-03-14')).toEqual(['overdue-warning', 'warning']);
    expect(look('MISSED-CBC-WEEKLY', cll, [], '2024-03-18')).toEqual(['overdue-critical', 'critical']);
    const weekly = cbc('2024-03-12');
    const s = ruleOn('MISSED-CBC-WEEKLY', cll, weekly, '2024-03-12');
    expect([s.status, s.dueDay]).toEqual(['pending', '2024-03-19']);
    expect(look('MISSED-CBC-WEEKLY', cll, weekly, '2024-03-22')).toEqual(['overdue-warning', 'warning']);
  });

  it('therapy lasts up to 12 weeks unless an end is recorded; then CD4 reminders follow for 12 months', () => {
    // Default: start + 84 days = 2024-05-27.
    expect(look('MISSED-CBC-WEEKLY', cll, [], '2024-05-27')).toEqual(['overdue-critical', 'critical']);
    expect(look('MISSED-CBC-WEEKLY', cll, [], '2024-05-28')).toEqual(['ended', 'none']);
    const ended = msPatient({ indication: 'CLL', courses: [campath], cllTherapyEnd: '2024-04-15' });
    expect(look('MISSED-CBC-WEEKLY', ended, [], '2024-04-16')).toEqual(['ended', 'none']);
    const cd4 = ruleOn('CD4-REMINDER', ended, [], '2024-06-14');
    expect([cd4.status, cd4.severity, cd4.dueDay]).toEqual(['due', 'info', '2024-06-14']);
    expect(cd4.explanation.endDay).toBe('2025-04-15');
    expect(look('CD4-REMINDER', ended, [], '2025-04-16')).toEqual(['ended', 'none']);
  });

  it('the MS 48-month schedule never applies to a CLL patient', () => {
    const states = expectationsFor(cll, [], at('2025-01-01'));
    expect(states.map((s) => [s.ruleId, s.status])).toEqual([
      ['MISSED-CBC-WEEKLY', 'ended'],
      ['CD4-REMINDER', 'due'],
    ]);
    // The same course data as MS would be overdue-critical on every monthly test.
    const asMs = expectationsFor(msPatient({ courses: [COURSE_1] }), [], at('2025-01-01'));
    expect(asMs.find((s) => s.ruleId === 'MISSED-CBC')?.severity).toBe('critical');
  });
});
