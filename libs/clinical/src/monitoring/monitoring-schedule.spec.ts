import { addDays, type CalendarDay, startOfDay } from '../courses/calendar';
import { type MonitoringContext, type ReceivedResult } from './expectation';
import { configuredFeedRhythm } from './feed-rhythm';
import { periodicAnchor } from './periodic-expectation';
import {
  earliestTransition,
  expectationsFor,
  monitoringRules,
  nextTransitionAt,
} from './monitoring-schedule';
import {
  at,
  baselineDraw,
  cbc,
  cbcWithoutDiff,
  COURSE_1,
  COURSE_2,
  course,
  creatinine,
  dipstickOnly,
  find,
  liver,
  look,
  monthlyDraw,
  msPatient,
  result,
  ruleOn,
  thyroid,
  TZ,
} from './monitoring.fixture';

/** Draws every `step` days from `first` up to `last`. */
function every(
  step: number,
  first: CalendarDay,
  last: CalendarDay,
  draw: (d: CalendarDay) => ReceivedResult[],
) {
  const out: ReceivedResult[] = [];
  for (let d = first; d <= last; d = addDays(d, step)) out.push(...draw(d));
  return out;
}

const PRE_COURSE_1 = [
  ...baselineDraw('2024-02-20'),
  result('upcr', '2024-02-20'),
  result('hiv-screen', '2024-01-15'),
];

