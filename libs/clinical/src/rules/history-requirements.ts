import { type AnalyteId } from '../analytes/analyte-catalogue';
import { addDays, localDay, minDay, startOfDay } from '../courses/calendar';
import { baselineWindow } from '../context/baseline';
import { isGradedStatus } from '../context/result-usability';
import { type EvaluationInput, type RuleSetSelector } from './evaluation-input';
import { resolveNumber } from './result-grading';
import { leafAnalytes, ruleConditions, type RuleSet, walkCondition } from './rule-set.loader';
import { type ConditionSpec, type PredicateSpec } from './rule-set.schema';

/**
 * The stored results one patient's evaluation needs, as three bounded parts of one query:
 * 1. every result of `analytes` observed at or after `since` (composite partners within ±`lookbackDays` of the
 *    earliest new result, and anything newer);
 * 2. per analyte of `latestAnalytes`, the latest `latestPerAnalyte` usable results observed before `since`
 *    (the previous value shown in explanations and read by PLT-2, the previous urine RBC for URBC-2). Only the
 *    analytes of the patient's new results, and the analytes their rules read a sequence of, need one: every
 *    other analyte a rule reads is read within the window (composites) or the baseline windows;
 * 3. every result observed inside `baselineWindows` (30 days before each course start: baselines).
 * "Usable" = status final/corrected/preliminary and quality ok; superseded and retracted rows are left out.
 */
export interface HistoryWindow {
  patientId: string;
  analytes: AnalyteId[];
  since: Date;
  lookbackDays: number;
  latestPerAnalyte: number;
  /** The analytes whose latest values before `since` are needed (a subset of `analytes`). */
  latestAnalytes: AnalyteId[];
  /** Half-open instants `[from, to)` in the site's zone. */
  baselineWindows: Array<{ from: Date; to: Date }>;
}

/** What a rule set asks of history depends on the rule set only: worked out once per (immutable) rule set. */
const requirements = new WeakMap<
  RuleSet,
  {
    analytes: AnalyteId[];
    lookbackDays: number;
    latestPerAnalyte: number;
    sequenceReads: Map<AnalyteId, Set<AnalyteId>>;
  }
>();

function requirementsOf(ruleSet: RuleSet) {
  let found = requirements.get(ruleSet);
  if (!found) {
    found = {
      analytes: historyAnalytes(ruleSet),
      lookbackDays: historyLookbackDays(ruleSet),
      latestPerAnalyte: historyLatestPerAnalyte(ruleSet),
      sequenceReads: sequenceReads(ruleSet),
    };
    requirements.set(ruleSet, found);
  }
  return found;
}

const SEQUENCE_TESTS = new Set(['previous-change', 'consecutive', 'jump']);

/**
 * For each analyte, the analytes whose earlier values the rules it takes part in read as a sequence (previous
 * value, consecutive results, jump), following rule references. Rules that read no sequence add nothing.
 */
function sequenceReads(ruleSet: RuleSet): Map<AnalyteId, Set<AnalyteId>> {
  const byId = new Map(ruleSet.rules.map((r) => [r.id, r] as const));
  const reads = new Map<AnalyteId, Set<AnalyteId>>();
  for (const rule of ruleSet.rules) {
    const leaves = new Set<AnalyteId>();
    const sequences = new Set<AnalyteId>();
    const seen = new Set<string>([rule.id]);
    const visit = (conditions: readonly ConditionSpec[]) => {
      for (const c of conditions) {
        walkCondition(c, (node) => {
          if ('analyte' in node) {
            leafAnalytes(node).forEach((a) => leaves.add(a));
            if (SEQUENCE_TESTS.has(node.test.kind)) leafAnalytes(node).forEach((a) => sequences.add(a));
          } else if ('rule' in node && !seen.has(node.rule)) {
            seen.add(node.rule);
            const target = byId.get(node.rule);
            if (target) visit(ruleConditions(target));
          }
        });
      }
    };
    visit(ruleConditions(rule));
    for (const a of leaves) {
      const set = reads.get(a) ?? new Set<AnalyteId>();
      sequences.forEach((x) => set.add(x));
      reads.set(a, set);
    }
  }
  return reads;
}

