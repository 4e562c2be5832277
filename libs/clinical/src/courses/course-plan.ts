import { CLL_THERAPY_GRACE_DAYS } from '../context/clinical-windows';
import { addDays, addMonths, type CalendarDay, daysBetween, localDay } from './calendar';
import { lastInfusion, monitoringEnd, type TreatmentCourse } from './treatment-course';

/*
 * Courses from administrations (issue 18, part 1): the pure planner the administration intake (HL7 RAS^O17, FHIR
 * MedicationAdministration) will call with every administration it holds for a patient. The plan is recomputed
 * from all of them each time, never patched, so it cannot depend on the order or the number of times they
 * arrived; `diffCoursePlans` then says what an arrival or a withdrawal changed, for the timeline and the
 * monitoring schedule.
 *
 * Clinical rules §1.1 (dosing): Lemtrada course 1 = 12 mg/day on 5 consecutive days; course 2 = 3 consecutive
 * days 12 months after course 1; further courses 3 days "≥12 months after the last course". Campath (CLL) is "a
 * completely different regimen" (3 → 10 → 30 mg, then 30 mg three times a week on alternate days for up to 12
 * weeks; restart at 3 mg after a delay of ≥7 days) and the reference gives it no course structure.
 * §1.2: `course_start_k` / `course_end_k` = first / last infusion date of course k; `T_last` = max(course_end_k);
 * `monitoring_end` = `T_last` + 48 calendar months, recomputed whenever a new course is given.
 *
 * Nothing is guessed away: an administration that does not fit the label's pattern is kept in the course the
 * rules below put it in, and the plan carries an anomaly saying what is odd, where, and why it was placed there.
 * The [P] choices are numbered in this folder's README.md ("Decisions where the clinical rules leave room").
 */

export type AdministrationStatus = 'given' | 'entered-in-error' | 'cancelled';

/** One alemtuzumab administration as the intake reads it (a RAS^O17 RXA, a FHIR MedicationAdministration). */
export interface Administration {
  /** The sender's identity of the administration (RXA placer/filler id, FHIR resource id). */
  id: string;
  status: AdministrationStatus;
  /** The calendar day it was given in the site's zone, when the sender says so. Wins over `at`. */
  day?: CalendarDay | null;
  /** The instant it was given; read as a day in `timeZone` (clinical rules §1.2: infusion dates are days). */
  at?: Date | null;
  /** IANA zone of `at` (the site's zone); falls back to `CoursePlanOptions.timeZone`. */
  timeZone?: string | null;
  doseMg?: number | null;
  /**
   * When the sender recorded this version (MSH-7, FHIR meta.lastUpdated). Of two `given` records of one id that
   * disagree, the later one is used ([P]: a correction supersedes; without it the choice is arbitrary but fixed).
   */
  recordedAt?: Date | null;
}

export type CourseIndication = 'MS' | 'CLL';

export interface CoursePlanOptions {
  indication: CourseIndication;
  /** The site's zone, for administrations that carry an instant without a zone of their own. */
  timeZone?: string | null;
  /**
   * Number of the first course in these administrations, when earlier courses were given elsewhere and are not
   * among them ([P]: the intake cannot know; the enrolment can). Default 1.
   */
  firstCourseNumber?: number;
  /** Days between two infusions beyond which the later one starts a new course. Defaults per indication below. */
  newCourseAfterDays?: number;
}

/**
 * [P] MS: an infusion more than 30 days after the previous one starts a new course. The label knows only courses
 * of consecutive days ≥12 months apart, so any threshold between is a choice; 30 days is the label's own horizon
 * for a course: baseline labs must be "within 30 days prior to the … first infusion" ([FDA-REMS], §1.2), so an
 * infusion more than 30 days after the last one no longer has its course's baseline and is treated (and gated,
 * GATE-BASELINE) as a new course; and by then the monthly monitoring of §3 has fallen due, i.e. the course ended.
 * An infusion within 30 days stays in its course with a LATE-INFUSION anomaly; one after it that comes < 12
 * months after the previous course is a new course with an EARLY-COURSE anomaly.
 */
export const MS_NEW_COURSE_AFTER_DAYS = 30;

/**
 * [P] CLL: the reference gives no course structure, so courses are grouped by gaps: a dose more than
 * `CLL_THERAPY_GRACE_DAYS` (28) after the previous one starts a new course. The same number ends the
 * `CLL-THERAPY` window (clinical-windows.ts), so the window and the plan agree on when a course is over.
 */
