import { addDays } from './calendar';
import { type Administration, type CoursePlan, diffCoursePlans, planCourses } from './course-plan';

/** Given administrations of 12 mg on consecutive days from `start` (ids `${prefix}-1`, ...). */
function given(prefix: string, start: string, days: number, doseMg = 12): Administration[] {
  return Array.from({ length: days }, (_, i) => ({
    id: `${prefix}-${i + 1}`,
    status: 'given' as const,
    day: addDays(start, i),
    doseMg,
  }));
}

const at = (id: string, day: string): Administration => ({ id, status: 'given', day, doseMg: 12 });
const MS = { indication: 'MS' as const };

const codes = (plan: CoursePlan) => plan.anomalies.map((a) => `${a.code}@${a.courseNumber}:${a.day}`);
const days = (plan: CoursePlan) => plan.courses.map((c) => c.infusionDays);

describe('planCourses: clinical rules §1.1 "course 1 = 5 consecutive days; course 2 = 3 consecutive days 12 months after course 1; further courses ≥12 months after the last course"', () => {
  it('a textbook patient: course 1 over 5 days, course 2 over 3 days a year later, no anomaly', () => {
    const plan = planCourses([...given('c1', '2024-03-04', 5), ...given('c2', '2025-03-10', 3)], MS);
    expect(
      plan.courses.map(({ courseNumber, start, end, expectedDays, product, totalDoseMg }) => ({
        courseNumber,
        start,
        end,
        expectedDays,
        product,
        totalDoseMg,
      })),
    ).toEqual([
      {
        courseNumber: 1,
        start: '2024-03-04',
        end: '2024-03-08',
        expectedDays: 5,
        product: 'lemtrada',
        totalDoseMg: 60,
      },
      {
        courseNumber: 2,
        start: '2025-03-10',
        end: '2025-03-12',
        expectedDays: 3,
        product: 'lemtrada',
        totalDoseMg: 36,
      },
    ]);
    // §1.2: T_last = max(course_end_k); monitoring_end = T_last + 48 calendar months.
    expect(plan.lastInfusion).toBe('2025-03-12');
    expect(plan.monitoringEnd).toBe('2029-03-12');
    expect(plan.anomalies).toEqual([]);
  });

  it.each<{
    case: string;
    administrations: Administration[];
    courses: string[][];
    anomalies: string[];
    end: string;
  }>([
    {
      case: 'course 1 given over a weekend (Thu, Fri, Mon, Tue, Wed): one course, Saturday and Sunday named',
      administrations: ['2024-03-07', '2024-03-08', '2024-03-11', '2024-03-12', '2024-03-13'].map((d, i) =>
        at(`w${i}`, d),
      ),
      courses: [['2024-03-07', '2024-03-08', '2024-03-11', '2024-03-12', '2024-03-13']],
      anomalies: ['MISSED-DAY@1:2024-03-09'],
      end: '2028-03-13',
    },
    {
      case: 'a missed day inside course 1 (no infusion on day 3): same course, the day named',
      administrations: ['2024-03-04', '2024-03-05', '2024-03-07', '2024-03-08', '2024-03-09'].map((d, i) =>
        at(`m${i}`, d),
      ),
      courses: [['2024-03-04', '2024-03-05', '2024-03-07', '2024-03-08', '2024-03-09']],
      anomalies: ['MISSED-DAY@1:2024-03-06'],
      end: '2028-03-09',
    },
    {
      case: 'a 6th infusion in course 1: kept, recorded as extra',
      administrations: given('x', '2024-03-04', 6),
      courses: [['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08', '2024-03-09']],
      anomalies: ['EXTRA-INFUSION@1:2024-03-09'],
      end: '2028-03-09',
    },
    {
      case: 'a 4th day in course 2: extra (later courses are 3 days)',
      administrations: [...given('a', '2024-03-04', 5), ...given('b', '2025-03-10', 4)],
      courses: [
        ['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08'],
        ['2025-03-10', '2025-03-11', '2025-03-12', '2025-03-13'],
      ],
      anomalies: ['EXTRA-INFUSION@2:2025-03-13'],
      end: '2029-03-13',
    },
    {
      case: 'retreatment at 11.5 months: a new course, recorded as early',
      administrations: [...given('a', '2024-03-04', 5), ...given('b', '2025-02-22', 3)],
      courses: [
        ['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08'],
        ['2025-02-22', '2025-02-23', '2025-02-24'],
      ],
      anomalies: ['EARLY-COURSE@2:2025-02-22'],
      end: '2029-02-24',
    },
    {
      case: 'retreatment exactly 12 months after the last infusion: on time',
      administrations: [...given('a', '2024-03-04', 5), ...given('b', '2025-03-08', 3)],
      courses: [
        ['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08'],
        ['2025-03-08', '2025-03-09', '2025-03-10'],
      ],
      anomalies: [],
      end: '2029-03-10',
    },
    {
      case: 'a late infusion 20 days after course 1 (≤ 30 days [P]): same course, recorded as late',
      administrations: [...given('a', '2024-03-04', 4), at('late', '2024-03-27')],
      courses: [['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-27']],
      anomalies: ['LATE-INFUSION@1:2024-03-27'],
      end: '2028-03-27',
    },
    {
      case: 'an infusion 31 days after the last (> 30 days [P]): a new, early course; course 1 recorded as short',
      administrations: [...given('a', '2024-03-04', 4), at('b', '2024-04-07')],
      courses: [['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07'], ['2024-04-07']],
      anomalies: ['SHORT-COURSE@1:2024-03-07', 'EARLY-COURSE@2:2024-04-07'],
      end: '2028-04-07',
    },
    {
      case: 'two administrations on one day: the day counts once, both named',
      administrations: [...given('a', '2024-03-04', 5), at('again', '2024-03-06')],
      courses: [['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08']],
      anomalies: ['SAME-DAY@1:2024-03-06'],
      end: '2028-03-08',
    },
    {
      case: 'a withdrawn (entered-in-error) 5th day: excluded; course 1 now ends a day earlier',
      administrations: [...given('a', '2024-03-04', 5), { id: 'a-5', status: 'entered-in-error' }],
      courses: [['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07']],
      anomalies: ['WITHDRAWN@1:2024-03-08'],
      end: '2028-03-07',
    },
    {
      case: 'duplicates (every administration sent three times) and out-of-order arrival change nothing',
      administrations: [...given('a', '2024-03-04', 5), ...given('b', '2025-03-10', 3)]
        .flatMap((a) => [a, a, { ...a }])
        .reverse(),
      courses: [
        ['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08'],
        ['2025-03-10', '2025-03-11', '2025-03-12'],
      ],
      anomalies: [],
      end: '2029-03-12',
    },
  ])('$case', ({ administrations, courses, anomalies, end }) => {
    const plan = planCourses(administrations, MS);
    expect(days(plan)).toEqual(courses);
    expect(codes(plan)).toEqual(anomalies);
    expect(plan.monitoringEnd).toBe(end);
    for (const a of plan.anomalies) expect(a.explanation.length).toBeGreaterThan(40);
  });

  it('names the missing days and explains itself', () => {
    const plan = planCourses(
      ['2024-03-07', '2024-03-08', '2024-03-11', '2024-03-12', '2024-03-13'].map((d, i) => at(`w${i}`, d)),
      MS,
    );
    expect(plan.anomalies[0]).toMatchObject({
      code: 'MISSED-DAY',
      courseNumber: 1,
      missingDays: ['2024-03-09', '2024-03-10'],
      administrationIds: ['w2'],
    });
    expect(plan.anomalies[0]!.explanation).toContain('consecutive days');
  });

  it('reads an instant as a day in the site zone (a late-evening infusion in Prague is the next UTC day)', () => {
    const plan = planCourses(
      [
        { id: 'i', status: 'given', at: new Date('2024-03-03T23:30:00Z'), timeZone: 'Europe/Prague' },
        { id: 'j', status: 'given', at: new Date('2024-03-05T08:00:00Z') },
      ],
      { ...MS, timeZone: 'Europe/Prague' },
    );
    expect(days(plan)).toEqual([['2024-03-04', '2024-03-05']]);
  });

  it('a withdrawal is final whatever the order; a correction (later record) moves the day and is recorded', () => {
    const original = at('a-3', '2024-03-06');
    const withdrawal: Administration = { id: 'a-3', status: 'cancelled' };
    const rest = given('a', '2024-03-04', 5).filter((a) => a.id !== 'a-3');
    const first = planCourses([...rest, original, withdrawal], MS);
    const second = planCourses([withdrawal, ...rest, original], MS);
    expect(second).toEqual(first);
    expect(first.anomalies.find((a) => a.code === 'WITHDRAWN')).toMatchObject({
      courseNumber: 1,
      day: '2024-03-06',
      administrationIds: ['a-3'],
    });
    expect(first.anomalies.find((a) => a.code === 'WITHDRAWN')!.explanation).toContain('cancelled');

    const corrected = planCourses(
      [
        ...given('c', '2024-03-04', 4),
        { id: 'c-5', status: 'given', day: '2024-03-09', recordedAt: new Date('2024-03-09T10:00:00Z') },
        { id: 'c-5', status: 'given', day: '2024-03-08', recordedAt: new Date('2024-03-10T10:00:00Z') },
      ],
      MS,
    );
    expect(corrected.lastInfusion).toBe('2024-03-08');
    expect(codes(corrected)).toEqual(['CONFLICTING-RECORDS@1:2024-03-08']);
  });

  it('a withdrawn whole course renumbers the courses after it and says so', () => {
    const plan = planCourses(
      [
        ...given('a', '2024-03-04', 5),
        ...given('b', '2025-03-10', 3),
        ...given('b', '2025-03-10', 3).map((a) => ({ ...a, status: 'entered-in-error' as const })),
      ],
      MS,
    );
    expect(days(plan)).toEqual([['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08']]);
    expect(plan.monitoringEnd).toBe('2028-03-08');
    const withdrawn = plan.anomalies.filter((a) => a.code === 'WITHDRAWN');
    expect(withdrawn.map((a) => a.courseNumber)).toEqual([2, 2, 2]);
    expect(withdrawn[0]!.explanation).toContain('no longer exists');
  });

  it('records, without placing, a given administration that has no day; a withdrawal of nothing changes no course', () => {
    const plan = planCourses(
      [
        ...given('a', '2024-03-04', 5),
        { id: 'u', status: 'given' },
        { id: 'ghost', status: 'entered-in-error' },
      ],
      MS,
    );
    expect(plan.courses).toHaveLength(1);
    expect(plan.anomalies.map((a) => [a.code, a.courseNumber])).toEqual([
      ['UNDATED', null],
      ['WITHDRAWN', null],
    ]);
  });

  it('numbers from firstCourseNumber when earlier courses were given elsewhere (course 2 = 3 days)', () => {
    const plan = planCourses(given('b', '2025-03-10', 3), { ...MS, firstCourseNumber: 2 });
    expect(plan.courses[0]).toMatchObject({ courseNumber: 2, expectedDays: 3 });
    expect(plan.anomalies).toEqual([]);
  });

  it('returns an empty plan for no administrations', () => {
    expect(planCourses([], MS)).toEqual({
      indication: 'MS',
      courses: [],
      lastInfusion: null,
      monitoringEnd: null,
      anomalies: [],
    });
  });
});

