import { type AnalyteId } from '../analytes/analyte-catalogue';
import { addDays, type CalendarDay, localDay, maxDay, minDay, startOfDay } from '../courses/calendar';
import { baselineWindow } from '../context/baseline';
import { isGradedStatus, isUsableResult } from '../context/result-usability';
import { courseStart, currentCourse, type TreatmentCourse } from '../courses/treatment-course';
import { type EvaluationInput, type RuleInputResult, type RuleSetSelector } from './evaluation-input';
import { resolveNumber } from './result-grading';
import {
  baselineLookbackDays,
  leafAnalytes,
  ruleConditions,
  type RuleSet,
  walkCondition,
} from './rule-set.loader';
import { type ConditionSpec, type PredicateSpec } from './rule-set.schema';

/**
 * The stored results one patient's evaluation needs, as three bounded parts of one query:
 * 1. every result of `analytes` observed at or after `since` (composite partners within ±`lookbackDays` of the
 *    earliest new result, and anything newer);
 * 2. per analyte of `latestAnalytes`, the latest `latestPerAnalyte` usable results observed before `since`
 *    (the previous value shown in explanations and read by PLT-2, the previous urine RBC for URBC-2). Only the
 *    analytes of the patient's new results, and the analytes their rules read a sequence of, need one: every
 *    other analyte a rule reads is read within the window (composites) or the baseline windows;
 * 3. every usable result of `baselineAnalytes` inside `baselineWindows` (the look-back before each course start,
 *    180 days by default: the baseline is the latest of them).
 * Only when a baseline is missing, a second, smaller read ({@link standInsFor}): every usable result of the
 * analytes without one inside the `referenceWindows` of their course (since the start of the course in effect,
 * within the look-back before the new results, up to `since`): what stands in for the missing baseline (the lowest
 * value since the course for a rise, the highest for a fall) and what DQ-2 reports.
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
  /** The analytes whose baselines the rules read (a subset of `analytes`). */
  baselineAnalytes: AnalyteId[];
  /** Half-open instants `[from, to)` in the site's zone: the look-back before each course's first infusion. */
  baselineWindows: Array<{ from: Date; to: Date }>;
  /**
   * Half-open instants `[from, to)`: since a course began (within the look-back), up to `since`; with the course's
   * baseline window, to tell whether its baseline is missing.
   */
  referenceWindows: Array<{
    from: Date;
    to: Date;
    /** The analytes whose rise or fall the new results' rules read (their stand-in may be needed). */
    analytes: AnalyteId[];
    baseline: { from: Date; to: Date };
  }>;
}

/** Results of some baseline analytes of one patient in `[from, to)`: the stand-in for a missing baseline. */
export interface StandInWindow {
  patientId: string;
  analytes: AnalyteId[];
  from: Date;
  to: Date;
}

/**
 * The second read of the history: for each course in effect whose baseline of a baseline analyte is not among the
 * rows `loaded` by the first (the baseline windows), the window of its stand-in. Empty when every baseline is
 * there, as in steady state: then nothing more is read.
 */
export function standInsFor(window: HistoryWindow, loaded: readonly RuleInputResult[]): StandInWindow[] {
  const out: StandInWindow[] = [];
  for (const reference of window.referenceWindows) {
    const { from, to } = reference.baseline;
    const missing = reference.analytes.filter(
      (analyte) =>
        !loaded.some(
          (r) =>
            r.patientId === window.patientId &&
            r.analyte === analyte &&
            isUsableResult(r) &&
            r.observedAt >= from &&
            r.observedAt < to,
        ),
    );
    if (missing.length > 0) {
      out.push({ patientId: window.patientId, analytes: missing, from: reference.from, to: reference.to });
    }
  }
  return out;
}

/** What a rule set asks of history depends on the rule set only: worked out once per (immutable) rule set. */
const requirements = new WeakMap<
  RuleSet,
  {
    analytes: AnalyteId[];
    lookbackDays: number;
    latestPerAnalyte: number;
    sequenceReads: Map<AnalyteId, Set<AnalyteId>>;
    standInReads: Map<AnalyteId, Set<AnalyteId>>;
    baselineAnalytes: AnalyteId[];
    baselineLookbackDays: number;
  }
>();

function requirementsOf(ruleSet: RuleSet) {
  let found = requirements.get(ruleSet);
  if (!found) {
    found = {
      analytes: historyAnalytes(ruleSet),
      lookbackDays: historyLookbackDays(ruleSet),
      latestPerAnalyte: historyLatestPerAnalyte(ruleSet),
      sequenceReads: analyteReads(ruleSet, SEQUENCE_TESTS),
      standInReads: analyteReads(ruleSet, STAND_IN_TESTS, true),
      baselineAnalytes: historyBaselineAnalytes(ruleSet),
      baselineLookbackDays: baselineLookbackDays(ruleSet),
    };
    requirements.set(ruleSet, found);
  }
  return found;
}

const BASELINE_TESTS = new Set(['baseline-change', 'baseline-ratio', 'baseline-value', 'no-baseline']);