describe('MS schedule over a simulated 48-month course (clinical rules §3)', () => {
  it('has the MS rules, and only the CBC and CD4 rules for CLL', () => {
    expect(expectationsFor(msPatient(), [], at('2024-05-01')).map((s) => s.ruleId)).toEqual(
      monitoringRules('MS'),
    );
    expect(monitoringRules('CLL')).toEqual(['MISSED-CBC-WEEKLY', 'CD4-REMINDER']);
  });

  it('on-time results raise nothing, day by day, and every expectation ends 48 months after the last infusion', () => {
    const received = [
      ...PRE_COURSE_1,
      ...every(28, '2024-04-05', '2028-03-08', monthlyDraw),
      ...every(84, '2024-05-31', '2028-03-08', thyroid),
      result('cd4', '2024-05-06', { value: 240 }),
    ];
    const seen = new Set<string>();
    for (let day = '2024-02-01'; day <= '2028-06-30'; day = addDays(day, 1)) {
      const states = expectationsFor(msPatient(), received, at(day, '12:00'));
      for (const s of states) {
        seen.add(`${s.ruleId}:${s.status}`);
        if (s.severity !== 'none') throw new Error(`${day} ${s.ruleId} ${s.status} ${s.severity}`);
        if (day > '2028-03-08' && s.status !== 'ended') throw new Error(`${day} ${s.ruleId} ${s.status}`);
      }
    }
    // The run went through the states it should have: not-started, pending, due (inside the grace), met, ended.
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        'MISSED-CBC:not-started',
        'MISSED-CBC:pending',
        'MISSED-CBC:ended',
        'MISSED-THYROID:pending',
        'CD4-REMINDER:met',
        'GATE-BASELINE:met',
        'GATE-UPCR:met',
        'GATE-HIV:met',
        'GATE-UPCR:ended',
      ]),
    );
    expect(seen.has('MISSED-CBC:overdue-warning')).toBe(false);
  });

  it('starts when course 1 is complete: nothing expected during the infusions, first due 30 days after the last', () => {
    const during = ruleOn('MISSED-CBC', msPatient(), [], '2024-03-06');
    expect(during.status).toBe('not-started');
    expect(during.nextChange).toEqual({
      at: startOfDay('2024-03-08', TZ),
      status: 'pending',
      severity: 'none',
    });
    const after = ruleOn('MISSED-CBC', msPatient(), [], '2024-03-08');
    expect(after.status).toBe('pending');
    expect(after.dueDay).toBe('2024-04-07');
    expect(after.explanation.anchorSource).toBe('course');
    // Baseline results before the course do not start the monthly clock early.
    expect(ruleOn('MISSED-CBC', msPatient(), PRE_COURSE_1, '2024-03-08').dueDay).toBe('2024-04-07');
    // No course at all: nothing is expected and nothing will change without input.
    const none = ruleOn('MISSED-CBC', msPatient({ courses: [] }), [], '2024-03-08');
    expect([none.status, none.nextChange]).toEqual(['not-started', null]);
  });

  it('a skipped month warns on day 38 and goes critical on day 45; a late sample resets the clock', () => {
    const received = [...monthlyDraw('2024-04-05'), ...monthlyDraw('2024-05-05')];
    const p = msPatient();
    expect(look('MISSED-CBC', p, received, '2024-06-03')).toEqual(['pending', 'none']);
    expect(look('MISSED-CBC', p, received, '2024-06-04')).toEqual(['due', 'none']); // day 30
    expect(look('MISSED-CBC', p, received, '2024-06-11')).toEqual(['due', 'none']); // day 37
    expect(look('MISSED-CBC', p, received, '2024-06-12')).toEqual(['overdue-warning', 'warning']); // day 38
    expect(look('MISSED-CBC', p, received, '2024-06-18')).toEqual(['overdue-warning', 'warning']); // day 44
    expect(look('MISSED-CBC', p, received, '2024-06-19')).toEqual(['overdue-critical', 'critical']); // day 45
    const critical = ruleOn('MISSED-CBC', p, received, '2024-06-20');
    expect(critical.explanation).toMatchObject({
      lastReceivedDay: '2024-05-05',
      dueDay: '2024-06-04',
      warningDay: '2024-06-12',
      criticalDay: '2024-06-19',
      daysOverdue: 16,
      missingComponents: ['platelets', 'haemoglobin', 'wbc', 'neutrophils'],
    });
    // Creatinine and urinalysis were drawn together and are missed together.
    expect(look('MISSED-UA', p, received, '2024-06-19')).toEqual(['overdue-critical', 'critical']);
    expect(look('MISSED-CREATININE', p, received, '2024-06-12')).toEqual(['overdue-warning', 'warning']);

    const late = [...received, ...monthlyDraw('2024-06-25')];
    const reset = ruleOn('MISSED-CBC', p, late, '2024-06-25');
    expect([reset.status, reset.severity, reset.dueDay]).toEqual(['pending', 'none', '2024-07-25']);
    // No cascade: the next warning is 38 days after the late sample, not after the missed slot.
    expect(look('MISSED-CBC', p, late, '2024-08-01')).toEqual(['due', 'none']);
    expect(look('MISSED-CBC', p, late, '2024-08-02')).toEqual(['overdue-warning', 'warning']);
  });

  it('"two consecutive monthly slots missed" is always past day 45, so day 45 is the critical threshold', () => {
    const received = monthlyDraw('2024-04-05');
    // Two slots missed = no sample by day 60; it has been critical since day 45 and stays critical.
    expect(look('MISSED-CBC', msPatient(), received, addDays('2024-04-05', 60))).toEqual([
      'overdue-critical',
      'critical',
    ]);
    expect(ruleOn('MISSED-CBC', msPatient(), received, '2024-05-20').nextChange?.at).toEqual(
      startOfDay('2028-03-09', TZ),
    );
  });

  it('a dipstick-only urinalysis is partial, and escalates on the missed-result thresholds', () => {
    const received = [
      ...monthlyDraw('2024-04-05'),
      ...cbc('2024-05-05'),
      ...creatinine('2024-05-05'),
      ...liver('2024-05-05'),
      ...dipstickOnly('2024-05-05'),
    ];
    const p = msPatient();
    const partial = ruleOn('MISSED-UA', p, received, '2024-05-10');
    expect([partial.status, partial.severity, partial.dueDay]).toEqual(['partial', 'none', '2024-05-05']);
    expect(partial.explanation).toMatchObject({
      receivedComponents: ['urine-protein', 'urine-blood-dipstick'],
      missingComponents: ['urine-rbc-microscopy'],
      partialDay: '2024-05-05',
      lastReceivedDay: '2024-04-05',
    });
    expect(partial.nextChange).toEqual({
      at: startOfDay('2024-05-13', TZ),
      status: 'partial',
      severity: 'warning',
    });
    expect(look('MISSED-UA', p, received, '2024-05-13')).toEqual(['partial', 'warning']);
    expect(look('MISSED-UA', p, received, '2024-05-20')).toEqual(['partial', 'critical']);
    // The other tests of the same draw are complete.
    expect(look('MISSED-CBC', p, received, '2024-05-20')).toEqual(['pending', 'none']);
    // The microscopy of the same specimen, reported late, completes the urinalysis of 5 May.
    const completed = [...received, result('urine-rbc', '2024-05-05', { time: '11:00' })];
    const done = ruleOn('MISSED-UA', p, completed, '2024-05-21');
    expect([done.status, done.severity, done.dueDay]).toEqual(['pending', 'none', '2024-06-04']);
  });

  it('a CBC without the differential is partial', () => {
    const received = [...cbc('2024-04-05'), ...cbcWithoutDiff('2024-05-05')];
    const s = ruleOn('MISSED-CBC', msPatient(), received, '2024-05-06');
    expect([s.status, s.severity]).toEqual(['partial', 'none']);
    expect(s.explanation.missingComponents).toEqual(['neutrophils']);
    expect(s.explanation.summary).toBe(
      'Monthly CBC with differential: the sample of 2024-05-05 is partial, missing neutrophils; due on 2024-05-05.',
    );
    expect(look('MISSED-CBC', msPatient(), received, '2024-05-13')).toEqual(['partial', 'warning']);
    expect(look('MISSED-CBC', msPatient(), received, '2024-05-20')).toEqual(['partial', 'critical']);
  });

  it('thyroid function: due at 91 days, warning at 105, critical at 120', () => {
    const received = thyroid('2024-06-01');
    const p = msPatient();
    expect(look('MISSED-THYROID', p, received, '2024-08-30')).toEqual(['pending', 'none']);
    expect(look('MISSED-THYROID', p, received, '2024-08-31')).toEqual(['due', 'none']);
    expect(look('MISSED-THYROID', p, received, '2024-09-13')).toEqual(['due', 'none']);
    expect(look('MISSED-THYROID', p, received, '2024-09-14')).toEqual(['overdue-warning', 'warning']);
    expect(look('MISSED-THYROID', p, received, '2024-09-28')).toEqual(['overdue-warning', 'warning']);
    expect(look('MISSED-THYROID', p, received, '2024-09-29')).toEqual(['overdue-critical', 'critical']);
    // First thyroid test: about 3 months after course 1.
    expect(ruleOn('MISSED-THYROID', p, [], '2024-04-01').dueDay).toBe('2024-06-07');
  });

  it('liver tests: a warning once none has come for more than 100 days, never critical', () => {
    const received = liver('2024-04-05');
    const p = msPatient();
    expect(look('MISSED-LFT', p, received, '2024-07-14')).toEqual(['due', 'none']); // day 100
    const warn = ruleOn('MISSED-LFT', p, received, '2024-07-15'); // day 101
    expect([warn.status, warn.severity]).toEqual(['overdue-warning', 'warning']);
    expect(warn.nextChange).toEqual({ at: startOfDay('2028-03-09', TZ), status: 'ended', severity: 'none' });
    expect(look('MISSED-LFT', p, received, '2025-01-01')).toEqual(['overdue-warning', 'warning']);
    // ALT without bilirubin does not reset the clock.
    expect(look('MISSED-LFT', p, [...received, result('alt', '2024-07-10')], '2024-07-15')).toEqual([
      'partial',
      'warning',
    ]);
  });

  it('monitoring ends 48 months after the last infusion: no missed state after it', () => {
    const received = every(28, '2024-04-05', '2027-12-31', monthlyDraw);
    const p = msPatient();
    const last = ruleOn('MISSED-CBC', p, received, '2028-03-08');
    expect([last.status, last.severity]).toEqual(['overdue-critical', 'critical']);
    // 2028-03-09 00:00 in Prague (winter time, UTC+1).
    expect(last.nextChange).toEqual({
      at: new Date('2028-03-08T23:00:00Z'),
      status: 'ended',
      severity: 'none',
    });
    for (let day = '2028-03-09'; day <= '2028-07-01'; day = addDays(day, 7)) {
      const states = expectationsFor(p, received, at(day, '12:00'));
      expect(states.filter((s) => s.severity !== 'none')).toEqual([]);
      expect(states.every((s) => s.status === 'ended')).toBe(true);
      expect(earliestTransition(states)).toBeNull();
    }
    expect(ruleOn('MISSED-CBC', p, received, '2028-03-09').explanation).toMatchObject({
      endReason: 'monitoring-ended',
      endDay: '2028-03-08',
    });
  });

  it('a second course extends the schedule and monitoring_end; everything is derived from the courses', () => {
    const received = every(28, '2024-04-05', '2028-05-01', monthlyDraw);
    const one = msPatient();
    const two = msPatient({ courses: [COURSE_1, COURSE_2] });
    expect(look('MISSED-CBC', one, received, '2028-06-15')).toEqual(['ended', 'none']);
    const extended = ruleOn('MISSED-CBC', two, received, '2028-06-15');
    expect([extended.status, extended.severity]).toEqual(['overdue-critical', 'critical']);
    expect(extended.explanation.endDay).toBe('2029-03-12');
    expect(look('MISSED-CBC', two, received, '2029-03-12')).toEqual(['overdue-critical', 'critical']);
    expect(look('MISSED-CBC', two, received, '2029-03-13')).toEqual(['ended', 'none']);
    // The thyroid and CD4 clocks follow the new course too.
    expect(ruleOn('MISSED-THYROID', two, [], '2028-06-15').explanation.endDay).toBe('2029-03-12');
    expect(ruleOn('CD4-REMINDER', two, [], '2025-03-20').courseNumber).toBe(2);
  });

  it('extensions: a manual extension for all tests, a pregnancy extension for thyroid only', () => {
    const p = msPatient({ monitoringExtensionMonths: 6, thyroidExtensionMonths: 9 });
    expect(ruleOn('MISSED-CBC', p, [], '2028-05-01').explanation.endDay).toBe('2028-09-08');
    expect(ruleOn('MISSED-THYROID', p, [], '2028-05-01').explanation.endDay).toBe('2029-06-08');
    expect(look('MISSED-CBC', p, [], '2028-09-09')).toEqual(['ended', 'none']);
    expect(look('MISSED-THYROID', p, [], '2028-09-09')).toEqual(['overdue-critical', 'critical']);
  });

  it('the first slot of a patient enrolled late counts from enrolment, not from a course years ago', () => {
    const p = msPatient({ courses: [course(1, '2022-01-10', 5)], enrolledOn: '2024-06-01' });
    const s = ruleOn('MISSED-CBC', p, [], '2024-06-10');
    expect([s.status, s.dueDay, s.explanation.anchorSource]).toEqual(['pending', '2024-07-01', 'enrolment']);
    expect(look('MISSED-CBC', p, [], '2024-07-09')).toEqual(['overdue-warning', 'warning']);
    // Without an enrolment day the same patient is critical at once.
    expect(look('MISSED-CBC', msPatient({ courses: p.courses }), [], '2024-06-10')).toEqual([
      'overdue-critical',
      'critical',
    ]);
  });

  it('ignores results not yet observed at now, not-obtainable and deleted results; counts preliminary ones', () => {
    const p = msPatient();
    const base = monthlyDraw('2024-04-05');
    const statuses = (status: ReceivedResult['status']) =>
      cbc('2024-05-05').map((r): ReceivedResult => ({ ...r, status }));
    expect(look('MISSED-CBC', p, [...base, ...statuses('not-obtainable')], '2024-05-20')).toEqual([
      'overdue-critical',
      'critical',
    ]);
    expect(look('MISSED-CBC', p, [...base, ...statuses('deleted')], '2024-05-20')).toEqual([
      'overdue-critical',
      'critical',
    ]);
    expect(look('MISSED-CBC', p, [...base, ...statuses('preliminary')], '2024-05-20')).toEqual([
      'pending',
      'none',
    ]);
    // A result stamped in the future does not count yet.
    const future = cbc('2024-05-25');
    expect(look('MISSED-CBC', p, [...base, ...future], '2024-05-20')).toEqual([
      'overdue-critical',
      'critical',
    ]);
  });

  it('nextTransitionAt is exact: the state holds until that instant and changes at it (day by day over a year)', () => {
    const received = [
      ...PRE_COURSE_1,
      ...monthlyDraw('2024-04-05'),
      ...monthlyDraw('2024-05-20'),
      ...cbcWithoutDiff('2024-07-01'),
      ...dipstickOnly('2024-07-01'),
      ...thyroid('2024-06-01'),
      ...monthlyDraw('2024-09-01'),
      result('cd4', '2024-05-10', { value: 150 }),
      result('cd4', '2024-07-01', { value: 190 }),
    ];
    const p = msPatient({
      courses: [COURSE_1, COURSE_2],
      suspensions: [{ reason: 'hospitalised', author: 'dr-k', start: '2024-10-10', end: '2024-10-30' }],
    });
    const { wrong, checked } = checkTransitions(p, received, '2024-02-15', '2025-03-01');
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
  });

  it('nextTransitionAt is exact with quiet feeds, a planned course and a deceased record', () => {
    const received = [
      ...monthlyDraw('2024-04-05'),
      ...thyroid('2024-04-05', { sender: 'lab-b' }),
      ...cbc('2024-05-01', { sender: 'lab-b' }),
    ];
    const p = msPatient({
      plannedCourse: { startDay: '2024-07-15' },
      feeds: [
        { sender: 'lab-a', rhythm: configuredFeedRhythm(36), lastSeenAt: new Date('2024-05-11T17:00:00Z') },
        { sender: 'lab-b', rhythm: configuredFeedRhythm(100), lastSeenAt: new Date('2024-06-30T05:00:00Z') },
      ],
      suspensions: [{ reason: 'deceased', author: 'dr-k', start: '2024-09-20', end: null }],
    });
    const { wrong, checked, seen } = checkTransitions(p, received, '2024-04-01', '2024-10-01');
    expect(wrong).toEqual([]);
    expect([...seen]).toEqual(
      expect.arrayContaining([
        'held/warning',
        'held/critical',
        'overdue-critical/critical',
        'open/warning',
        'ended/none',
      ]),
    );
    expect(checked).toBeGreaterThan(400);
  });
});

