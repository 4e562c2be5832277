import { startOfDay } from '../courses/calendar';
import { missedAlertDedupKey } from './missed-alert';
import {
  baselineDraw,
  cbc,
  COURSE_1,
  COURSE_2,
  creatinine,
  liver,
  look,
  msPatient,
  result,
  ruleOn,
  TZ,
  urinalysis,
} from './monitoring.fixture';

// Course 1 planned for 2024-03-04: the baseline window is 2024-02-03 … 2024-03-04; gates alert from 2024-02-26.
const planned1 = msPatient({ courses: [], plannedCourse: { startDay: '2024-03-04' } });

describe('pre-course gates (clinical rules §1.2, §3 #4, #12)', () => {
  it('missing UPCR before course 1: silent until 7 days before the start, then critical', () => {
    const early = ruleOn('GATE-UPCR', planned1, [], '2024-02-20');
    expect([early.status, early.severity, early.courseNumber, early.dueDay]).toEqual([
      'open',
      'none',
      1,
      '2024-03-04',
    ]);
    expect(early.nextChange).toEqual({
      at: startOfDay('2024-02-26', TZ),
      status: 'open',
      severity: 'critical',
    });
    expect(look('GATE-UPCR', planned1, [], '2024-02-26')).toEqual(['open', 'critical']);
    expect(look('GATE-UPCR', planned1, [], '2024-03-04')).toEqual(['open', 'critical']);
    expect(ruleOn('GATE-UPCR', planned1, [], '2024-02-27').explanation.summary).toBe(
      'UPCR before the first course: nothing received in the window before course 1 (start 2024-03-04).',
    );
  });

  it('a UPCR inside the 30-day window meets the gate; an older one does not', () => {
    expect(look('GATE-UPCR', planned1, [result('upcr', '2024-02-10')], '2024-02-27')).toEqual([
      'met',
      'none',
    ]);
    expect(look('GATE-UPCR', planned1, [result('upcr', '2024-02-03')], '2024-02-27')).toEqual([
      'met',
      'none',
    ]);
    expect(look('GATE-UPCR', planned1, [result('upcr', '2024-02-02')], '2024-02-27')).toEqual([
      'open',
      'critical',
    ]);
    // The morning of the first infusion still counts.
    expect(
      look('GATE-UPCR', planned1, [result('upcr', '2024-03-04', { time: '07:30' })], '2024-03-04'),
    ).toEqual(['met', 'none']);
  });

  it('HIV status: any result before course 1 meets the gate; none is critical', () => {
    expect(look('GATE-HIV', planned1, [result('hiv-screen', '2023-06-01')], '2024-02-27')).toEqual([
      'met',
      'none',
    ]);
    expect(look('GATE-HIV', planned1, [], '2024-02-27')).toEqual(['open', 'critical']);
  });

  it('baseline labs: complete within 30 days meets the gate; older labs leave it open; some of them is partial', () => {
    expect(look('GATE-BASELINE', planned1, baselineDraw('2024-02-10'), '2024-02-27')).toEqual([
      'met',
      'none',
    ]);
    const old = ruleOn('GATE-BASELINE', planned1, baselineDraw('2024-01-20'), '2024-02-27');
    expect([old.status, old.severity]).toEqual(['open', 'warning']);
    expect(old.explanation.missingComponents).toContain('cbc:neutrophils');
    const noThyroid = [...cbc('2024-02-10'), ...creatinine('2024-02-10'), ...urinalysis('2024-02-10')];
    const partial = ruleOn('GATE-BASELINE', planned1, [...noThyroid, ...liver('2024-02-11')], '2024-02-27');
    expect([partial.status, partial.severity]).toEqual(['partial', 'warning']);
    expect(partial.explanation.receivedComponents).toEqual(['cbc', 'creatinine', 'urinalysis', 'liver']);
    expect(partial.explanation.missingComponents).toEqual(['thyroid:tsh']);
    expect(look('GATE-BASELINE', planned1, noThyroid, '2024-02-20')).toEqual(['partial', 'none']);
  });

  it('once the course has started, later results are not baseline; the gate ends after its review period', () => {
    const given = msPatient({ courses: [COURSE_1] });
    expect(look('GATE-UPCR', given, [result('upcr', '2024-03-06')], '2024-03-10')).toEqual([
      'open',
      'critical',
    ]);
    expect(look('GATE-UPCR', given, [], '2024-05-03')).toEqual(['open', 'critical']); // start + 60
    const over = ruleOn('GATE-UPCR', given, [], '2024-05-04');
    expect([over.status, over.severity, over.explanation.endReason]).toEqual([
      'ended',
      'none',
      'not-applicable',
    ]);
    expect(over.nextChange).toBeNull();
  });

  it('a planned course 2 moves the baseline gate; UPCR and HIV gate course 1 only', () => {
    const planned2 = msPatient({ courses: [COURSE_1], plannedCourse: { startDay: '2025-03-10' } });
    const baseline = ruleOn('GATE-BASELINE', planned2, baselineDraw('2024-02-20'), '2025-03-05');
    expect([baseline.status, baseline.severity, baseline.courseNumber]).toEqual(['open', 'warning', 2]);
    expect(look('GATE-BASELINE', planned2, baselineDraw('2025-02-20'), '2025-03-05')).toEqual([
      'met',
      'none',
    ]);
    const upcr = ruleOn('GATE-UPCR', planned2, [], '2025-03-05');
    expect([upcr.status, upcr.severity, upcr.explanation.endReason]).toEqual([
      'ended',
      'none',
      'not-applicable',
    ]);
    expect(missedAlertDedupKey('p-1', baseline)).toBe('p-1|GATE-BASELINE|course-2');
    // Recorded course 2, no plan: the gates follow the latest recorded course.
    const given2 = msPatient({ courses: [COURSE_1, COURSE_2] });
    expect(ruleOn('GATE-BASELINE', given2, [], '2025-03-20').courseNumber).toBe(2);
  });

  it('without a course or a plan nothing is gated', () => {
    const none = ruleOn('GATE-HIV', msPatient({ courses: [] }), [], '2024-02-27');
    expect([none.status, none.severity, none.nextChange]).toEqual(['not-started', 'none', null]);
  });
});
