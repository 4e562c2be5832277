import { startOfDay } from '../courses/calendar';
import { expectationsFor } from './monitoring-schedule';
import { at, baselineDraw, look, monthlyDraw, msPatient, result, ruleOn, TZ } from './monitoring.fixture';
import { activeSuspension, type Suspension, suspensionProblems } from './suspension';

const hospitalised: Suspension = {
  reason: 'hospitalised',
  author: 'dr-k',
  start: '2024-05-10',
  end: '2024-05-25',
};
// Last complete draw 2024-04-05: due 05-05, warning 05-13, critical 05-20.
const received = monthlyDraw('2024-04-05');

describe('suspensions (alerting-anchors §4 item 5)', () => {
  it('need a reason, an author and an end (except deceased)', () => {
    expect(suspensionProblems(hospitalised)).toEqual([]);
    expect(suspensionProblems({ ...hospitalised, end: null })).toEqual([
      'an end day is required (except for deceased)',
    ]);
    expect(suspensionProblems({ ...hospitalised, end: '2024-05-01' })).toEqual([
      'end must not be before start',
    ]);
    expect(suspensionProblems({ ...hospitalised, author: ' ' })).toEqual(['an author is required']);
    expect(
      suspensionProblems({ reason: 'deceased', author: 'dr-k', start: '2024-05-10', end: null }),
    ).toEqual([]);
  });

  it('hold missed alerts while in force; when one ends and the patient is still overdue, the alert fires then', () => {
    const p = msPatient({ suspensions: [hospitalised] });
    const before = ruleOn('MISSED-CBC', p, received, '2024-05-09');
    expect([before.status, before.severity]).toEqual(['due', 'none']);
    expect(before.nextChange).toEqual({
      at: startOfDay('2024-05-10', TZ),
      status: 'suspended',
      severity: 'none',
    });

    const during = ruleOn('MISSED-CBC', p, received, '2024-05-15');
    expect([during.status, during.severity]).toEqual(['suspended', 'none']);
    expect(during.explanation.underlying).toEqual({ status: 'overdue-warning', severity: 'warning' });
    expect(during.explanation.suspension).toEqual({
      reason: 'hospitalised',
      author: 'dr-k',
      start: '2024-05-10',
      end: '2024-05-25',
    });
    // The clock kept counting from the last result: critical since 05-20, so critical the moment it ends.
    expect(during.nextChange).toEqual({
      at: startOfDay('2024-05-26', TZ),
      status: 'overdue-critical',
      severity: 'critical',
    });
    expect(look('MISSED-CBC', p, received, '2024-05-25')).toEqual(['suspended', 'none']);
    expect(look('MISSED-CBC', p, received, '2024-05-26')).toEqual(['overdue-critical', 'critical']);
    // Without the suspension the same patient would have alerted all along.
    expect(look('MISSED-CBC', msPatient(), received, '2024-05-15')).toEqual(['overdue-warning', 'warning']);
  });

  it('a result received during the suspension leaves nothing to fire when it ends', () => {
    const p = msPatient({ suspensions: [hospitalised] });
    const withResult = [...received, ...monthlyDraw('2024-05-22')];
    expect(look('MISSED-CBC', p, withResult, '2024-05-26')).toEqual(['pending', 'none']);
  });

  it('overlapping suspensions hold until the last of them ends', () => {
    const p = msPatient({
      suspensions: [
        hospitalised,
        { reason: 'transferred', author: 'dr-m', start: '2024-05-20', end: '2024-06-02' },
      ],
    });
    const s = ruleOn('MISSED-CBC', p, received, '2024-05-15');
    expect(s.nextChange?.at).toEqual(startOfDay('2024-06-03', TZ));
    expect(look('MISSED-CBC', p, received, '2024-05-28')).toEqual(['suspended', 'none']);
    expect(ruleOn('MISSED-CBC', p, received, '2024-05-28').explanation.suspension?.reason).toBe(
      'transferred',
    );
  });

  it('a suspension without an end is ignored (never silences for ever)', () => {
    const p = msPatient({ suspensions: [{ ...hospitalised, end: null }] });
    expect(look('MISSED-CBC', p, received, '2024-05-15')).toEqual(['overdue-warning', 'warning']);
    expect(activeSuspension([{ ...hospitalised, end: null }], '2024-05-15')).toBeNull();
  });

  it('deceased ends monitoring for every expectation', () => {
    const p = msPatient({
      suspensions: [{ reason: 'deceased', author: 'dr-k', start: '2024-05-12', end: null }],
    });
    const states = expectationsFor(p, received, at('2024-05-12', '12:00'));
    expect(states.every((s) => s.status === 'ended' && s.severity === 'none' && s.nextChange === null)).toBe(
      true,
    );
    expect(states[0]!.explanation.endReason).toBe('deceased');
    expect(states[0]!.explanation.summary).toBe(
      'Monthly CBC with differential: monitoring ended, patient recorded as deceased.',
    );
    expect(look('MISSED-CBC', p, received, '2024-05-11')).toEqual(['due', 'none']);
  });

  it('does not hide a gate that is met, nor a CD4 count that reached the stop criterion', () => {
    const p = msPatient({
      suspensions: [hospitalised],
      courses: [],
      plannedCourse: { startDay: '2024-05-20' },
    });
    expect(look('GATE-BASELINE', p, [], '2024-05-15')).toEqual(['suspended', 'none']);
    expect(look('GATE-BASELINE', p, baselineDraw('2024-05-02'), '2024-05-15')).toEqual(['met', 'none']);
    expect(look('GATE-UPCR', p, [], '2024-05-15')).toEqual(['suspended', 'none']);
    expect(look('GATE-UPCR', p, [], '2024-05-26')).toEqual(['open', 'critical']);
    const cd4 = [result('cd4', '2024-05-08', { value: 300 })];
    expect(look('CD4-REMINDER', msPatient({ suspensions: [hospitalised] }), cd4, '2024-05-15')).toEqual([
      'met',
      'none',
    ]);
  });
});
