import { addDays, addMonths, type CalendarDay, daysBetween, maxDay, minDay } from './calendar';

/** One treatment course: the calendar days of its infusions (clinical rules §1.1). */
export interface TreatmentCourse {
  courseNumber: number;
  infusionDays: readonly CalendarDay[];
}

/** Months of monitoring after the last infusion (clinical rules §1.2, [FDA-L]). */
export const MONITORING_MONTHS_AFTER_LAST_INFUSION = 48;

export function courseStart(course: TreatmentCourse): CalendarDay {
  const start = minDay(course.infusionDays);
  if (!start) throw new Error(`course ${course.courseNumber} has no infusion days`);
  return start;
}

export function courseEnd(course: TreatmentCourse): CalendarDay {
  const end = maxDay(course.infusionDays);
  if (!end) throw new Error(`course ${course.courseNumber} has no infusion days`);
  return end;
}

/** `T_last`: the last infusion of all courses given, or null before the first course. */
export function lastInfusion(courses: readonly TreatmentCourse[]): CalendarDay | null {
  return maxDay(courses.flatMap((c) => c.infusionDays));
}

/**
 * `monitoring_end` = `T_last` + 48 calendar months (+ a manual extension); recomputed from the courses every
 * time, so a new course moves it. Null before the first course.
 */
export function monitoringEnd(courses: readonly TreatmentCourse[], extensionMonths = 0): CalendarDay | null {
  const last = lastInfusion(courses);
  return last ? addMonths(last, MONITORING_MONTHS_AFTER_LAST_INFUSION + extensionMonths) : null;
}

/** `W0-3`: some infusion day D with D ≤ day ≤ D + 3 (acute vascular window). */
export function inAcuteVascularWindow(day: CalendarDay, courses: readonly TreatmentCourse[]): boolean {
  return courses.some((c) => c.infusionDays.some((d) => day >= d && day <= addDays(d, 3)));
}

/** `W0-60`: course start ≤ day ≤ course end + 60 days, for some course (early cytopenia window). */
export function inEarlyCytopeniaWindow(day: CalendarDay, courses: readonly TreatmentCourse[]): boolean {
  return courses.some((c) => day >= courseStart(c) && day <= addDays(courseEnd(c), 60));
}

/** Days from the most recent infusion on or before `day`; null when no infusion precedes it. */
export function daysSinceLastInfusion(day: CalendarDay, courses: readonly TreatmentCourse[]): number | null {
  const before = courses.flatMap((c) => c.infusionDays).filter((d) => d <= day);
  const last = maxDay(before);
  return last ? daysBetween(last, day) : null;
}

/** The course whose clocks apply on `day`: the latest course that started on or before it. */
export function currentCourse(day: CalendarDay, courses: readonly TreatmentCourse[]): TreatmentCourse | null {
  const started = courses.filter((c) => courseStart(c) <= day);
  if (started.length === 0) return null;
  return started.reduce((a, b) => (courseStart(a) > courseStart(b) ? a : b));
}
