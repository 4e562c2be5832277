import { type Severity } from '../alerts/alert-decision';
import { type AnalyteId } from '../analytes/analyte-catalogue';
import { type CalendarDay } from '../courses/calendar';
import { type TreatmentCourse } from '../courses/treatment-course';
import { type FeedObservation } from './feed-rhythm';
import { type Suspension } from './suspension';
import { type TestGroupId } from './test-group';

/**
 * The identity of a missed-result alert: one open alert per patient and rule (per course for gates and the CD4
 * reminder, see `missedAlertDedupKey`).
 */
export type MonitoringRuleId =
  | 'MISSED-CBC'
  | 'MISSED-CREATININE'
  | 'MISSED-UA'
  | 'MISSED-THYROID'
  | 'MISSED-LFT'
  | 'MISSED-CBC-WEEKLY'
  | 'CD4-REMINDER'
  | 'GATE-BASELINE'
  | 'GATE-UPCR'
  | 'GATE-HIV';

export type Indication = 'MS' | 'CLL';

/**
 * - `not-started`: nothing is expected yet (no course; course 1 not yet completed; no gate target);
 * - `pending`: received, the next one is not yet due;
 * - `due`: due, within its grace;
 * - `overdue-warning` / `overdue-critical`: missing past the warning / critical threshold;
 * - `partial`: some but not all components of the current sample arrived;
 * - `met`: a gate is satisfied, or the CD4 count reached the stop criterion;
 * - `open`: a gate is not yet satisfied (nothing of it received);
 * - `suspended`: a suspension is in force;
 * - `held`: missing, but a lab serving the patient is quiet;
 * - `ended`: nothing more is expected (monitoring ended, patient deceased, gate of a past course).
 */
export const EXPECTATION_STATUSES = [
  'not-started',
  'pending',
  'due',
  'overdue-warning',
  'overdue-critical',
  'partial',
  'met',
  'open',
  'suspended',
  'held',
  'ended',
] as const;

export type ExpectationStatus = (typeof EXPECTATION_STATUSES)[number];

/** Severity of the missed-result alert a state implies; `none`: no alert. */
export type ExpectationSeverity = 'none' | Severity;

export type ExpectationKind = 'periodic' | 'gate' | 'reminder';

/** Result status as counted by the schedule (same values as the stored result's status). */
export type ReceivedStatus = 'final' | 'corrected' | 'preliminary' | 'not-obtainable' | 'deleted';

/**
 * A result of the patient, reduced to what the schedule needs. Pass every stored, not-retracted result of the
 * patient (or at least those of the last `servingLookbackDays` plus the last complete sample of each group).
 */
export interface ReceivedResult {
  /** Null for codes the catalogue does not map: they still tell which senders serve the patient. */
  analyte: AnalyteId | null;
  /** Specimen time (observation time), not receive time: a sample drawn on day X counts for day X. */
  observedAt: Date;
  sender: string;
  /** Missing: counted. `preliminary` counts (the sample exists); `not-obtainable` and `deleted` do not. */
  status?: ReceivedStatus | null;
  /** Value in the analyte's canonical unit; used for the CD4 stop criterion (/µL). */
  value?: number | null;
}

/** A course that is planned but not yet recorded; the pre-course gates are evaluated against it. */
export interface PlannedCourse {
  /** Defaults to the highest recorded course number + 1. */
  courseNumber?: number | null;
  startDay: CalendarDay;
}

/** Everything about the patient the schedule is derived from. Nothing else is stored between evaluations. */
export interface MonitoringContext {
  /** Used in dedup keys and alert decisions only. */
  patientId: string;
  indication: Indication;
  /** IANA zone of the patient's site: due days are calendar days there. */
  timeZone: string;
  /** Recorded courses (infusion days given). */
  courses: readonly TreatmentCourse[];
  /** The next course, once a date is set; clear it when the course is recorded. */
  plannedCourse?: PlannedCourse | null;
  suspensions?: readonly Suspension[];
  /**
   * Day the system started receiving the patient's results. While no complete sample since the start of
   * monitoring is known, the clock never starts before it: results from before enrolment were never sent to us,
   * so they cannot be called missing. A complete sample we do hold anchors the clock even when it is older
   * (README decision 7).
   */
  enrolledOn?: CalendarDay | null;
  /** Manual extension of monitoring_end for every test ("or longer, if clinically indicated"). */
  monitoringExtensionMonths?: number;
  /** Extra extension for thyroid tests only ("in case of pregnancy"). */
  thyroidExtensionMonths?: number;
  /** CLL: the day Campath therapy ended (latest course); default course start + `cll.defaultTherapyDays`. */
  cllTherapyEnd?: CalendarDay | null;
  /** Feeds of the senders that may serve the patient (those not listed are never quiet). */
  feeds?: readonly FeedObservation[];
}

/** Why an expectation is in its state, in terms a clinician can check against the chart. */
export interface ExpectationExplanation {
  ruleId: MonitoringRuleId;
  title: string;
  group: TestGroupId | null;
  evidence: string;
  /** One sentence: what is expected, since when, what is missing. */
  summary: string;
  /** What the rule asks the team to do. */
  action: string;
  /** Day of the last complete sample (for a gate: the latest qualifying result); null when none. */
  lastReceivedDay: CalendarDay | null;
  /** Day the clock counts from, and why that day. */
  anchorDay: CalendarDay | null;
  anchorSource: 'result' | 'course' | 'enrolment' | 'therapy' | null;
  dueDay: CalendarDay | null;
  warningDay: CalendarDay | null;
  criticalDay: CalendarDay | null;
  /** Days past the due day (0 on the due day); null before it. */
  daysOverdue: number | null;
  /** Requirement ids (or, for the baseline gate, `group:requirement`) received and missing. */
  receivedComponents: string[];
  missingComponents: string[];
  /** Day of the latest component of a partial sample. */
  partialDay: CalendarDay | null;
  /** Last day this expectation runs (monitoring_end for the 48-month tests). */
  endDay: CalendarDay | null;
  endReason: 'monitoring-ended' | 'deceased' | 'not-applicable' | null;
  courseNumber: number | null;
  /** Gates: the (planned or recorded) start day of the course the gate protects. */
  courseStartDay: CalendarDay | null;
  suspension: { reason: string; author: string; start: CalendarDay; end: CalendarDay | null } | null;
  hold: { senders: string[]; until: string | null } | null;
  /** For `suspended` and `held`: the state underneath. */
  underlying: { status: ExpectationStatus; severity: ExpectationSeverity } | null;
}

/** One expectation of one patient at one instant. */
export interface ExpectationState {
  ruleId: MonitoringRuleId;
  kind: ExpectationKind;
  group: TestGroupId | null;
  /** Gates and the CD4 reminder: the course they belong to. */
  courseNumber: number | null;
  status: ExpectationStatus;
  /** For `held`: the severity being held (recorded, not notified). */
  severity: ExpectationSeverity;
  dueDay: CalendarDay | null;
  lastReceivedDay: CalendarDay | null;
  /** Quiet senders holding the alert (status `held`). */
  heldBy: string[];
  /** The instant this was computed for, and the site-zone day it falls on. */
  evaluatedAt: Date;
  day: CalendarDay;
  timeZone: string;
  /**
   * The earliest instant after `evaluatedAt` at which status or severity changes without new input, and what they
   * become then. Null: only new input (a result, a course, a suspension, a message from a quiet lab) changes it.
   */
  nextChange: { at: Date; status: ExpectationStatus; severity: ExpectationSeverity } | null;
  explanation: ExpectationExplanation;
}