/**
 * §3: "Interval arithmetic should count from the last resulted sample (rolling)". README decision 7: a complete
 * sample since the start anchors the clock even when it predates enrolment; only without one does the enrolment
 * day keep a late-enrolled patient from being critical on day one.
 */
describe('the clock’s anchor: the last complete sample since the start, else the start or the enrolment day', () => {
  const START = { startDay: '2022-01-14', startSource: 'course' as const };

  it.each([
    ['nothing since the start, not enrolled', null, null, ['2022-01-14', 'course']],
    ['nothing since the start, enrolled later', '2024-06-01', null, ['2024-06-01', 'enrolment']],
    ['nothing since the start, enrolled on the start day', '2022-01-14', null, ['2022-01-14', 'enrolment']],
    ['nothing since the start, enrolled before it', '2021-12-01', null, ['2022-01-14', 'course']],
    ['a sample before the start (baseline) only', '2024-06-01', '2022-01-13', ['2024-06-01', 'enrolment']],
    ['a sample on the start day', '2024-06-01', '2022-01-14', ['2022-01-14', 'result']],
    ['a sample before enrolment', '2024-06-01', '2024-05-20', ['2024-05-20', 'result']],
    ['a sample the day before enrolment', '2024-06-01', '2024-05-31', ['2024-05-31', 'result']],
    ['a sample on the enrolment day', '2024-06-01', '2024-06-01', ['2024-06-01', 'result']],
    ['a sample after enrolment', '2024-06-01', '2024-06-05', ['2024-06-05', 'result']],
    ['a sample and no enrolment day', null, '2023-03-01', ['2023-03-01', 'result']],
  ] as const)('%s', (_name, enrolledOn, lastComplete, [day, source]) => {
    expect(periodicAnchor({ ...START, enrolledOn }, lastComplete)).toEqual({ day, source });
  });

  it('nothing is anchored before anything is given', () => {
    expect(
      periodicAnchor({ startDay: null, startSource: 'course', enrolledOn: '2024-06-01' }, '2024-05-20'),
    ).toBe(null);
  });

  // Course 1 ended 2022-01-14; enrolled 2024-06-01. Thresholds 30 / 38 / 45 days after the anchor.
  const late = msPatient({ courses: [course(1, '2022-01-10', 5)], enrolledOn: '2024-06-01' });

  it.each([
    // A complete CBC of 2024-05-20 (before enrolment): due 06-19, warning 06-27, critical 07-04.
    ['2024-06-18', ['pending', 'none']],
    ['2024-06-19', ['due', 'none']],
    ['2024-06-26', ['due', 'none']],
    ['2024-06-27', ['overdue-warning', 'warning']],
    ['2024-07-03', ['overdue-warning', 'warning']],
    ['2024-07-04', ['overdue-critical', 'critical']],
  ] as const)('a pre-enrolment complete sample anchors the clock: on %s', (day, expected) => {
    expect(look('MISSED-CBC', late, cbc('2024-05-20'), day)).toEqual(expected);
  });

  it.each([
    // No complete CBC since the start: due 07-01, warning 07-09, critical 07-16 (from enrolment).
    ['2024-06-30', ['pending', 'none']],
    ['2024-07-01', ['due', 'none']],
    ['2024-07-08', ['due', 'none']],
    ['2024-07-09', ['overdue-warning', 'warning']],
    ['2024-07-15', ['overdue-warning', 'warning']],
    ['2024-07-16', ['overdue-critical', 'critical']],
  ] as const)('no complete sample since the start: enrolment anchors, on %s', (day, expected) => {
    expect(
      look('MISSED-CBC', late, [...baselineDraw('2022-01-03'), ...cbcWithoutDiff('2024-05-20')], day),
    ).toEqual(expected);
  });

  it('the explanation names the sample, not the enrolment day', () => {
    const s = ruleOn('MISSED-CBC', late, cbc('2024-05-20'), '2024-06-10');
    expect(s.explanation).toMatchObject({
      anchorDay: '2024-05-20',
      anchorSource: 'result',
      lastReceivedDay: '2024-05-20',
      dueDay: '2024-06-19',
      warningDay: '2024-06-27',
      criticalDay: '2024-07-04',
    });
    expect(s.nextChange).toEqual({ at: startOfDay('2024-06-19', TZ), status: 'due', severity: 'none' });
  });
});

