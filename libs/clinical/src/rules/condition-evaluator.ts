import { type BaselineReference } from '../context/baseline';
import { type PatientFlags } from '../context/patient-context';
import { type RuleInputResult } from './evaluation-input';
import { type PatientHistory } from './patient-history';
import {
  type DDimerCutoff,
  gradePredicate,
  type GradingScope,
  type Truth,
  type Unanswered,
} from './result-grading';
import { leafAnalytes } from './rule-set.loader';
import { type ConditionSpec, type RuleSpec } from './rule-set.schema';

/** Everything a condition tree is evaluated against, for one graded (trigger) result. */
export interface ConditionScope {
  /** The rule whose thresholds and text categories the predicates read (switches inside a `rule` reference). */
  rule: RuleSpec;
  rulesById: ReadonlyMap<string, RuleSpec>;
  /** Partner window of the rule being evaluated (the outer rule's, also inside references); null: no partners. */
  pairingDays: number | null;
  /**
   * `any` (alerts): a partner leaf is met by any result in the window, the sensitive reading (intermittent
   * haematuria still counts). `latest` (recoveries): only the latest result in the window counts, so a recovery
   * reflects the current state.
   */
  pick: 'any' | 'latest';
  /**
   * Grade a censored trigger by its worse case: a leaf the graded result itself cannot answer only because it is
   * censored (`<30` against a cut-off of 25) is taken as met, and the outcome says so. Set for tiers of warning or
   * worse, never for recoveries (a recovery is granted only when certain); cleared inside an exclusion (`none`),
   * where the worse case is that the exclusion holds.
   */
  conservative: boolean;
  trigger: RuleInputResult;
  history: PatientHistory;
  flags: PatientFlags;
  birthDate: string | null;
  /** Rules that could not grade the trigger (for the `ungradable` signal of DQ-1). */
  ungradable: readonly string[];
}

export interface ConditionOutcome {
  truth: Truth;
  /** Results that made positive leaves true: the trigger (when it took part) and supporting results. */
  used: RuleInputResult[];
  /** Results read by leaves (including exclusions), shown as context when an exclusion held. */
  examined: RuleInputResult[];
  /** Exclusion results worth showing (PT/INR in range for COAG-1, ALP for LFT-2). */
  checked: RuleInputResult[];
  unanswered: Unanswered[];
  notes: string[];
  fallbackRange: boolean;
  /** True only because a censored trigger was graded by its worse case (`ConditionScope.conservative`). */
  conservative: boolean;
  cutoff?: DDimerCutoff;
  /** The baseline (or its post-course stand-in) a baseline-relative leaf of the outcome used. */
  reference?: BaselineReference<RuleInputResult>;
}

const FALSE: ConditionOutcome = {
  truth: 'false',
  used: [],
  examined: [],
  checked: [],
  unanswered: [],
  notes: [],
  fallbackRange: false,
  conservative: false,
};

function uniq(results: RuleInputResult[]): RuleInputResult[] {
  const seen = new Set<string>();
  return results.filter((r) => (seen.has(r.resultId) ? false : (seen.add(r.resultId), true)));
}

/**
 * `needed`: how many true children make the node true (`all`: every one; `any`: 1; `atLeast`: n). When enough
 * children are true for certain, only they make it true, so a conservative guess elsewhere adds no note.
 */
function combine(children: ConditionOutcome[], truth: Truth, needed = children.length): ConditionOutcome {
  const met = truth === 'true' ? children.filter((c) => c.truth === 'true') : [];
  const certain = met.filter((c) => !c.conservative);
  const positive = certain.length >= needed ? certain : met;
  return {
    truth,
    used: uniq(positive.flatMap((c) => c.used)),
    examined: uniq(children.flatMap((c) => c.examined)),
    checked: uniq(positive.flatMap((c) => c.checked)),
    unanswered: truth === 'unknown' ? children.flatMap((c) => c.unanswered) : [],
    notes: [...new Set(positive.flatMap((c) => c.notes))],
    fallbackRange: positive.some((c) => c.fallbackRange),
    conservative: positive.some((c) => c.conservative),
    cutoff: positive.find((c) => c.cutoff)?.cutoff,
    reference: positive.find((c) => c.reference)?.reference,
  };
}

