import { type AnalyteId } from '../analytes/analyte-catalogue';
import { addDays, type CalendarDay, localDay } from '../courses/calendar';
import { courseStart, currentCourse, type TreatmentCourse } from '../courses/treatment-course';
import { type PatientResult } from '../results/result';
import { isUsableResult } from './result-usability';

/** Baseline window: results dated ≤30 days before a course's first infusion ([FDA-REMS]; [P] before every course). */
export const BASELINE_WINDOW_DAYS = 30;

/**
 * The calendar days whose results can be a course's baseline: `start − 30` to `start − 1`, inclusive. The first
 * infusion day itself is excluded on purpose: a sample from that day may have been drawn after the infusion,
 * and a post-infusion value (platelets fall at once) would make a poor baseline.
 */
export function baselineWindow(course: TreatmentCourse): { from: CalendarDay; to: CalendarDay } {
  const start = courseStart(course);
  return { from: addDays(start, -BASELINE_WINDOW_DAYS), to: addDays(start, -1) };
}

export interface BaselineOptions {
  /**
   * `current` (default): the course in effect on the day (the latest course started on or before it), so each
   * course is judged against its own pre-course value. `first`: the pre-course-1 value, for long-term drift.
   */
  course?: 'current' | 'first';
}

/**
 * The baseline of an analyte for a result on `onDay`: the latest usable result of that analyte observed in the
 * baseline window of the course in effect ([P] clinical rules §1.2). Null before the first course, or when no
 * result falls in the window (the missing baseline is the monitoring schedule's pre-infusion gate, not this
 * function's concern).
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
  const { from, to } = baselineWindow(course);
  let best: PatientResult | null = null;
  for (const result of history) {
    if (result.analyte !== analyte || !isUsableResult(result)) continue;
    const day = localDay(result.observedAt, timeZone);
    if (day < from || day > to) continue;
    if (!best || result.observedAt.getTime() >= best.observedAt.getTime()) best = result;
  }
  return best;
}
