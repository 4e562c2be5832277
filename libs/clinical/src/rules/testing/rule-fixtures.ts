import { analyteById, type AnalyteId } from '../../analytes/analyte-catalogue';
import { type AlertDecision } from '../../alerts/alert-decision';
import { type PatientContext, type PatientFlags } from '../../context/patient-context';
import { type TreatmentCourse } from '../../courses/treatment-course';
import { type RangeSource, type ResultQuality, type ResultStatus } from '../../results/result';
import { type EvaluationOutput, type RuleInputResult } from '../evaluation-input';
import { evaluatePatient } from '../rule-evaluator';
import { defaultRuleSets, type RuleSet } from '../rule-set.loader';

/** Small factories for rule-engine tests: results, patients, courses, and a one-call evaluation. */

export const TZ = 'Europe/Prague';

/** Typical lab ranges in canonical units, used unless a test says otherwise. */
export const LAB_RANGES: Partial<Record<AnalyteId, [number | null, number | null]>> = {
  platelets: [150, 400],
  neutrophils: [1.8, 7.5],
  lymphocytes: [1.0, 4.0],
  haemoglobin: [12, 16],
  creatinine: [0.6, 1.1],
  'urine-rbc-automated': [null, 25],
  tsh: [0.4, 4.0],
  ft4: [0.8, 1.8],
  ft3: [2.3, 4.2],
  trab: [null, 1.75],
  alt: [null, 40],
  ast: [null, 40],
  alp: [40, 130],
  bilirubin: [null, 1.2],
  aptt: [25, 35],
  pt: [11, 13.5],
  inr: [0.8, 1.2],
  'factor-viii': [50, 150],
  'factor-viii-inhibitor': [null, 0.6],
  scd25: [null, 1000],
  'd-dimer': [null, 0.5],
};

const CANONICAL: Partial<Record<AnalyteId, string | null>> = {
  platelets: '10*9/L',
  neutrophils: '10*9/L',
  lymphocytes: '10*9/L',
  haemoglobin: 'g/dL',
  cd4: '/uL',
  creatinine: 'mg/dL',
  'urine-rbc': '/[HPF]',
  'urine-rbc-automated': '/uL',
  'urine-blood-dipstick': null,
  'urine-protein-dipstick': null,
  upcr: 'mg/g',
  tsh: 'm[IU]/L',
  ft4: 'ng/dL',
  ft3: 'pg/mL',
  trab: '[IU]/L',
  alt: 'U/L',
  ast: 'U/L',
  alp: 'U/L',
  bilirubin: 'mg/dL',
  ferritin: 'ug/L',
  triglycerides: 'mg/dL',
  fibrinogen: 'g/L',
  scd25: 'U/mL',
  aptt: 's',
  pt: 's',
  inr: '{INR}',
  'factor-viii': '%',
  'factor-viii-inhibitor': "[arb'U]/mL",
  'd-dimer': 'mg/L',
  'il-6': 'pg/mL',
  'hiv-screen': null,
};

let sequence = 0;

export interface LabOptions {
  /**
   * `[low, high]` as the lab sent it; `'none'`: no range at all; `'fallback'`: the catalogue's fallback range, as
   * the normaliser fills it in when the lab sends none.
   */
  range?: [number | null, number | null] | 'none' | 'fallback';
  id?: string;
  status?: ResultStatus;
  quality?: ResultQuality;
  qualityReason?: string | null;
  comparator?: RuleInputResult['comparator'];
  text?: string | null;
  ordinal?: number | null;
  loinc?: string | null;
  basis?: RuleInputResult['basis'];
  patientId?: string;
  original?: RuleInputResult['original'];
  qualityFlags?: RuleInputResult['qualityFlags'];
}

/**
 * A normalised result. `at` is a day (`2025-03-10`, observed 08:00 UTC, the same day in Prague) or an ISO
 * instant. Numbers are canonical values; strings are text (HIV) or dipstick readings.
 */
