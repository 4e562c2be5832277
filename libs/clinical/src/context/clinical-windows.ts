import { addDays, type CalendarDay, minDay } from '../courses/calendar';
import {
  courseEnd,
  courseStart,
  currentCourse,
  inAcuteVascularWindow,
  inEarlyCytopeniaWindow,
  type TreatmentCourse,
} from '../courses/treatment-course';

/**
 * The windows rules refer to by name (clinical rules §1.2 and §2):
 * - `W0-3`: an infusion day to 3 days after it (acute vascular window; DD-1 downgrade);
 * - `W0-60`: course start to 60 days after course end (early cytopenia window; PLT-1/PLT-3 downgrade, ANC-1);
 * - `CD4-D60`: from 60 days after the end of the course in effect (CD4-1, CAMP-3: prophylaxis stop criterion);
 * - `CLL-THERAPY`: course start to {@link CLL_THERAPY_GRACE_DAYS} after the last infusion of a course
 *   (CAMP-1/CAMP-2 "during CLL therapy"; [P]: a withheld course has no further infusion days yet);
 * - `TREATED`: on or after the first infusion of the first course.
 */
export type ClinicalWindowId = 'W0-3' | 'W0-60' | 'CD4-D60' | 'CLL-THERAPY' | 'TREATED';

export const CLINICAL_WINDOW_IDS: readonly ClinicalWindowId[] = [
  'W0-3',
  'W0-60',
  'CD4-D60',
  'CLL-THERAPY',
  'TREATED',
];

/** Days from the end of a course after which CD4 ≥200/µL may stop prophylaxis ([FDA-L]: "minimum of two months"). */
export const CD4_CHECK_DAYS_AFTER_COURSE_END = 60;

/** [P] Campath therapy is "in progress" until this many days after the last recorded infusion of a course. */
export const CLL_THERAPY_GRACE_DAYS = 28;

export function inClinicalWindow(
  window: ClinicalWindowId,
  day: CalendarDay,
  courses: readonly TreatmentCourse[],
): boolean {
  switch (window) {
    case 'W0-3':
      return inAcuteVascularWindow(day, courses);
    case 'W0-60':
      return inEarlyCytopeniaWindow(day, courses);
    case 'CD4-D60': {
      const course = currentCourse(day, courses);
      return course !== null && day >= addDays(courseEnd(course), CD4_CHECK_DAYS_AFTER_COURSE_END);
    }
    case 'CLL-THERAPY':
      return courses.some(
        (c) => day >= courseStart(c) && day <= addDays(courseEnd(c), CLL_THERAPY_GRACE_DAYS),
      );
    case 'TREATED': {
      const first = minDay(courses.flatMap((c) => c.infusionDays));
      return first !== null && day >= first;
    }
  }
}

/** Every named window a day falls in, in the order of {@link CLINICAL_WINDOW_IDS}. */
export function clinicalWindowsOn(day: CalendarDay, courses: readonly TreatmentCourse[]): ClinicalWindowId[] {
  return CLINICAL_WINDOW_IDS.filter((w) => inClinicalWindow(w, day, courses));
}