export const CLL_NEW_COURSE_AFTER_DAYS = CLL_THERAPY_GRACE_DAYS;

/** [P] MS: a gap inside a course of up to this many missing days names them (a weekend, a holiday). */
export const MS_MISSED_DAYS_NAMED_UP_TO = 6;

/** Campath PI §2.3 (clinical rules §1.1): "If dosing is delayed ≥7 days, restart at 3 mg". */
export const CLL_RESTART_ESCALATION_AFTER_DAYS = 7;

/** §1.1: course 1 = 5 consecutive days; later courses = 3 consecutive days (Lemtrada). */
export const LEMTRADA_COURSE_DAYS = { first: 5, later: 3 } as const;

/** §1.1: courses ≥ 12 months apart (Lemtrada). */
export const LEMTRADA_MONTHS_BETWEEN_COURSES = 12;

export type CourseAnomalyCode =
  /** MS: a course's infusion days are not consecutive; the missing days are named. */
  | 'MISSED-DAY'
  /** MS: an infusion 8–30 days after the previous one, kept in the same course. */
  | 'LATE-INFUSION'
  /** MS: a course has more infusion days than §1.1 expects (5 for course 1, 3 later). */
  | 'EXTRA-INFUSION'
  /** MS: a course followed by another has fewer infusion days than expected. */
  | 'SHORT-COURSE'
  /** MS: a course started < 12 months after the previous course's last infusion. */
  | 'EARLY-COURSE'
  /** CLL: ≥7 days between doses of one course (the label restarts escalation at 3 mg). */
  | 'DOSING-DELAYED'
  /** Two or more administrations (distinct ids) on one day. */
  | 'SAME-DAY'
  /** An administration entered in error or cancelled: excluded from the plan. */
  | 'WITHDRAWN'
  /** Two `given` records of one administration id disagree on the day or the dose. */
  | 'CONFLICTING-RECORDS'
  /** A `given` administration without a day (neither `day` nor an instant with a zone): not placed. */
  | 'UNDATED';

export interface CourseAnomaly {
  code: CourseAnomalyCode;
  /** The course it concerns; null when it concerns none (an undated administration, a withdrawal of nothing). */
  courseNumber: number | null;
  day: CalendarDay | null;
  administrationIds: readonly string[];
  /** MISSED-DAY: the days with no infusion. */
  missingDays?: readonly CalendarDay[];
  /** One sentence a clinician can check against the chart. */
  explanation: string;
}

export interface CourseAdministration {
  id: string;
  day: CalendarDay;
  doseMg: number | null;
}

/** A course as planned: the existing `TreatmentCourse` (what `treatment_courses` stores) plus what explains it. */
export interface PlannedTreatmentCourse extends TreatmentCourse {
  courseNumber: number;
  /** Distinct days with a given administration, ascending (the `infusion_dates` of `treatment_courses`). */
  infusionDays: readonly CalendarDay[];
  /** `course_start_k`, `course_end_k` (§1.2). */
  start: CalendarDay;
  end: CalendarDay;
  /** The `product` column of `treatment_courses`. */
  product: 'lemtrada' | 'campath';
  /** §1.1: 5 for course 1, 3 later (Lemtrada); null for Campath, which has no fixed count. */
  expectedDays: number | null;
  /** The given administrations of the course, by day then id. */
  administrations: readonly CourseAdministration[];
  /** Sum of the doses when every administration has one, else null. */
  totalDoseMg: number | null;
}

export interface CoursePlan {
  indication: CourseIndication;
  courses: readonly PlannedTreatmentCourse[];
  /** `T_last` (§1.2); null before the first infusion. */
  lastInfusion: CalendarDay | null;
  /**
   * `monitoring_end` = `T_last` + 48 calendar months (§1.2, [FDA-L]), without the manual extension, which the
   * monitoring context adds. [P] CLL: null. §1.1 says "Do not apply the MS 48-month monthly schedule to CLL
   * patients"; the CLL schedule runs from the therapy (`cllTherapyEnd`) instead.
   */
  monitoringEnd: CalendarDay | null;
  /** Ordered by day (undated last), then code, then course. */
  anomalies: readonly CourseAnomaly[];
}