describe('planCourses for Campath (CLL): §1.1 gives no course structure, so courses are grouped by gaps [P]', () => {
  // 3 → 10 → 30 mg escalation, then 30 mg three times a week on alternate days (Mon, Wed, Fri).
  const escalation: Administration[] = [
    { id: 'e1', status: 'given', day: '2025-01-06', doseMg: 3 },
    { id: 'e2', status: 'given', day: '2025-01-07', doseMg: 10 },
    { id: 'e3', status: 'given', day: '2025-01-08', doseMg: 30 },
    { id: 't1', status: 'given', day: '2025-01-10', doseMg: 30 },
    { id: 't2', status: 'given', day: '2025-01-13', doseMg: 30 },
    { id: 't3', status: 'given', day: '2025-01-15', doseMg: 30 },
  ];

  it('alternate-day dosing is one course with no expected count and no missed days; no 48-month monitoring_end', () => {
    const plan = planCourses(escalation, { indication: 'CLL' });
    expect(plan.courses).toHaveLength(1);
    expect(plan.courses[0]).toMatchObject({ product: 'campath', expectedDays: null, totalDoseMg: 133 });
    expect(plan.lastInfusion).toBe('2025-01-15');
    // §1.1: "Do not apply the MS 48-month monthly schedule to CLL patients."
    expect(plan.monitoringEnd).toBeNull();
    expect(plan.anomalies).toEqual([]);
  });

  it('a delay of ≥7 days is recorded (the label restarts escalation at 3 mg); more than 28 days starts a new course', () => {
    const plan = planCourses(
      [
        ...escalation,
        { id: 'late', status: 'given', day: '2025-01-24', doseMg: 30 },
        { id: 'next', status: 'given', day: '2025-02-22', doseMg: 3 },
      ],
      { indication: 'CLL' },
    );
    expect(plan.courses.map((c) => [c.start, c.end])).toEqual([
      ['2025-01-06', '2025-01-24'],
      ['2025-02-22', '2025-02-22'],
    ]);
    expect(codes(plan)).toEqual(['DOSING-DELAYED@1:2025-01-24']);
  });
});

