import { type AnalyteId } from '../analytes/analyte-catalogue';
import { addDays, type CalendarDay, daysBetween, localDay } from '../courses/calendar';
import { courseStart, currentCourse, type TreatmentCourse } from '../courses/treatment-course';
import { type PatientResult } from '../results/result';
import { isUsableResult } from './result-usability';

/**
 * The REMS baseline window: "ordering laboratory tests … within 30 days prior to the patient's first infusion"
 * ([FDA-REMS]; [P] before every course). It is an ordering requirement, not a reason to ignore older data: the
 * rules look further back (see {@link DEFAULT_BASELINE_LOOKBACK_DAYS}); a site may keep the strict 30 days.
 */
export const BASELINE_WINDOW_DAYS = 30;

/**
 * How far before a course its baseline may lie when nothing came in the 30 days ([P] clinical rules §1.2 "the
 * most recent pre-course result"): 180 days. The rule sets carry it as DQ-2's `lookbackDays`.
 */
export const DEFAULT_BASELINE_LOOKBACK_DAYS = 180;

/**
 * The calendar days whose results can be a course's baseline: `start − lookbackDays` to `start − 1`, inclusive.
 * The first infusion day itself is excluded on purpose: a sample from that day may have been drawn after the
 * infusion, and a post-infusion value (platelets fall at once) would make a poor baseline.
 */
export function baselineWindow(
  course: TreatmentCourse,
  lookbackDays: number = BASELINE_WINDOW_DAYS,
): { from: CalendarDay; to: CalendarDay } {
  const start = courseStart(course);
  return { from: addDays(start, -lookbackDays), to: addDays(start, -1) };
}

export interface BaselineOptions {
  /**
   * `current` (default): the course in effect on the day (the latest course started on or before it), so each
   * course is judged against its own pre-course value. `first`: the pre-course-1 value, for long-term drift.
   */
  course?: 'current' | 'first';
  /** Days before the course start a baseline may lie (default: the REMS's 30). */
  lookbackDays?: number;
  /** The calendar day of a result in the site zone (a caller's cache of `localDay`). */
  dayOf?: (result: PatientResult) => CalendarDay;
}

/**
 * The baseline of an analyte for a result on `onDay`: the latest usable result of that analyte observed in the
 * baseline window of the course in effect ([P] clinical rules §1.2). Null before the first course, or when no
 * result falls in the window.
 */
export function baselineFor(
  analyte: AnalyteId,
  onDay: CalendarDay,
  courses: readonly TreatmentCourse[],
  history: readonly PatientResult[],
  timeZone: string,
  options: BaselineOptions = {},
): PatientResult | null {
  const course =
    options.course === 'first'
      ? ([...courses].sort((a, b) => (courseStart(a) < courseStart(b) ? -1 : 1))[0] ?? null)
      : currentCourse(onDay, courses);
  if (!course || courseStart(course) > onDay) return null;
  const { from, to } = baselineWindow(course, options.lookbackDays);
  const dayOf = options.dayOf ?? ((r: PatientResult) => localDay(r.observedAt, timeZone));
  let best: PatientResult | null = null;
  for (const result of history) {
    if (result.analyte !== analyte || !isUsableResult(result)) continue;
    const day = dayOf(result);
    if (day < from || day > to) continue;
    if (!best || result.observedAt.getTime() >= best.observedAt.getTime()) best = result;
  }
  return best;
}

/**
 * Where a baseline-relative rule's reference came from:
 * - `pre-course`: the most recent usable result within the look-back before the course (the baseline proper);
 * - `post-course-lowest` / `post-course-highest`: there is no baseline at all, so a rise is judged against the
 *   lowest value since the course began (within the look-back before the graded result), a fall against the
 *   highest ([P]: what KDIGO does for acute kidney injury without a baseline; the gap is said by DQ-2).
 */
export type BaselineSource = 'pre-course' | 'post-course-lowest' | 'post-course-highest';

export interface BaselineReference<R extends PatientResult = PatientResult> {
  result: R;
  source: BaselineSource;
  /** The course in effect on the graded result's day. */
  courseNumber: number;
  /** For `pre-course`: whole days from the baseline's day to the course's first infusion. */
  daysBeforeCourse: number | null;
  lookbackDays: number;
}

/**
 * The reference a baseline-relative rule judges a result on `onDay` against: the pre-course baseline within
 * `lookbackDays`, else (for `rise` and `fall`) the extreme usable value since the course began, observed before
 * `before` and on or after `onDay − lookbackDays`. `use: 'baseline'` asks for the pre-course baseline only
 * (rules that ask whether the baseline itself was abnormal: LFT-1, UPRO-1's "new versus baseline").
 */
export function baselineReference<R extends PatientResult>(
  analyte: AnalyteId,
  onDay: CalendarDay,
  before: Date,
  courses: readonly TreatmentCourse[],
  history: readonly R[],
  timeZone: string,
  lookbackDays: number,
  use: 'rise' | 'fall' | 'baseline',
  dayOf: (result: R) => CalendarDay = (r) => localDay(r.observedAt, timeZone),
): BaselineReference<R> | null {
  const course = currentCourse(onDay, courses);
  if (!course) return null;
  const start = courseStart(course);
  const pre = baselineFor(analyte, onDay, courses, history, timeZone, {
    lookbackDays,
    dayOf: dayOf as (r: PatientResult) => CalendarDay,
  }) as R | null;
  if (pre) {
    return {
      result: pre,
      source: 'pre-course',
      courseNumber: course.courseNumber,
      daysBeforeCourse: daysBetween(dayOf(pre), start),
      lookbackDays,
    };
  }
  if (use === 'baseline') return null;
  const from = addDays(onDay, -lookbackDays);
  let best: R | null = null;
  for (const result of history) {
    if (result.analyte !== analyte || !isUsableResult(result) || result.value === null) continue;
    if (result.comparator !== null && result.comparator !== undefined) continue; // "<x" is no reference
    if (result.observedAt.getTime() >= before.getTime()) continue;
    const day = dayOf(result);
    if (day < start || day < from) continue;
    const better =
      !best ||
      (use === 'rise' ? result.value < best.value! : result.value > best.value!) ||
      (result.value === best.value && result.observedAt.getTime() > best.observedAt.getTime());
    if (better) best = result;
  }
  if (!best) return null;
  return {
    result: best,
    source: use === 'rise' ? 'post-course-lowest' : 'post-course-highest',
    courseNumber: course.courseNumber,
    daysBeforeCourse: null,
    lookbackDays,
  };
}