/** Stories of the missed-result engine, one per clinical decision they exercise (README decisions 7 and 15). */
/**
 * For every day at 12:00, checks each expectation against its own `nextChange`: unchanged 1 ms before that instant,
 * and exactly the announced status and severity at it. Only results observed by then are passed ("no new input").
 */
function checkTransitions(
  p: MonitoringContext,
  received: ReceivedResult[],
  from: CalendarDay,
  to: CalendarDay,
) {
  let checked = 0;
  const wrong: string[] = [];
  const seen = new Set<string>();
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const now = at(day, '12:00');
    const known = received.filter((r) => r.observedAt <= now);
    const states = expectationsFor(p, known, now);
    for (const s of states) seen.add(`${s.status}/${s.severity}`);
    const instants = new Set(
      states.map((s) => nextTransitionAt(s)?.getTime()).filter((t) => t !== undefined),
    );
    for (const instant of instants) {
      const before = expectationsFor(p, known, new Date(instant - 1));
      const after = expectationsFor(p, known, new Date(instant));
      for (const s of states.filter((x) => nextTransitionAt(x)?.getTime() === instant)) {
        const b = find(before, s.ruleId);
        const a = find(after, s.ruleId);
        if (b.status !== s.status || b.severity !== s.severity)
          wrong.push(`${day} ${s.ruleId}: changed early`);
        if (a.status !== s.nextChange!.status || a.severity !== s.nextChange!.severity)
          wrong.push(`${day} ${s.ruleId}: ${a.status}/${a.severity} at ${a.evaluatedAt.toISOString()}`);
        checked++;
      }
    }
  }
  return { wrong, checked, seen };
}