describe('diffCoursePlans: what an arrival or a withdrawal changes (the timeline, and the cue to re-plan)', () => {
  const course1 = given('a', '2024-03-04', 5);
  const kinds = (before: CoursePlan | null, after: CoursePlan | null) =>
    diffCoursePlans(before, after).changes.map((c) => c.kind);

  it('the first administration adds course 1 and sets monitoring_end', () => {
    const diff = diffCoursePlans(null, planCourses(course1.slice(0, 1), MS));
    expect(diff.coursesChanged).toBe(true);
    expect(diff.changes).toMatchObject([
      { kind: 'course-added', courseNumber: 1 },
      { kind: 'last-infusion-moved', from: null, to: '2024-03-04' },
      { kind: 'monitoring-end-moved', from: null, to: '2028-03-04' },
    ]);
  });

  it('day 2 extends course 1 and moves monitoring_end by a day', () => {
    const diff = diffCoursePlans(planCourses(course1.slice(0, 1), MS), planCourses(course1.slice(0, 2), MS));
    expect(diff.changes).toMatchObject([
      { kind: 'course-changed', courseNumber: 1, daysAdded: ['2024-03-05'], daysRemoved: [] },
      { kind: 'last-infusion-moved' },
      { kind: 'monitoring-end-moved', from: '2028-03-04', to: '2028-03-05' },
    ]);
    expect(diff.changes[0]!.explanation).toBe(
      'Course 1: 2024-03-04 to 2024-03-04, 1 infusion day → 2024-03-04 to 2024-03-05, 2 infusion days; added 2024-03-05.',
    );
  });

  it('a duplicate changes nothing', () => {
    const before = planCourses(course1, MS);
    expect(diffCoursePlans(before, planCourses([...course1, course1[2]!], MS))).toEqual({
      changes: [],
      coursesChanged: false,
    });
  });

  it('a 6th infusion extends the course and adds an anomaly', () => {
    const before = planCourses(course1, MS);
    const after = planCourses([...course1, at('a-6', '2024-03-09')], MS);
    expect(kinds(before, after)).toEqual([
      'course-changed',
      'last-infusion-moved',
      'monitoring-end-moved',
      'anomaly-added',
    ]);
  });

  it('a withdrawal shortens the course, moves monitoring_end back and is on the timeline', () => {
    const before = planCourses(course1, MS);
    const after = planCourses([...course1, { id: 'a-5', status: 'entered-in-error' }], MS);
    const diff = diffCoursePlans(before, after);
    expect(diff.coursesChanged).toBe(true);
    expect(diff.changes).toMatchObject([
      { kind: 'course-changed', courseNumber: 1, daysAdded: [], daysRemoved: ['2024-03-08'] },
      { kind: 'last-infusion-moved', from: '2024-03-08', to: '2024-03-07' },
      { kind: 'monitoring-end-moved', from: '2028-03-08', to: '2028-03-07' },
      { kind: 'anomaly-added', anomaly: { code: 'WITHDRAWN' } },
    ]);
  });

  it('a late arrival that fills a missed day removes the anomaly', () => {
    const gap = course1.filter((a) => a.id !== 'a-3');
    const kindsAndCodes = diffCoursePlans(planCourses(gap, MS), planCourses(course1, MS)).changes.map((c) =>
      c.kind.startsWith('anomaly') && 'anomaly' in c ? `${c.kind}:${c.anomaly.code}` : c.kind,
    );
    expect(kindsAndCodes).toEqual(['course-changed', 'anomaly-removed:MISSED-DAY']);
  });

  it('a new course a year later is added; course 1 is untouched', () => {
    const course2 = given('b', '2025-03-10', 3);
    const diff = diffCoursePlans(planCourses(course1, MS), planCourses([...course1, ...course2], MS));
    expect(diff.changes).toMatchObject([
      { kind: 'course-added', courseNumber: 2 },
      { kind: 'last-infusion-moved', to: '2025-03-12' },
      { kind: 'monitoring-end-moved', from: '2028-03-08', to: '2029-03-12' },
    ]);
  });

  it('reports anomalies by identity, not by wording: a withdrawal whose explanation changes is not re-added', () => {
    const withdrawal: Administration = { id: 'a-3', status: 'entered-in-error' };
    const before = planCourses([...course1, withdrawal], MS);
    const after = planCourses([...course1, withdrawal, at('a-6', '2024-03-09')], MS);
    const withdrawnBefore = before.anomalies.find((a) => a.code === 'WITHDRAWN')!;
    const withdrawnAfter = after.anomalies.find((a) => a.code === 'WITHDRAWN')!;
    expect(withdrawnAfter.explanation).not.toBe(withdrawnBefore.explanation);
    expect(
      diffCoursePlans(before, after)
        .changes.filter((c) => 'anomaly' in c && c.anomaly.code === 'WITHDRAWN')
        .map((c) => c.kind),
    ).toEqual([]);
  });
});
