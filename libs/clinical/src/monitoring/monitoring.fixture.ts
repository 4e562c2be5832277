/** Builders for the monitoring specs: patients, courses and results on site-zone calendar days. */
import { DateTime } from 'luxon';
import { type AnalyteId } from '../analytes/analyte-catalogue';
import { addDays, type CalendarDay } from '../courses/calendar';
import { type TreatmentCourse } from '../courses/treatment-course';
import {
  type ExpectationState,
  type MonitoringContext,
  type MonitoringRuleId,
  type ReceivedResult,
} from './expectation';
import { expectationsFor } from './monitoring-schedule';
import { DEFAULT_MONITORING_SETTINGS, type MonitoringSettings } from './monitoring-settings';

export const TZ = 'Europe/Prague';

/** The instant of a local wall-clock time on a day in a zone (default 09:00 in Prague). */
export function at(day: CalendarDay, time = '09:00', zone = TZ): Date {
  const dt = DateTime.fromISO(`${day}T${time}`, { zone });
  if (!dt.isValid) throw new Error(`bad local time ${day} ${time} ${zone}`);
  return dt.toJSDate();
}

export function course(courseNumber: number, firstDay: CalendarDay, days: number): TreatmentCourse {
  return { courseNumber, infusionDays: Array.from({ length: days }, (_, i) => addDays(firstDay, i)) };
}

/** Course 1: 5 infusions 2024-03-04 … 2024-03-08; monitoring_end 2028-03-08. */
export const COURSE_1 = course(1, '2024-03-04', 5);
/** Course 2: 3 infusions 2025-03-10 … 2025-03-12; monitoring_end moves to 2029-03-12. */
export const COURSE_2 = course(2, '2025-03-10', 3);

export function msPatient(overrides: Partial<MonitoringContext> = {}): MonitoringContext {
  return { patientId: 'p-1', indication: 'MS', timeZone: TZ, courses: [COURSE_1], ...overrides };
}

interface ResultOptions {
  sender?: string;
  time?: string;
  zone?: string;
  value?: number | null;
}

export function result(analyte: AnalyteId, day: CalendarDay, options: ResultOptions = {}): ReceivedResult {
  return {
    analyte,
    observedAt: at(day, options.time ?? '09:00', options.zone ?? TZ),
    sender: options.sender ?? 'lab-a',
    status: 'final',
    value: options.value ?? null,
  };
}

function many(analytes: readonly AnalyteId[], day: CalendarDay, options?: ResultOptions): ReceivedResult[] {
  return analytes.map((a) => result(a, day, options));
}

export const cbc = (day: CalendarDay, o?: ResultOptions) =>
  many(['platelets', 'haemoglobin', 'wbc', 'neutrophils', 'lymphocytes'], day, o);
/** A CBC without the differential (no ANC, no lymphocytes). */
export const cbcWithoutDiff = (day: CalendarDay, o?: ResultOptions) =>
  many(['platelets', 'haemoglobin', 'wbc'], day, o);
export const creatinine = (day: CalendarDay, o?: ResultOptions) => many(['creatinine'], day, o);
export const urinalysis = (day: CalendarDay, o?: ResultOptions) =>
  many(['urine-blood-dipstick', 'urine-protein-dipstick', 'urine-rbc'], day, o);
export const dipstickOnly = (day: CalendarDay, o?: ResultOptions) =>
  many(['urine-blood-dipstick', 'urine-protein-dipstick'], day, o);
export const thyroid = (day: CalendarDay, o?: ResultOptions) => many(['tsh', 'ft4'], day, o);
export const liver = (day: CalendarDay, o?: ResultOptions) => many(['alt', 'ast', 'bilirubin'], day, o);
/** The monthly draw: CBC, creatinine, urinalysis and liver tests. */
export const monthlyDraw = (day: CalendarDay, o?: ResultOptions) => [
  ...cbc(day, o),
  ...creatinine(day, o),
  ...urinalysis(day, o),
  ...liver(day, o),
];
export const baselineDraw = (day: CalendarDay, o?: ResultOptions) => [
  ...monthlyDraw(day, o),
  ...thyroid(day, o),
];

/** The expectation of one rule (throws when the patient has no such rule). */
export function find(states: readonly ExpectationState[], ruleId: MonitoringRuleId): ExpectationState {
  const state = states.find((s) => s.ruleId === ruleId);
  if (!state) throw new Error(`no expectation ${ruleId}`);
  return state;
}

/** One rule's state at 12:00 local on a day. */
export function ruleOn(
  ruleId: MonitoringRuleId,
  context: MonitoringContext,
  received: readonly ReceivedResult[],
  day: CalendarDay,
  settings: MonitoringSettings = DEFAULT_MONITORING_SETTINGS,
): ExpectationState {
  return find(expectationsFor(context, received, at(day, '12:00', context.timeZone), settings), ruleId);
}

/** `[status, severity]` of a rule on a day, for compact assertions. */
export function look(
  ruleId: MonitoringRuleId,
  context: MonitoringContext,
  received: readonly ReceivedResult[],
  day: CalendarDay,
  settings?: MonitoringSettings,
): [string, string] {
  const s = ruleOn(ruleId, context, received, day, settings);
  return [s.status, s.severity];
}
