import { type AnalyteId } from '../analytes/analyte-catalogue';
import { type AlertDecision } from '../alerts/alert-decision';
import { type PatientContext } from '../context/patient-context';
import { type PatientResult } from '../results/result';
import { type RuleSet, type RuleSetsByIndication } from './rule-set.loader';

/** A stored result, optionally with the value and unit exactly as the lab sent them (shown in explanations). */
export type RuleInputResult = PatientResult & {
  original?: { value: string | null; unit: string | null } | null;
};

/**
 * One patient's share of a batch.
 * - `results`: the new results, in the order they were observed/received. Each is graded against everything
 *   known before it: `history` plus the earlier new results, so the decisions do not depend on how results
 *   were cut into batches.
 * - `history`: the patient's stored earlier results, any order, as described by `historyWindowFor`. Entries with
 *   the id of a new result are ignored (the caller may store the batch before querying). Superseded and
 *   retracted results must be left out by the caller.
 * - `openAlertRuleIds`: when given, recoveries are reported only for these rules (and for rules this batch just
 *   fired); when absent, every recovery is reported and the caller matches them to open alerts.
 */
export interface EvaluationInput {
  context: PatientContext;
  results: readonly RuleInputResult[];
  history: readonly RuleInputResult[];
  openAlertRuleIds?: readonly string[];
}

/**
 * A result that is "back in range" for a rule (platelets ≥ LLN again after PLT-3): a line for the timeline of
 * the patient's open alert for `ruleId`. It never closes or downgrades an alert (VASC-0; people resolve alerts).
 */
export interface RecoveryObservation {
  patientId: string;
  ruleId: string;
  resultId: string;
  analyte: AnalyteId;
  observedAt: string;
  summary: string;
  ruleSetVersion: string;
}

export type SkipReason =
  | 'status-deleted'
  | 'status-not-obtainable'
  | 'status-unknown'
  | 'quality-unmapped'
  | 'quality-not-watched'
  | 'no-analyte'
  | 'patient-mismatch'
  | 'invalid-context';

/** A new result the engine did not grade, and why (for the audit trail; nothing is dropped silently). */
export interface SkippedResult {
  patientId: string;
  resultId: string;
  reason: SkipReason;
  detail?: string;
}

/**
 * A result a data-quality tier put on hold for review (DD-4: an implausible jump): no breach rule graded it. The
 * caller records the hold, so that a reviewer can find it and release it; a released result is graded once.
 */
export interface HeldForReview {
  patientId: string;
  resultId: string;
  ruleId: string;
  tier: string;
  /** The holding decision's summary: which value, and why. */
  reason: string;
}

export interface EvaluationOutput {
  decisions: AlertDecision[];
  recoveries: RecoveryObservation[];
  skipped: SkippedResult[];
  held: HeldForReview[];
}

/** The rule sets by indication, or a function choosing one per patient (e.g. per site, after overrides). */
export type RuleSetSelector = RuleSetsByIndication | ((context: PatientContext) => RuleSet);