/** Every analyte a rule set reads (graded, partners, exclusions, recoveries). */
export function historyAnalytes(ruleSet: RuleSet): AnalyteId[] {
  const out = new Set<AnalyteId>();
  for (const rule of ruleSet.rules) {
    for (const c of ruleConditions(rule)) {
      walkCondition(c, (node) => 'analyte' in node && leafAnalytes(node).forEach((a) => out.add(a)));
    }
  }
  return [...out].sort();
}

function predicates(ruleSet: RuleSet): Array<{ p: PredicateSpec; thresholds: Record<string, number> }> {
  const out: Array<{ p: PredicateSpec; thresholds: Record<string, number> }> = [];
  for (const rule of ruleSet.rules) {
    for (const c of ruleConditions(rule)) {
      walkCondition(c, (node) => {
        if (!('analyte' in node)) return;
        out.push({ p: node.test, thresholds: rule.thresholds });
        if (node.test.kind === 'consecutive') out.push({ p: node.test.test, thresholds: rule.thresholds });
      });
    }
  }
  return out;
}

/** The widest look-back any rule needs around a new result: composite pairing windows and the D-dimer jump window. */
export function historyLookbackDays(ruleSet: RuleSet): number {
  let days = 0;
  for (const rule of ruleSet.rules) {
    if (rule.pairingDays !== undefined)
      days = Math.max(days, resolveNumber(rule.pairingDays, rule.thresholds));
  }
  for (const { p, thresholds } of predicates(ruleSet)) {
    if (p.kind === 'jump') days = Math.max(days, resolveNumber(p.withinDays, thresholds));
  }
  return days;
}

/** How many earlier results per analyte the rules read (URBC-2 reads one; a run of 3 would read two). */
export function historyLatestPerAnalyte(ruleSet: RuleSet): number {
  let count = 1;
  for (const { p } of predicates(ruleSet)) if (p.kind === 'consecutive') count = Math.max(count, p.count - 1);
  return count;
}

/**
 * What history one patient's new results need (see {@link HistoryWindow}); null when none of the results will
 * be graded. Results with a status that is never graded do not widen the window.
 */
export function historyWindowFor(
  input: Pick<EvaluationInput, 'context' | 'results'>,
  ruleSet: RuleSet,
): HistoryWindow | null {
  const { context } = input;
  const days = input.results
    .filter((r) => isGradedStatus(r.status) && r.patientId === context.patientId)
    .map((r) => localDay(r.observedAt, context.timeZone));
  const earliest = minDay(days);
  if (!earliest) return null;
  const { analytes, lookbackDays, latestPerAnalyte, sequenceReads: reads } = requirementsOf(ruleSet);
  const latest = new Set<AnalyteId>();
  for (const r of input.results) {
    if (r.analyte === null || !isGradedStatus(r.status)) continue;
    latest.add(r.analyte);
    reads.get(r.analyte)?.forEach((a) => latest.add(a));
  }
  return {
    patientId: context.patientId,
    analytes: [...analytes],
    since: startOfDay(addDays(earliest, -lookbackDays), context.timeZone),
    lookbackDays,
    latestPerAnalyte,
    latestAnalytes: analytes.filter((a) => latest.has(a)),
    baselineWindows: context.courses.map((course) => {
      const window = baselineWindow(course);
      return {
        from: startOfDay(window.from, context.timeZone),
        to: startOfDay(addDays(window.to, 1), context.timeZone),
      };
    }),
  };
}

/** {@link historyWindowFor} for a whole batch: one entry per patient with gradable results. */
export function historyWindowsFor(
  inputs: ReadonlyArray<Pick<EvaluationInput, 'context' | 'results'>>,
  ruleSets: RuleSetSelector,
): HistoryWindow[] {
  return inputs
    .map((input) =>
      historyWindowFor(
        input,
        typeof ruleSets === 'function' ? ruleSets(input.context) : ruleSets[input.context.indication],
      ),
    )
    .filter((w): w is HistoryWindow => w !== null);
}