export function lab(
  analyte: AnalyteId,
  value: number | string | null,
  at: string,
  options: LabOptions = {},
): RuleInputResult {
  const observedAt = new Date(at.length === 10 ? `${at}T08:00:00Z` : at);
  const rangeOption = options.range ?? LAB_RANGES[analyte] ?? 'none';
  const range =
    rangeOption === 'none'
      ? { low: null, high: null, source: 'none' as RangeSource }
      : rangeOption === 'fallback'
        ? {
            low: analyteById(analyte).fallbackRange?.low ?? null,
            high: analyteById(analyte).fallbackRange?.high ?? null,
            source: 'fallback' as RangeSource,
          }
        : { low: rangeOption[0], high: rangeOption[1], source: 'lab' as RangeSource };
  const numeric = typeof value === 'number' ? value : null;
  return {
    resultId: options.id ?? `r${++sequence}`,
    patientId: options.patientId ?? 'p1',
    status: options.status ?? 'final',
    observedAt,
    analyte,
    loinc: options.loinc === undefined ? null : options.loinc,
    value: numeric,
    unit: CANONICAL[analyte] ?? null,
    comparator: options.comparator ?? null,
    ordinal: options.ordinal ?? null,
    text: options.text ?? (typeof value === 'string' ? value : null),
    range,
    basis: 'basis' in options ? (options.basis ?? null) : analyte === 'd-dimer' ? 'FEU' : null,
    quality: options.quality ?? 'ok',
    qualityReason: options.qualityReason ?? null,
    original: options.original,
    qualityFlags: options.qualityFlags ?? [],
  };
}

/** A course of infusions on consecutive days. */
export function course(courseNumber: number, firstDay: string, days: number): TreatmentCourse {
  const start = new Date(`${firstDay}T00:00:00Z`);
  const infusionDays = Array.from({ length: days }, (_, i) =>
    new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10),
  );
  return { courseNumber, infusionDays };
}

/** Course 1 of 5 days from 2024-03-04 (ends 2024-03-08; W0-60 to 2024-05-07); course 2 of 3 days from 2025-03-10. */
export const COURSE_1 = course(1, '2024-03-04', 5);
export const COURSE_2 = course(2, '2025-03-10', 3);

export function patient(
  overrides: Partial<Omit<PatientContext, 'flags'>> & { flags?: Partial<PatientFlags> } = {},
): PatientContext {
  return {
    patientId: 'p1',
    indication: 'MS',
    birthDate: '1990-06-15',
    sex: 'female',
    flags: {},
    timeZone: TZ,
    courses: [COURSE_1],
    ...overrides,
  };
}

export function evaluate(
  context: PatientContext,
  results: readonly RuleInputResult[],
  history: readonly RuleInputResult[] = [],
  ruleSet: RuleSet = defaultRuleSets()[context.indication],
): EvaluationOutput {
  return evaluatePatient({ context, results, history }, ruleSet);
}

/** `RULE:severity[!]` per decision (`!` = emergency), for compact exact assertions. */
export function brief(decisions: readonly AlertDecision[]): string[] {
  return decisions.map((d) => `${d.ruleId}:${d.severity}${d.emergency ? '!' : ''}`);
}

/** The decisions for one rule. */
export function only(decisions: readonly AlertDecision[], ruleId: string): AlertDecision[] {
  return decisions.filter((d) => d.ruleId === ruleId);
}

/**
 * Grades one result (plus history) and returns the compact list of what it raised for the given rules. Without
 * `rules`, DQ-2 (the once-per-course "no baseline" info, which any creatinine, haemoglobin, ALT/AST or UPCR of a
 * patient without a baseline raises) is left out: `baseline-rules.spec.ts` covers it.
 */
export function gradeOne(
  result: RuleInputResult,
  options: { history?: RuleInputResult[]; context?: PatientContext; rules?: string[] } = {},
): string[] {
  const out = evaluate(options.context ?? patient(), [result], options.history ?? []);
  const decisions = out.decisions.filter((d) => d.resultIds[0] === result.resultId);
  return brief(
    decisions.filter((d) => (options.rules ? options.rules.includes(d.ruleId) : d.ruleId !== 'DQ-2')),
  );
}

/** The decisions other than DQ-2's missing-baseline info (see {@link gradeOne}). */
export function withoutBaselineNotice(decisions: readonly AlertDecision[]): AlertDecision[] {
  return decisions.filter((d) => d.ruleId !== 'DQ-2');
}
