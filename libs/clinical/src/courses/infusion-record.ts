import { type AlertExplanation } from '../alerts/alert-decision';
import { addDays, type CalendarDay } from './calendar';
import {
  type Administration,
  type AdministrationStatus,
  type CourseIndication,
  type CoursePlan,
  MS_NEW_COURSE_AFTER_DAYS,
} from './course-plan';

/*
 * The infusion record's decisions (issue 18), pure: which administration records the planner reads, how the
 * courses it plans meet the courses a person entered, and whom a patient first seen in the record is enrolled to.
 * The administration consumer (apps/result-processor/src/administrations) runs them; the repository only queries.
 */

export type MedicationProduct = 'lemtrada' | 'campath' | 'alemtuzumab';
export type AdministrationEvidence = 'administered' | 'dispensed' | 'ordered';

/** One administration record as stored (`medication_administrations`). */
export interface AdministrationRecord {
  administrationId: string;
  status: AdministrationStatus;
  evidence: AdministrationEvidence;
  day: CalendarDay | null;
  at: Date | null;
  doseMg: number | null;
  product: MedicationProduct;
  recordedAt: Date | null;
}

const EVIDENCE_STRENGTH: Record<AdministrationEvidence, number> = {
  administered: 3,
  dispensed: 2,
  ordered: 1,
};

/**
 * [P] The records the planner reads: those of the strongest evidence the patient has. A site that sends its
 * administrations (RAS^O17, MedicationAdministration) may also send the orders and dispenses behind them; the
 * same infusion would then count as two administrations of one day (SAME-DAY) under different ids. Orders and
 * dispenses stand in for administrations only where nothing better exists, as the issue asks ("where a site only
 * has orders").
 */
export function administrationsToPlan(records: readonly AdministrationRecord[]): Administration[] {
  const strongest = Math.max(0, ...records.map((r) => EVIDENCE_STRENGTH[r.evidence]));
  return records
    .filter((r) => EVIDENCE_STRENGTH[r.evidence] === strongest)
    .map((r) => ({
      id: r.administrationId,
      status: r.status,
      day: r.day,
      at: r.at,
      doseMg: r.doseMg,
      recordedAt: r.recordedAt,
    }));
}

/**
 * The product a patient's course is recorded as: the product the codes name, else the indication's
 * (§1.1: Lemtrada for MS, Campath for CLL).
 */
export function productOf(
  records: readonly Pick<AdministrationRecord, 'product'>[],
  indication: CourseIndication,
): 'lemtrada' | 'campath' {
  const named = records.find((r) => r.product !== 'alemtuzumab')?.product;
  if (named === 'lemtrada' || named === 'campath') return named;
  return indication === 'MS' ? 'lemtrada' : 'campath';
}

/** A `treatment_courses` row. */
export interface CourseRow {
  courseNumber: number;
  product: string;
  infusionDays: readonly CalendarDay[];
  source: 'manual' | 'infusion-record';
}

/** Which of the courses a person entered the infusion record replaces, and the number its first course takes. */
export interface CourseBasis {
  /** Entered courses the record does not cover: kept as they are. */
  kept: readonly CourseRow[];
  /** Entered courses with an infusion day within 30 days of a recorded one: the record replaces them. */
  superseded: readonly CourseRow[];
  /** `CoursePlanOptions.firstCourseNumber`: 1 + the kept courses before the first recorded infusion. */
  firstCourseNumber: number;
}

/**
 * [P] A course a person entered (admin API, seed) and the courses planned from the record are the same course when
 * an entered infusion day lies within `MS_NEW_COURSE_AFTER_DAYS` (30) of a recorded one: the planner's own
 * horizon of one course. The record then wins (it is what was given; the entry was typed from it), and the
 * replaced row is on the timeline. Entered courses elsewhere (given at another hospital, before the record
 * starts) are kept and counted, so the first recorded course is numbered after them and expects 3 days, not 5.
 * Rows the record planned before are not "entered": they are replanned from the records.
 */
export function courseBasis(stored: readonly CourseRow[], recordedDays: readonly CalendarDay[]): CourseBasis {
  const kept: CourseRow[] = [];
  const superseded: CourseRow[] = [];
  const days = [...recordedDays].sort();
  for (const course of stored) {
    if (course.source === 'infusion-record') continue;
    const near = course.infusionDays.some((d) =>
      days.some(
        (r) => r >= addDays(d, -MS_NEW_COURSE_AFTER_DAYS) && r <= addDays(d, MS_NEW_COURSE_AFTER_DAYS),
      ),
    );
    (near ? superseded : kept).push(course);
  }
  const first = days[0];
  const before = first
    ? kept.filter((c) => (c.infusionDays[c.infusionDays.length - 1] ?? '') < first).length
    : kept.length;
  return { kept, superseded, firstCourseNumber: before + 1 };
}

/**
 * The patient's `treatment_courses` after planning: the kept entered courses and the planned ones, numbered in
 * the order they were given (the planner numbered its courses from `firstCourseNumber`; an entered course between
 * two recorded ones, which the basis keeps, moves the later ones up by one).
 */
