import { type AnalyteId, type DDimerBasis } from '../analytes/analyte-catalogue';
import { type Comparator, type RangeSource, type ResultQuality, type ResultStatus } from '../results/result';

export type Severity = 'info' | 'warning' | 'critical';

/** breach: a value crossed a rule; missed: an expected result did not come; data-quality: a result cannot
 * be graded; feed: a lab went quiet; unreachable: nobody on a care team could be reached. */
export type AlertKind = 'breach' | 'missed' | 'data-quality' | 'feed' | 'unreachable';

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** Orders severities, with the emergency flag above a plain critical. */
export function severityRank(severity: Severity, emergency = false): number {
  return SEVERITY_RANK[severity] * 2 + (emergency ? 1 : 0);
}

export interface ExplainedValue {
  resultId: string | null;
  analyte: AnalyteId | null;
  loinc: string | null;
  value: number | string | null;
  unit: string | null;
  /** The value and unit exactly as the lab sent them. */
  original?: { value: string | null; unit: string | null } | null;
  range: { low: number | null; high: number | null; source: RangeSource } | null;
  observedAt: string | null;
  /** Result status (a preliminary value is graded and says so). */
  status?: ResultStatus;
  /** A censored value: "<" 0.01 means below 0.01. */
  comparator?: Comparator | null;
  /** D-dimer basis used to grade the value (FEU/DDU). */
  basis?: DDimerBasis | null;
  quality?: ResultQuality;
  qualityReason?: string | null;
  /** A value the system derived (an ANC from the WBC and the neutrophil %): how, in one sentence. */
  derivation?: string | null;
}

/** Everything a clinician needs to understand an alert without opening the chart. Never sent by SMS or email. */
export interface AlertExplanation {
  ruleId: string;
  title: string;
  /** Evidence tags of the rule ([FDA-L], [G], [P] ...). */
  evidence: string;
  /** One sentence: what crossed which limit. */
  summary: string;
  /** What the rule asks the team to do. */
  action: string;
  values: ExplainedValue[];
  baseline: ExplainedValue | null;
  /**
   * Where `baseline` came from (clinical rules §1.2): the most recent pre-course value within the look-back
   * (`daysBeforeCourse` says how old), or, with no baseline at all, the lowest (rises) or highest (falls) value
   * since the course began.
   */
  baselineSource?: {
    source: 'pre-course' | 'post-course-lowest' | 'post-course-highest';
    courseNumber: number;
    daysBeforeCourse: number | null;
    lookbackDays: number;
  } | null;
  previous: ExplainedValue | null;
  daysSinceLastInfusion: number | null;
  /** Clinical window the rule applied in, e.g. `W0-60`, or null. */
  window: string | null;
  ruleSetVersion: string;
  /** The tier of the rule's ladder that decided the severity (e.g. `lt-25`). */
  tier?: string | null;
  /** Why the window changed (or did not change) the severity, for the clinician. */
  windowNote?: string | null;
  /** Every named clinical window the result's day falls in (`W0-3`, `W0-60`, …). */
  activeWindows?: string[];
  /** A limit came from the catalogue's fallback range because the lab sent none (clinical rules §5). */
  rangeFallback?: boolean;
  /** Caveats: fallback range, assumed D-dimer basis, exclusions that could not be checked, preliminary value. */
  notes?: string[];
  /** The rule's thresholds in effect (after site overrides), canonical units. */
  thresholds?: Record<string, number>;
  /** Rules this decision suppressed for the same result ("one value, one page"). */
  supersededRuleIds?: string[];
}

/** What the evaluator decides for one rule and one patient. The processor turns it into an alert. */
export interface AlertDecision {
  patientId: string;
  ruleId: string;
  kind: AlertKind;
  severity: Severity;
  emergency: boolean;
  /** The results that make up this occurrence (one for a threshold, several for a composite). */
  resultIds: string[];
  explanation: AlertExplanation;
  /**
   * Narrows the alert's identity below patient + rule (DQ-2: `course-2|creatinine`), so the same rule can hold
   * one alert per course and analyte.
   */
  dedupScope?: string;
  /** Raise at most one alert with this identity, ever: if one exists in any state, the decision is dropped. */
  once?: boolean;
}
