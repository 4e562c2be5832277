import fc from 'fast-check';
import { addDays, addMonths, daysBetween } from './calendar';
import {
  type Administration,
  type CourseIndication,
  diffCoursePlans,
  MS_NEW_COURSE_AFTER_DAYS,
  planCourses,
} from './course-plan';

/**
 * Property tests of the course planner (issue 18): whatever the order and the number of times administrations
 * arrive, the plan is the same; every given administration is in exactly one course; courses are ordered and do
 * not overlap; `monitoring_end` = the last given infusion + 48 calendar months (clinical rules §1.2).
 *
 * Fixed seed and a modest number of runs in `npm test`; a longer search:
 * `COURSE_PROPERTY_RUNS=20000 COURSE_PROPERTY_SEED=$RANDOM npx jest libs/clinical/src/courses/course-plan.property`.
 */
const RUNS = Number(process.env.COURSE_PROPERTY_RUNS ?? 200);
const SEED = Number(process.env.COURSE_PROPERTY_SEED ?? 20261207);
const PARAMS = { numRuns: RUNS, seed: SEED, endOnFailure: true };

const ORIGIN = '2023-01-02';

/**
 * Realistic histories: a few clusters (courses) of infusions, weeks to years apart, each of a few days with gaps,
 * same-day doubles and stray infusions; then withdrawals of some, corrections (a second `given` record of an id
 * with another day), and records of ids never given.
 */
const history = fc
  .record({
    clusters: fc.array(
      fc.record({
        after: fc.integer({ min: 1, max: 500 }),
        days: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 7 }),
      }),
      { minLength: 0, maxLength: 4 },
    ),
    doses: fc.array(fc.option(fc.constantFrom(3, 10, 12, 30), { nil: null }), {
      minLength: 30,
      maxLength: 30,
    }),
    withdrawals: fc.array(
      fc.record({
        index: fc.nat(),
        status: fc.constantFrom('entered-in-error' as const, 'cancelled' as const),
        dated: fc.boolean(),
      }),
      { maxLength: 3 },
    ),
    corrections: fc.array(fc.record({ index: fc.nat(), shift: fc.integer({ min: -3, max: 3 }) }), {
      maxLength: 2,
    }),
    ghosts: fc.nat({ max: 2 }),
  })
  .map(({ clusters, doses, withdrawals, corrections, ghosts }) => {
    const given: Administration[] = [];
    let start = ORIGIN;
    for (const cluster of clusters) {
      start = addDays(start, cluster.after);
      for (const offset of cluster.days)
        given.push({
          id: `adm-${given.length}`,
          status: 'given',
          day: addDays(start, offset),
          doseMg: doses[given.length % doses.length] ?? null,
        });
      start = addDays(start, Math.max(...cluster.days));
    }
    const extra: Administration[] = [];
    if (given.length > 0) {
      for (const w of withdrawals) {
        const target = given[w.index % given.length]!;
        extra.push({ id: target.id, status: w.status, day: w.dated ? target.day : null });
      }
      for (const c of corrections) {
        const target = given[c.index % given.length]!;
        extra.push({ ...target, day: addDays(target.day!, c.shift) });
      }
    }
    for (let i = 0; i < ghosts; i++) extra.push({ id: `ghost-${i}`, status: 'entered-in-error' });
    return [...given, ...extra];
  });

/** The same records, shuffled, some sent again (exact copies). */
const rearranged = (records: Administration[]) =>
  fc
    .tuple(
      fc.shuffledSubarray(records, { minLength: records.length, maxLength: records.length }),
      fc.array(fc.nat(), { maxLength: 6 }),
    )
    .map(([shuffled, again]) =>
      records.length === 0
        ? shuffled
        : [...shuffled, ...again.map((i) => ({ ...records[i % records.length]! }))],
    );

const indication = fc.constantFrom<CourseIndication>('MS', 'CLL');