export function courseRows(
  kept: readonly CourseRow[],
  plan: CoursePlan | null,
  product: string,
): CourseRow[] {
  const planned: CourseRow[] = (plan?.courses ?? []).map((c) => ({
    courseNumber: c.courseNumber,
    product,
    infusionDays: c.infusionDays,
    source: 'infusion-record',
  }));
  return [...kept, ...planned]
    .sort((a, b) => ((a.infusionDays[0] ?? '') < (b.infusionDays[0] ?? '') ? -1 : 1))
    .map((c, i) => ({ ...c, courseNumber: i + 1 }));
}

/** Whether two sets of rows are the same courses (numbers, products, days, sources). */
export function sameCourseRows(a: readonly CourseRow[], b: readonly CourseRow[]): boolean {
  const key = (rows: readonly CourseRow[]) =>
    JSON.stringify(
      [...rows]
        .sort((x, y) => x.courseNumber - y.courseNumber)
        .map((c) => [c.courseNumber, c.product, [...c.infusionDays].sort(), c.source]),
    );
  return key(a) === key(b);
}

/** A sender's location mapping (`enrolment_locations`), the most specific found. */
export interface EnrolmentLocation {
  siteId: string;
  careTeamId: string | null;
  indication: CourseIndication | null;
  /** The location it matched (`*`: the sender's other locations). */
  location: string;
}

export type EnrolmentPlan =
  | { type: 'enrol'; siteId: string; careTeamId: string; indication: CourseIndication }
  | { type: 'unmapped'; siteId: string | null; reason: string };

/**
 * Whom a patient first seen in the infusion record is enrolled to: the care team the sender's location names,
 * with the indication the product says (Lemtrada: MS, Campath: CLL) or, for the bare ingredient, the location's.
 * Anything missing leaves the patient unenrolled, and says why, for the alert to the site's people: never a
 * guessed team or indication.
 */
export function planEnrolment(input: {
  location: string | null;
  products: readonly MedicationProduct[];
  mapping: EnrolmentLocation | null;
  /** The sites the sender's other locations map to: one names the site to alert when this location maps to none. */
  senderSites: readonly string[];
}): EnrolmentPlan {
  const { mapping } = input;
  const where = input.location ? `location ${input.location}` : 'no location';
  if (!mapping) {
    const sites = [...new Set(input.senderSites)];
    return {
      type: 'unmapped',
      siteId: sites.length === 1 ? sites[0]! : null,
      reason: `no care team is mapped for ${where}`,
    };
  }
  if (!mapping.careTeamId) {
    return { type: 'unmapped', siteId: mapping.siteId, reason: `the mapping of ${where} names no care team` };
  }
  const named = new Set(input.products.filter((p) => p !== 'alemtuzumab'));
  if (named.size > 1) {
    return { type: 'unmapped', siteId: mapping.siteId, reason: 'the record names both Lemtrada and Campath' };
  }
  const product = [...named][0];
  const indication = product === 'lemtrada' ? 'MS' : product === 'campath' ? 'CLL' : mapping.indication;
  if (!indication) {
    return {
      type: 'unmapped',
      siteId: mapping.siteId,
      reason: `the record names the ingredient only and the mapping of ${where} gives no indication (MS or CLL)`,
    };
  }
  return { type: 'enrol', siteId: mapping.siteId, careTeamId: mapping.careTeamId, indication };
}

export const ENROLLED_FROM_INFUSION_RULE_ID = 'ENROLLED-FROM-INFUSION';
export const ENROLMENT_UNMAPPED_RULE_ID = 'ENROLMENT-UNMAPPED';
/** The `rule_set_version` of the enrolment alerts: they come from the infusion record, not a rule set. */
export const INFUSION_RECORD_VERSION = 'infusion-record';

function explanation(ruleId: string, title: string, summary: string, action: string): AlertExplanation {
  return {
    ruleId,
    title,
    evidence: '[P]',
    summary,
    action,
    values: [],
    baseline: null,
    previous: null,
    daysSinceLastInfusion: null,
    window: null,
    ruleSetVersion: INFUSION_RECORD_VERSION,
  };
}

/** The info alert to the team a patient was enrolled to from the infusion record. */
export function enrolledExplanation(input: {
  sender: string;
  location: string | null;
  indication: CourseIndication;
  firstDay: CalendarDay | null;
}): AlertExplanation {
  return explanation(
    ENROLLED_FROM_INFUSION_RULE_ID,
    'Patient enrolled from the infusion record',
    `A patient not yet enrolled received alemtuzumab${input.firstDay ? ` on ${input.firstDay}` : ''} (${input.sender}, ${input.location ? `location ${input.location}` : 'no location'}); they were enrolled to this team for ${input.indication} monitoring by the site's location mapping.`,
    'Check the enrolment (indication, courses given elsewhere, contacts) and complete it in the patient record.',
  );
}

/** The alert to the site's people when a patient who received alemtuzumab could not be enrolled. */
export function unmappedExplanation(input: {
  sender: string;
  location: string | null;
  reason: string;
  patient: { id: string; authority: string };
}): AlertExplanation {
  return explanation(
    ENROLMENT_UNMAPPED_RULE_ID,
    'Alemtuzumab given to a patient nobody monitors',
    `A patient (identifier ${input.patient.id} of ${input.patient.authority}) received alemtuzumab (${input.sender}) but could not be enrolled: ${input.reason}. No safety monitoring runs for them.`,
    "Enrol the patient to their care team, or map the sender's location to a team (enrolment locations); the administrations are kept: the next record of this patient enrols them by the mapping and plans their courses from all of them.",
  );
}