/** The analytes whose baseline a rule reads (baseline tests, multiples of an abnormal baseline, DQ-2). */
export function historyBaselineAnalytes(ruleSet: RuleSet): AnalyteId[] {
  const out = new Set<AnalyteId>();
  for (const rule of ruleSet.rules) {
    for (const c of ruleConditions(rule)) {
      walkCondition(c, (node) => {
        if (!('analyte' in node)) return;
        const test = node.test.kind === 'consecutive' ? node.test.test : node.test;
        if (BASELINE_TESTS.has(test.kind) || (test.kind === 'limit' && test.baselineIfAbnormal))
          leafAnalytes(node).forEach((a) => out.add(a));
      });
    }
  }
  return [...out].sort();
}

const SEQUENCE_TESTS = new Set<PredicateSpec['kind']>(['previous-change', 'consecutive', 'jump']);
/** Tests that read a rise or fall from the baseline, or its absence (DQ-2's summary reads the stand-in). */
const STAND_IN_TESTS = new Set<PredicateSpec['kind']>(['baseline-change', 'baseline-ratio', 'no-baseline']);

/**
 * For each analyte, the analytes that the rules it takes part in read with one of `tests`, following rule
 * references: with SEQUENCE_TESTS, whose earlier values are read as a sequence (previous value, consecutive
 * results, jump); with STAND_IN_TESTS, whose rise or fall from a baseline is read (and so, without a baseline, the
 * stand-in). Rules that read none add nothing.
 */
function analyteReads(
  ruleSet: RuleSet,
  tests: ReadonlySet<PredicateSpec['kind']>,
  ownWithoutPartners = false,
): Map<AnalyteId, Set<AnalyteId>> {
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
            if (tests.has(node.test.kind)) leafAnalytes(node).forEach((a) => sequences.add(a));
          } else if ('rule' in node && !seen.has(node.rule)) {
            seen.add(node.rule);
            const target = byId.get(node.rule);
            if (target) visit(ruleConditions(target));
          }
        });
      }
    };
    visit(ruleConditions(rule));
    // Without a pairing window a rule reads no partner: a result's own analyte only (DQ-2 lists five analytes,
    // each result reads its own baseline).
    const own = ownWithoutPartners && rule.pairingDays === undefined;
    for (const a of leaves) {
      const set = reads.get(a) ?? new Set<AnalyteId>();
      if (own) {
        if (sequences.has(a)) set.add(a);
      } else sequences.forEach((x) => set.add(x));
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
  const graded = input.results.filter((r) => isGradedStatus(r.status) && r.patientId === context.patientId);
  const days = graded.map((r) => localDay(r.observedAt, context.timeZone));
  const earliest = minDay(days);
  if (!earliest) return null;
  const {
    analytes,
    lookbackDays,
    latestPerAnalyte,
    sequenceReads: reads,
    standInReads,
    baselineAnalytes,
    baselineLookbackDays: baselineDays,
  } = requirementsOf(ruleSet);
  const since = startOfDay(addDays(earliest, -lookbackDays), context.timeZone);
  const latest = new Set<AnalyteId>();
  for (const r of input.results) {
    if (r.analyte === null || !isGradedStatus(r.status)) continue;
    latest.add(r.analyte);
    reads.get(r.analyte)?.forEach((a) => latest.add(a));
  }
  // Per course in effect on a new result's day: from its start (or the look-back before the earliest such
  // result, if later) up to `since` (results from `since` on are part 1 already), for the analytes whose rise or
  // fall from a baseline the new results' rules read.
  const referenceFrom = new Map<
    number,
    { from: CalendarDay; course: TreatmentCourse; analytes: Set<AnalyteId> }
  >();
  for (const [i, r] of graded.entries()) {
    const wanted = r.analyte === null ? undefined : standInReads.get(r.analyte);
    if (!wanted || wanted.size === 0) continue;
    const day = days[i];
    const course = currentCourse(day, context.courses);
    if (!course) continue;
    const from = maxDay([courseStart(course), addDays(day, -baselineDays)])!;
    const known = referenceFrom.get(course.courseNumber);
    const entry = known ?? { from, course, analytes: new Set<AnalyteId>() };
    if (from < entry.from) entry.from = from;
    wanted.forEach((a) => entry.analytes.add(a));
    referenceFrom.set(course.courseNumber, entry);
  }
  const instants = (window: { from: CalendarDay; to: CalendarDay }) => ({
    from: startOfDay(window.from, context.timeZone),
    to: startOfDay(addDays(window.to, 1), context.timeZone),
  });
  return {
    patientId: context.patientId,
    analytes: [...analytes],
    since,
    lookbackDays,
    latestPerAnalyte,
    latestAnalytes: analytes.filter((a) => latest.has(a)),
    baselineAnalytes: [...baselineAnalytes],
    baselineWindows: context.courses.map((course) => instants(baselineWindow(course, baselineDays))),
    referenceWindows: [...referenceFrom.values()]
      .map(({ from, course, analytes: standIns }) => ({
        from: startOfDay(from, context.timeZone),
        to: since,
        analytes: [...standIns].sort(),
        baseline: instants(baselineWindow(course, baselineDays)),
      }))
      .filter((w) => w.from < w.to),
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