/** Ids that some record says were given and none withdrew, with the days their `given` records name. */
function givenIds(records: readonly Administration[]): Map<string, Set<string>> {
  const withdrawn = new Set(records.filter((r) => r.status !== 'given').map((r) => r.id));
  const ids = new Map<string, Set<string>>();
  for (const r of records)
    if (r.status === 'given' && !withdrawn.has(r.id)) ids.set(r.id, (ids.get(r.id) ?? new Set()).add(r.day!));
  return ids;
}

describe('planCourses properties (issue 18)', () => {
  it('the plan is independent of arrival order and of duplicates', () => {
    fc.assert(
      fc.property(
        history.chain((records) => fc.tuple(fc.constant(records), rearranged(records))),
        indication,
        ([records, arrived], which) => {
          expect(planCourses(arrived, { indication: which })).toEqual(
            planCourses(records, { indication: which }),
          );
        },
      ),
      PARAMS,
    );
  });

  it('every given, not withdrawn administration belongs to exactly one course, on a day its records name', () => {
    fc.assert(
      fc.property(history, indication, (records, which) => {
        const plan = planCourses(records, { indication: which });
        const ids = givenIds(records);
        for (const [id, days] of ids) {
          const holding = plan.courses.filter((c) => c.administrations.some((a) => a.id === id));
          expect(holding).toHaveLength(1);
          const placed = holding[0]!.administrations.find((a) => a.id === id)!;
          expect(days.has(placed.day)).toBe(true);
          expect(holding[0]!.infusionDays).toContain(placed.day);
        }
        const placedIds = plan.courses.flatMap((c) => c.administrations.map((a) => a.id));
        expect(placedIds.sort()).toEqual([...ids.keys()].sort());
      }),
      PARAMS,
    );
  });

  it('courses are numbered from 1, ordered, do not overlap, and split only at gaps beyond the threshold', () => {
    fc.assert(
      fc.property(history, (records) => {
        const plan = planCourses(records, { indication: 'MS' });
        plan.courses.forEach((course, i) => {
          expect(course.courseNumber).toBe(i + 1);
          expect(course.start).toBe(course.infusionDays[0]);
          expect(course.end).toBe(course.infusionDays[course.infusionDays.length - 1]);
          expect(course.expectedDays).toBe(i === 0 ? 5 : 3);
          for (let d = 1; d < course.infusionDays.length; d++) {
            const gap = daysBetween(course.infusionDays[d - 1]!, course.infusionDays[d]!);
            expect(gap).toBeGreaterThan(0);
            expect(gap).toBeLessThanOrEqual(MS_NEW_COURSE_AFTER_DAYS);
          }
          const next = plan.courses[i + 1];
          if (next) expect(daysBetween(course.end, next.start)).toBeGreaterThan(MS_NEW_COURSE_AFTER_DAYS);
        });
      }),
      PARAMS,
    );
  });

  it('monitoring_end is 48 calendar months after the last given infusion (MS)', () => {
    fc.assert(
      fc.property(history, (records) => {
        const plan = planCourses(records, { indication: 'MS' });
        // From the records: an id given on one day counts that day; of a corrected id (records naming several
        // days) the plan's choice counts, which the property above checks is one of them.
        const placed = new Map(
          plan.courses.flatMap((c) => c.administrations.map((a) => [a.id, a.day] as const)),
        );
        const days = [...givenIds(records)].map(([id, named]) =>
          named.size === 1 ? [...named][0]! : placed.get(id)!,
        );
        const last = days.sort().pop() ?? null;
        expect(plan.lastInfusion).toBe(last);
        expect(plan.monitoringEnd).toBe(last === null ? null : addMonths(last, 48));
      }),
      PARAMS,
    );
  });

  it('every anomaly explains itself; a plan diffed with itself changes nothing', () => {
    fc.assert(
      fc.property(history, indication, (records, which) => {
        const plan = planCourses(records, { indication: which });
        for (const a of plan.anomalies) expect(a.explanation.length).toBeGreaterThan(40);
        expect(diffCoursePlans(plan, plan)).toEqual({ changes: [], coursesChanged: false });
        expect(diffCoursePlans(null, plan).coursesChanged).toBe(plan.courses.length > 0);
      }),
      PARAMS,
    );
  });
});