/** One administration id after its records are merged. */
interface Resolved {
  id: string;
  day: CalendarDay | null;
  doseMg: number | null;
  withdrawnAs: Exclude<AdministrationStatus, 'given'> | null;
  /** Some record says `given` (a withdrawal may arrive without the record it withdraws). */
  wasGiven: boolean;
  conflict: boolean;
}

function dayOf(a: Administration, timeZone: string | null | undefined): CalendarDay | null {
  if (a.day) return a.day;
  const zone = a.timeZone ?? timeZone;
  if (a.at && zone) return localDay(a.at, zone);
  return null;
}

const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Merges the records of each administration id, whatever their order: a duplicate counts once; a withdrawal
 * (entered-in-error, cancelled) is final ([P]: it always refers to a record made before it, so a `given` record
 * arriving after it is a redelivery of the original, not a reinstatement); of disagreeing `given` records the
 * latest recorded wins, ties broken by day then dose so that arrival order never matters.
 */
function resolve(
  administrations: readonly Administration[],
  timeZone: string | null | undefined,
): Resolved[] {
  const byId = new Map<string, Administration[]>();
  for (const a of administrations) {
    const list = byId.get(a.id);
    if (list) list.push(a);
    else byId.set(a.id, [a]);
  }
  const resolved: Resolved[] = [];
  for (const [id, records] of byId) {
    const versions = records.map((r) => ({
      day: dayOf(r, timeZone),
      doseMg: r.doseMg ?? null,
      recordedAt: r.recordedAt?.getTime() ?? Number.NEGATIVE_INFINITY,
      status: r.status,
    }));
    const given = versions
      .filter((v) => v.status === 'given')
      .sort(
        (a, b) =>
          a.recordedAt - b.recordedAt ||
          order(a.day ?? '', b.day ?? '') ||
          (a.doseMg ?? -1) - (b.doseMg ?? -1),
      );
    const latest = given[given.length - 1];
    const withdrawal = versions
      .filter((v) => v.status !== 'given')
      .sort((a, b) => order(a.status, b.status) || order(a.day ?? '', b.day ?? ''))[0];
    const conflict = given.some((v) => v.day !== latest?.day || v.doseMg !== latest?.doseMg);
    resolved.push({
      id,
      day: latest?.day ?? withdrawal?.day ?? null,
      doseMg: latest?.doseMg ?? withdrawal?.doseMg ?? null,
      withdrawnAs: withdrawal ? (withdrawal.status as Resolved['withdrawnAs']) : null,
      wasGiven: given.length > 0,
      conflict,
    });
  }
  return resolved.sort((a, b) => order(a.day ?? '\uffff', b.day ?? '\uffff') || order(a.id, b.id));
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Groups dated given administrations (sorted by day, id) into courses and records what does not fit. */
function group(
  given: readonly CourseAdministration[],
  options: CoursePlanOptions,
): { courses: PlannedTreatmentCourse[]; anomalies: CourseAnomaly[] } {
  const ms = options.indication === 'MS';
  const newCourseAfter =
    options.newCourseAfterDays ?? (ms ? MS_NEW_COURSE_AFTER_DAYS : CLL_NEW_COURSE_AFTER_DAYS);
  const first = options.firstCourseNumber ?? 1;
  const runs: CourseAdministration[][] = [];
  for (const a of given) {
    const run = runs[runs.length - 1];
    const previous = run?.[run.length - 1];
    if (run && previous && daysBetween(previous.day, a.day) <= newCourseAfter) run.push(a);
    else runs.push([a]);
  }

  const courses: PlannedTreatmentCourse[] = [];
  const anomalies: CourseAnomaly[] = [];
  runs.forEach((run, index) => {
    const courseNumber = first + index;
    const infusionDays = [...new Set(run.map((a) => a.day))];
    const start = infusionDays[0]!;
    const end = infusionDays[infusionDays.length - 1]!;
    const expectedDays = ms
      ? courseNumber === 1
        ? LEMTRADA_COURSE_DAYS.first
        : LEMTRADA_COURSE_DAYS.later
      : null;
    const doses = run.map((a) => a.doseMg);
    courses.push({
      courseNumber,
      infusionDays,
      start,
      end,
      product: ms ? 'lemtrada' : 'campath',
      expectedDays,
      administrations: run,
      totalDoseMg: doses.every((d): d is number => d !== null) ? doses.reduce((s, d) => s + d, 0) : null,
    });

    // Two administrations on one day: the day counts once; both are named.
    for (const day of infusionDays) {
      const ids = run.filter((a) => a.day === day).map((a) => a.id);
      if (ids.length > 1)
        anomalies.push({
          code: 'SAME-DAY',
          courseNumber,
          day,
          administrationIds: ids,
          explanation: `${ids.length} administrations of alemtuzumab on ${day} (course ${courseNumber}): ${ids.join(', ')}; the label gives one infusion a day (§1.1), so the day counts once and both are kept.`,
        });
    }

    // Gaps between consecutive infusion days of the course.
    for (let i = 1; i < infusionDays.length; i++) {
      const before = infusionDays[i - 1]!;
      const day = infusionDays[i]!;
      const gap = daysBetween(before, day);
      const ids = run.filter((a) => a.day === day).map((a) => a.id);
      if (ms && gap > 1 && gap - 1 <= MS_MISSED_DAYS_NAMED_UP_TO) {
        const missingDays = Array.from({ length: gap - 1 }, (_, k) => addDays(before, k + 1));
        anomalies.push({
          code: 'MISSED-DAY',
          courseNumber,
          day: missingDays[0]!,
          administrationIds: ids,
          missingDays,
          explanation: `Course ${courseNumber} has no infusion on ${missingDays.join(', ')}, between ${before} and ${day}; the label gives a course on consecutive days (§1.1). The infusion of ${day} is counted in course ${courseNumber}.`,
        });
      } else if (ms && gap > 1) {
        anomalies.push({
          code: 'LATE-INFUSION',
          courseNumber,
          day,
          administrationIds: ids,
          explanation: `The infusion of ${day} came ${plural(gap, 'day')} after the previous one (${before}); counted in course ${courseNumber} because a new course starts only more than ${newCourseAfter} days after the last infusion [P] (the label gives a course on consecutive days and the next ≥ 12 months later, §1.1).`,
        });
      } else if (!ms && gap >= CLL_RESTART_ESCALATION_AFTER_DAYS) {
        anomalies.push({
          code: 'DOSING-DELAYED',
          courseNumber,
          day,
          administrationIds: ids,
          explanation: `The dose of ${day} came ${plural(gap, 'day')} after the previous one (${before}); the Campath label says "if dosing is delayed ≥7 days, restart at 3 mg" (§1.1). Counted in course ${courseNumber} (a new course only after more than ${newCourseAfter} days [P]).`,
        });
      }
    }

    if (expectedDays !== null && infusionDays.length > expectedDays) {
      for (const day of infusionDays.slice(expectedDays)) {
        anomalies.push({
          code: 'EXTRA-INFUSION',
          courseNumber,
          day,
          administrationIds: run.filter((a) => a.day === day).map((a) => a.id),
          explanation: `Course ${courseNumber} has ${infusionDays.length} infusion days; the label gives ${expectedDays} (§1.1: course 1 = 5 consecutive days, later courses 3). The infusion of ${day} is beyond that count and kept in course ${courseNumber}.`,
        });
      }
    }
    // A course that has a successor is over: fewer days than expected is then a fact, not a course in progress.
    if (expectedDays !== null && index < runs.length - 1 && infusionDays.length < expectedDays) {
      anomalies.push({
        code: 'SHORT-COURSE',
        courseNumber,
        day: end,
        administrationIds: [],
        explanation: `Course ${courseNumber} ended on ${end} after ${plural(infusionDays.length, 'infusion day')}; the label gives ${expectedDays} (§1.1).`,
      });
    }

    const previous = courses[courses.length - 2];
    if (ms && previous) {
      const earliest = addMonths(previous.end, LEMTRADA_MONTHS_BETWEEN_COURSES);
      if (start < earliest)
        anomalies.push({
          code: 'EARLY-COURSE',
          courseNumber,
          day: start,
          administrationIds: run.filter((a) => a.day === start).map((a) => a.id),
          explanation: `Course ${courseNumber} started on ${start}, ${plural(daysBetween(previous.end, start), 'day')} after the last infusion of course ${previous.courseNumber} (${previous.end}); the label gives further courses "≥12 months after the last course" (§1.1), i.e. not before ${earliest}. Counted as a new course because it came more than ${newCourseAfter} days after the previous infusion [P].`,
        });
    }
  });
  return { courses, anomalies };
}

function courseOfDay(courses: readonly PlannedTreatmentCourse[], day: CalendarDay): number | null {
  return courses.find((c) => c.start <= day && day <= c.end)?.courseNumber ?? null;
}

/**
 * The courses of one patient from their alemtuzumab administrations, in any order and with duplicates (one id
 * counts once), with `T_last`, `monitoring_end` and the anomalies (clinical rules §1.1, §1.2).
 */
export function planCourses(
  administrations: readonly Administration[],
  options: CoursePlanOptions,
): CoursePlan {
  const resolved = resolve(administrations, options.timeZone);
  const dated = (r: Resolved): r is Resolved & { day: CalendarDay } => r.day !== null;
  const toCourse = (r: Resolved & { day: CalendarDay }): CourseAdministration => ({
    id: r.id,
    day: r.day,
    doseMg: r.doseMg,
  });

  const given = resolved.filter((r) => r.withdrawnAs === null);
  const { courses, anomalies } = group(given.filter(dated).map(toCourse), options);

  // Which course a withdrawal changed: the course it belonged to in the plan that ignores withdrawals.
  const withdrawn = resolved.filter((r) => r.withdrawnAs !== null);
  if (withdrawn.length > 0) {
    const unwithdrawn = group(
      resolved
        .filter(dated)
        .filter((r) => r.wasGiven)
        .map(toCourse),
      options,
    ).courses;
    for (const w of withdrawn) {
      const was = w.wasGiven && w.day ? courseOfDay(unwithdrawn, w.day) : null;
      const wasCourse = unwithdrawn.find((c) => c.courseNumber === was);
      const now = wasCourse ? courses.find((c) => c.courseNumber === was) : undefined;
      const effect = !w.wasGiven
        ? 'no record of it as given has arrived, so no course changed'
        : !wasCourse
          ? 'it was never part of a course here'
          : !now || !now.infusionDays.some((d) => wasCourse.infusionDays.includes(d))
            ? `course ${was} as it stood (${wasCourse.start} to ${wasCourse.end}) no longer exists; the courses after it were re-planned`
            : `course ${was} now has ${plural(now.infusionDays.length, 'infusion day')} (${now.start} to ${now.end})`;
      anomalies.push({
        code: 'WITHDRAWN',
        courseNumber: was,
        day: w.day,
        administrationIds: [w.id],
        explanation: `Administration ${w.id}${w.day ? ` of ${w.day}` : ''} was ${w.withdrawnAs === 'cancelled' ? 'cancelled' : 'entered in error'} and is excluded: ${effect}.`,
      });
    }
  }

  for (const r of given) {
    if (r.day === null) {
      anomalies.push({
        code: 'UNDATED',
        courseNumber: null,
        day: null,
        administrationIds: [r.id],
        explanation: `Administration ${r.id} was given but carries no day (nor an instant with a time zone); it is in no course until a corrected record dates it.`,
      });
    } else if (r.conflict) {
      anomalies.push({
        code: 'CONFLICTING-RECORDS',
        courseNumber: courseOfDay(courses, r.day),
        day: r.day,
        administrationIds: [r.id],
        explanation: `Administration ${r.id} was recorded as given more than once with a different day or dose; the latest record (${r.day}${r.doseMg !== null ? `, ${r.doseMg} mg` : ''}) is used.`,
      });
    }
  }

  const last = lastInfusion(courses);
  return {
    indication: options.indication,
    courses,
    lastInfusion: last,
    monitoringEnd: options.indication === 'MS' ? monitoringEnd(courses) : null,
    anomalies: anomalies.sort(
      (a, b) =>
        order(a.day ?? '\uffff', b.day ?? '\uffff') ||
        order(a.code, b.code) ||
        (a.courseNumber ?? 0) - (b.courseNumber ?? 0) ||
        order(a.administrationIds.join(), b.administrationIds.join()),
    ),
  };
}

/** What changed between two plans of one patient: the timeline's entries and the schedule's cue to re-plan. */
export type CoursePlanChange =
  | { kind: 'course-added'; courseNumber: number; after: PlannedTreatmentCourse; explanation: string }
  | { kind: 'course-removed'; courseNumber: number; before: PlannedTreatmentCourse; explanation: string }
  | {
      kind: 'course-changed';
      courseNumber: number;
      before: PlannedTreatmentCourse;
      after: PlannedTreatmentCourse;
      daysAdded: readonly CalendarDay[];
      daysRemoved: readonly CalendarDay[];
      explanation: string;
    }
  | { kind: 'last-infusion-moved'; from: CalendarDay | null; to: CalendarDay | null; explanation: string }
  | { kind: 'monitoring-end-moved'; from: CalendarDay | null; to: CalendarDay | null; explanation: string }
  | { kind: 'anomaly-added'; anomaly: CourseAnomaly; explanation: string }
  | { kind: 'anomaly-removed'; anomaly: CourseAnomaly; explanation: string };

export interface CoursePlanDiff {
  changes: readonly CoursePlanChange[];
  /**
   * The `treatment_courses` rows differ (a course added, removed, or its days changed): write them and wake the
   * monitoring schedule (which recomputes `monitoring_end` and the gates from the courses).
   */
  coursesChanged: boolean;
}

const anomalyKey = (a: CourseAnomaly) =>
  [a.code, a.courseNumber ?? '', a.day ?? '', a.administrationIds.join(',')].join('|');

const span = (c: PlannedTreatmentCourse) =>
  `${c.start} to ${c.end}, ${plural(c.infusionDays.length, 'infusion day')}`;

/**
 * What changed from `before` to `after` (either may be null: no plan yet / none left). Courses are compared by
 * number, as `treatment_courses` keys them (UNIQUE patient, course_number): a withdrawn course 1 renumbers the
 * courses after it, and the diff says so course by course.
 */
export function diffCoursePlans(before: CoursePlan | null, after: CoursePlan | null): CoursePlanDiff {
  const changes: CoursePlanChange[] = [];
  const was = new Map((before?.courses ?? []).map((c) => [c.courseNumber, c]));
  const is = new Map((after?.courses ?? []).map((c) => [c.courseNumber, c]));
  const numbers = [...new Set([...was.keys(), ...is.keys()])].sort((a, b) => a - b);
  for (const n of numbers) {
    const b = was.get(n);
    const a = is.get(n);
    if (!b && a) {
      changes.push({
        kind: 'course-added',
        courseNumber: n,
        after: a,
        explanation: `Course ${n}: ${span(a)}.`,
      });
    } else if (b && !a) {
      changes.push({
        kind: 'course-removed',
        courseNumber: n,
        before: b,
        explanation: `Course ${n} (${span(b)}) is no longer in the plan.`,
      });
    } else if (a && b) {
      const daysAdded = a.infusionDays.filter((d) => !b.infusionDays.includes(d));
      const daysRemoved = b.infusionDays.filter((d) => !a.infusionDays.includes(d));
      if (daysAdded.length > 0 || daysRemoved.length > 0)
        changes.push({
          kind: 'course-changed',
          courseNumber: n,
          before: b,
          after: a,
          daysAdded,
          daysRemoved,
          explanation: `Course ${n}: ${span(b)} → ${span(a)}${daysAdded.length ? `; added ${daysAdded.join(', ')}` : ''}${daysRemoved.length ? `; removed ${daysRemoved.join(', ')}` : ''}.`,
        });
    }
  }
  const coursesChanged = changes.length > 0;

  const lastBefore = before?.lastInfusion ?? null;
  const lastAfter = after?.lastInfusion ?? null;
  if (lastBefore !== lastAfter)
    changes.push({
      kind: 'last-infusion-moved',
      from: lastBefore,
      to: lastAfter,
      explanation: `Last infusion (T_last): ${lastBefore ?? 'none'} → ${lastAfter ?? 'none'}.`,
    });
  const endBefore = before?.monitoringEnd ?? null;
  const endAfter = after?.monitoringEnd ?? null;
  if (endBefore !== endAfter)
    changes.push({
      kind: 'monitoring-end-moved',
      from: endBefore,
      to: endAfter,
      explanation: `Monitoring ends (last infusion + 48 months, §1.2): ${endBefore ?? 'not set'} → ${endAfter ?? 'not set'}.`,
    });

  const anomaliesBefore = new Map((before?.anomalies ?? []).map((x) => [anomalyKey(x), x]));
  const anomaliesAfter = new Map((after?.anomalies ?? []).map((x) => [anomalyKey(x), x]));
  for (const [key, anomaly] of anomaliesBefore)
    if (!anomaliesAfter.has(key))
      changes.push({
        kind: 'anomaly-removed',
        anomaly,
        explanation: `No longer: ${anomaly.explanation}`,
      });
  for (const [key, anomaly] of anomaliesAfter)
    if (!anomaliesBefore.has(key))
      changes.push({ kind: 'anomaly-added', anomaly, explanation: anomaly.explanation });

  return { changes, coursesChanged };
}