/** Kleene three-valued evaluation of a condition tree for the scope's trigger result. */
export function evaluateCondition(condition: ConditionSpec, scope: ConditionScope): ConditionOutcome {
  if ('analyte' in condition) return evaluateLeaf(condition, scope);
  if ('all' in condition) {
    const children = condition.all.map((c) => evaluateCondition(c, scope));
    const truth: Truth = children.some((c) => c.truth === 'false')
      ? 'false'
      : children.some((c) => c.truth === 'unknown')
        ? 'unknown'
        : 'true';
    return combine(children, truth);
  }
  if ('any' in condition) {
    const children = condition.any.map((c) => evaluateCondition(c, scope));
    const truth: Truth = children.some((c) => c.truth === 'true')
      ? 'true'
      : children.some((c) => c.truth === 'unknown')
        ? 'unknown'
        : 'false';
    return combine(children, truth, 1);
  }
  if ('atLeast' in condition) {
    const children = condition.of.map((c) => evaluateCondition(c, scope));
    const met = children.filter((c) => c.truth === 'true').length;
    const open = children.filter((c) => c.truth === 'unknown').length;
    const truth: Truth =
      met >= condition.atLeast ? 'true' : met + open >= condition.atLeast ? 'unknown' : 'false';
    return combine(children, truth, condition.atLeast);
  }
  if ('none' in condition) {
    // An exclusion holds unless a result is known to break it: an exclusion that cannot be checked (no range,
    // no result) never blocks an alert; it is said in the explanation instead. Conservative grading is turned off
    // inside: a censored value that may break the exclusion leaves it unknown, so the exclusion holds.
    const inner = evaluateCondition(condition.none, { ...scope, conservative: false });
    if (inner.truth === 'true') return { ...FALSE, examined: inner.examined };
    const notes =
      inner.truth === 'unknown' ? inner.unanswered.map((u) => `exclusion not checked: ${u.detail}`) : [];
    return { ...FALSE, truth: 'true', examined: inner.examined, checked: inner.examined, notes };
  }
  if ('flag' in condition) {
    return { ...FALSE, truth: scope.flags[condition.flag] === (condition.is ?? true) ? 'true' : 'false' };
  }
  if ('rule' in condition) {
    const target = scope.rulesById.get(condition.rule);
    if (!target) throw new Error(`unknown rule ${condition.rule}`);
    const inner = { ...scope, rule: target };
    return evaluateCondition({ any: target.tiers.map((t) => t.when) }, inner);
  }
  // `signal: ungradable` is about the graded result itself, which therefore takes part when it is true.
  return scope.ungradable.length > 0 ? { ...FALSE, truth: 'true', used: [scope.trigger] } : FALSE;
}

function evaluateLeaf(
  leaf: Extract<ConditionSpec, { analyte: unknown }>,
  scope: ConditionScope,
): ConditionOutcome {
  const candidates: RuleInputResult[] = [];
  for (const analyte of leafAnalytes(leaf)) {
    // The graded result stands alone for its own analyte: an older value of the same analyte never stands in.
    if (analyte === scope.trigger.analyte) candidates.push(scope.trigger);
    else if (scope.pairingDays !== null) {
      const partners = scope.history.within(analyte, scope.trigger, scope.pairingDays);
      candidates.push(...(scope.pick === 'latest' ? partners.slice(0, 1) : partners));
    }
  }
  if (candidates.length === 0) return FALSE;
  const grading: GradingScope = {
    history: scope.history,
    thresholds: scope.rule.thresholds,
    unitThresholds: scope.rule.unitThresholds,
    textCategories: scope.rule.textCategories,
    birthDate: scope.birthDate,
  };
  const graded = candidates.map((result) => ({
    result,
    outcome: gradePredicate(leaf.test, result, grading),
  }));
  const met = graded.filter((g) => g.outcome.truth === 'true');
  if (met.length > 0) {
    const chosen = met.find((g) => g.result === scope.trigger) ?? met[0];
    return {
      truth: 'true',
      used: uniq([chosen.result, ...chosen.outcome.alsoUsed]),
      examined: candidates,
      checked: [],
      unanswered: [],
      notes: chosen.outcome.notes,
      fallbackRange: chosen.outcome.fallbackRange,
      conservative: false,
      cutoff: chosen.outcome.cutoff,
      reference: chosen.outcome.reference,
    };
  }
  // The graded result cannot answer only because it is censored: graded by its worse case, and said so.
  const own = graded.find((g) => g.result === scope.trigger)?.outcome;
  if (
    scope.conservative &&
    own?.truth === 'unknown' &&
    own.unanswered.length > 0 &&
    own.unanswered.every((u) => u.reason === 'censored' && u.resultId === scope.trigger.resultId)
  ) {
    return {
      truth: 'true',
      used: uniq([scope.trigger, ...own.alsoUsed]),
      examined: candidates,
      checked: [],
      unanswered: [],
      notes: [
        ...new Set([
          ...own.unanswered.map((u) => u.assumption ?? `${u.detail}: graded as met (conservative)`),
          ...own.notes,
        ]),
      ],
      fallbackRange: own.fallbackRange,
      conservative: true,
      cutoff: own.cutoff,
      reference: own.reference,
    };
  }
  const open = graded.filter((g) => g.outcome.truth === 'unknown');
  return {
    ...FALSE,
    truth: open.length > 0 ? 'unknown' : 'false',
    examined: candidates,
    unanswered: open.flatMap((g) => g.outcome.unanswered),
  };
}
