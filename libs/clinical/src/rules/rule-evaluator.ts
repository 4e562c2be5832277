import { isValidTimeZone } from '../courses/calendar';
import { type AnalyteId } from '../analytes/analyte-catalogue';
import { type AlertDecision, severityRank, type Severity } from '../alerts/alert-decision';
import { BASELINE_WINDOW_DAYS, type BaselineReference } from '../context/baseline';
import { type ClinicalWindowId, clinicalWindowsOn } from '../context/clinical-windows';
import { patientFlags, type PatientContext } from '../context/patient-context';
import { isGradedStatus } from '../context/result-usability';
import { daysSinceLastInfusion } from '../courses/treatment-course';
import { type ConditionOutcome, type ConditionScope, evaluateCondition } from './condition-evaluator';
import { describeValue, explainedValue, placeholderValues } from './decision-explanation';
import {
  type EvaluationInput,
  type EvaluationOutput,
  type HeldForReview,
  type RecoveryObservation,
  type RuleInputResult,
  type RuleSetSelector,
  type SkippedResult,
} from './evaluation-input';
import { renderTemplate } from './explanation-template';
import { PatientHistory } from './patient-history';
import { resolveNumber } from './result-grading';
import {
  baselineLookbackDays,
  defaultRuleSets,
  leafAnalytes,
  type RuleSet,
  walkCondition,
} from './rule-set.loader';
import {
  type ConditionSpec,
  type RuleSpec,
  type TierSpec,
  type WindowAdjustmentSpec,
} from './rule-set.schema';

/**
 * Grades a batch of new results, patient by patient, against each patient's rule set (chosen by indication),
 * clinical context and history. Pure: no I/O, no clock; the same input gives the same output.
 *
 * Per new result, in the order given:
 * - `deleted` / `not-obtainable` results, unmapped or unwatched codes are skipped (listed in `skipped`);
 * - a `held` result is seen only by data-quality rules (DD-4 for D-dimer, DQ-1 otherwise), never graded; so is
 *   a result that a data-quality tier marked `holds` puts on hold for review (DD-4: an implausible jump) until a
 *   reviewer releases it (`released`), after which it is graded like any other and never held again;
 * - baselines are the most recent usable pre-course value within the rule set's look-back (DQ-2's
 *   `lookbackDays`); without one, a rise is judged against the lowest and a fall against the highest value since
 *   the course began, and DQ-2 says so once per course and analyte;
 * - otherwise every enabled rule that reads the analyte is evaluated; a rule yields at most one decision per
 *   result, at the severity of the worst tier met after window adjustments (`W0-60` downgrades PLT-3 …);
 * - a decision suppresses the decisions of the rules it `supersedes` for the same result when it is at least as
 *   severe (PLT-4 over PLT-3: one value, one page);
 * - a censored value (`<30`) that straddles a cut-off is graded by its worse case for tiers of warning or above,
 *   and the decision says so in its notes (never for exclusions or recoveries, see `ConditionScope.conservative`);
 * - rules that could not grade the result at warning or above (no range, unreadable value) raise one DQ-1
 *   data-quality decision;
 * - rules that did not fire and whose recovery condition holds report a recovery.
 * The result then joins the patient's history, so later results in the same batch see it.
 *
 * Site overrides are applied once, ahead of time, with `applySiteOverrides`; pass the resulting rule sets here
 * (a function selector can pick a site's set per patient).
 */
export function evaluateBatch(
  inputs: readonly EvaluationInput[],
  ruleSets: RuleSetSelector = defaultRuleSets(),
): EvaluationOutput {
  const output: EvaluationOutput = { decisions: [], recoveries: [], skipped: [], held: [] };
  for (const input of inputs) {
    const ruleSet =
      typeof ruleSets === 'function' ? ruleSets(input.context) : ruleSets[input.context.indication];
    const one = evaluatePatient(input, ruleSet);
    output.decisions.push(...one.decisions);
    output.recoveries.push(...one.recoveries);
    output.skipped.push(...one.skipped);
    output.held.push(...one.held);
  }
  return output;
}

/** {@link evaluateBatch} for one patient and an explicit rule set. */
export function evaluatePatient(input: EvaluationInput, ruleSet: RuleSet): EvaluationOutput {
  const { context } = input;
  const output: EvaluationOutput = { decisions: [], recoveries: [], skipped: [], held: [] };
  const contextProblem = checkContext(context);
  if (contextProblem) {
    for (const r of input.results) {
      output.skipped.push({
        patientId: context.patientId,
        resultId: r.resultId,
        reason: 'invalid-context',
        detail: contextProblem,
      });
    }
    return output;
  }
  const compiled = compile(ruleSet);
  const newIds = new Set(input.results.map((r) => r.resultId));
  const history = new PatientHistory(
    context,
    input.history.filter((h) => h.patientId === context.patientId && !newIds.has(h.resultId)),
    compiled.baselineLookbackDays,
  );
  const open = input.openAlertRuleIds ? new Set(input.openAlertRuleIds) : null;
  const seen = new Set<string>();

  for (const result of input.results) {
    if (seen.has(result.resultId)) continue;
    seen.add(result.resultId);
    const skip = skipReason(result, context);
    if (skip) {
      output.skipped.push({ patientId: context.patientId, resultId: result.resultId, reason: skip });
      continue;
    }
    // Recoveries matter only for rules with an open alert (known open, or fired earlier in this batch).
    const graded = gradeResult(result, context, history, compiled, (ruleId) => !open || open.has(ruleId));
    output.decisions.push(...graded.decisions);
    for (const d of graded.decisions) open?.add(d.ruleId);
    output.recoveries.push(...graded.recoveries);
    if (graded.held) output.held.push(graded.held);
    history.add(result);
  }
  return output;
}

function checkContext(context: PatientContext): string | null {
  if (!isValidTimeZone(context.timeZone)) return `invalid time zone ${JSON.stringify(context.timeZone)}`;
  const empty = context.courses.find((c) => c.infusionDays.length === 0);
  if (empty) return `course ${empty.courseNumber} has no infusion days`;
  return null;
}

function skipReason(result: RuleInputResult, context: PatientContext): SkippedResult['reason'] | null {
  if (result.patientId !== context.patientId) return 'patient-mismatch';
  if (result.status === 'deleted') return 'status-deleted';
  if (result.status === 'not-obtainable') return 'status-not-obtainable';
  if (!isGradedStatus(result.status)) return 'status-unknown';
  if (result.quality === 'unmapped') return 'quality-unmapped';
  if (result.quality === 'not-watched') return 'quality-not-watched';
  if (result.analyte === null) return 'no-analyte';
  return null;
}

interface CompiledRule {
  rule: RuleSpec;
  order: number;
  /** Analytes whose results trigger the rule (positive leaves, through rule references); `all` for signals. */
  triggers: ReadonlySet<AnalyteId> | 'all';
  pairingDays: number | null;
}

interface CompiledRuleSet {
  ruleSet: RuleSet;
  rules: CompiledRule[];
  byId: ReadonlyMap<string, RuleSpec>;
  /** The rules an analyte's result can trigger, in rule-set order (signal rules under every analyte). */
  byTrigger: ReadonlyMap<AnalyteId, CompiledRule[]>;
  /** The windows this rule set speaks of (plus the two treatment clocks), reported in explanations. */
  windows: ReadonlySet<ClinicalWindowId>;
  /** Days before a course its baseline may lie (see `baselineLookbackDays`). */
  baselineLookbackDays: number;
}

const compiledCache = new WeakMap<RuleSet, CompiledRuleSet>();

function compile(ruleSet: RuleSet): CompiledRuleSet {
  const cached = compiledCache.get(ruleSet);
  if (cached) return cached;
  const byId = new Map(ruleSet.rules.map((r) => [r.id, r] as const));
  const rules = ruleSet.rules.map((rule, order) => ({
    rule,
    order,
    triggers: triggerAnalytes(
      rule.tiers.map((t) => t.when),
      byId,
    ),
    pairingDays: rule.pairingDays === undefined ? null : resolveNumber(rule.pairingDays, rule.thresholds),
  }));
  const windows = new Set<ClinicalWindowId>(['W0-3', 'W0-60']);
  for (const rule of ruleSet.rules) {
    if (rule.appliesIn) windows.add(rule.appliesIn);
    rule.windows.forEach((w) => windows.add(w.window));
  }
  const byTrigger = new Map<AnalyteId, CompiledRule[]>();
  const analytes = new Set<AnalyteId>();
  for (const c of rules) if (c.triggers !== 'all') c.triggers.forEach((a) => analytes.add(a));
  for (const analyte of analytes) {
    byTrigger.set(
      analyte,
      rules.filter((c) => c.triggers === 'all' || c.triggers.has(analyte)),
    );
  }
  const result = {
    ruleSet,
    rules,
    byId,
    byTrigger,
    windows,
    baselineLookbackDays: baselineLookbackDays(ruleSet),
  };
  compiledCache.set(ruleSet, result);
  return result;
}

/** Analytes of a rule's positive leaves (exclusions never trigger a rule). */
function triggerAnalytes(
  conditions: readonly ConditionSpec[],
  byId: ReadonlyMap<string, RuleSpec>,
  seen: Set<string> = new Set(),
): Set<AnalyteId> | 'all' {
  const out = new Set<AnalyteId>();
  let all = false;
  for (const condition of conditions) {
    walkCondition(condition, (node, excluded) => {
      if (excluded) return;
      if ('analyte' in node) leafAnalytes(node).forEach((a) => out.add(a));
      else if ('signal' in node) all = true;
      else if ('rule' in node && !seen.has(node.rule)) {
        seen.add(node.rule);
        const target = byId.get(node.rule);
        const inner = target
          ? triggerAnalytes(
              target.tiers.map((t) => t.when),
              byId,
              seen,
            )
          : new Set<AnalyteId>();
        if (inner === 'all') all = true;
        else inner.forEach((a) => out.add(a));
      }
    });
  }
  return all ? 'all' : out;
}

interface TierEvaluation {
  tier: TierSpec;
  severity: Severity;
  emergency: boolean;
  rank: number;
  adjustments: WindowAdjustmentSpec[];
  outcome: ConditionOutcome;
  met: boolean;
}

interface Fired {
  compiled: CompiledRule;
  decision: AlertDecision;
  rank: number;
}

const UNGRADABLE_REASONS = new Set(['no-limit', 'unreadable', 'censored']);
const WARNING_RANK = severityRank('warning');

function gradeResult(
  result: RuleInputResult,
  context: PatientContext,
  history: PatientHistory,
  compiled: CompiledRuleSet,
  recoveryWanted: (ruleId: string) => boolean,
): { decisions: AlertDecision[]; recoveries: RecoveryObservation[]; held: HeldForReview | null } {
  const day = history.day(result);
  const activeWindows = clinicalWindowsOn(day, context.courses).filter((w) => compiled.windows.has(w));
  const sinceInfusion = daysSinceLastInfusion(day, context.courses);
  const flags = patientFlags(context);
  const fired: Fired[] = [];
  const ungradable: string[] = [];

  const scopeFor = (c: CompiledRule, pick: 'any' | 'latest'): ConditionScope => ({
    rule: c.rule,
    rulesById: compiled.byId,
    pairingDays: c.pairingDays,
    pick,
    conservative: false,
    trigger: result,
    history,
    flags,
    birthDate: context.birthDate,
    ungradable,
  });

  const applicable = (c: CompiledRule) =>
    c.rule.enabled &&
    c.rule.evaluation === 'lab' &&
    result.analyte !== null &&
    (c.triggers === 'all' || c.triggers.has(result.analyte)) &&
    (!c.rule.appliesIn || activeWindows.includes(c.rule.appliesIn));

  const evaluateRule = (c: CompiledRule): TierEvaluation[] => {
    const scope = scopeFor(c, 'any');
    return c.rule.tiers.map((tier) => {
      const adjustments = c.rule.windows.filter(
        (w) => activeWindows.includes(w.window) && (!w.tiers || w.tiers.includes(tier.id)),
      );
      let severity = tier.severity;
      let emergency = tier.emergency;
      for (const w of adjustments) {
        if (w.severity) severity = w.severity;
        if (w.emergency !== undefined) emergency = w.emergency;
      }
      if (severity !== 'critical') emergency = false;
      const rank = severityRank(severity, emergency);
      // A censored value is graded by its worse case for the tiers DQ-1 would otherwise report as blocked
      // (warning or worse); an info tier it cannot answer stays unanswered, as before.
      const outcome = evaluateCondition(tier.when, { ...scope, conservative: rank >= WARNING_RANK });
      // A tier is met only when the graded result itself took part: an old partner value alone never re-fires.
      // A released result is never held again.
      const met =
        outcome.truth === 'true' &&
        outcome.used.some((u) => u.resultId === result.resultId) &&
        !(tier.holds && result.released);
      return {
        tier,
        severity,
        emergency,
        rank,
        adjustments,
        outcome,
        met,
      };
    });
  };

  // Breach rules first (a held result is never graded), then data-quality rules, which read `ungradable`.
  const candidates =
    result.analyte === null
      ? []
      : (compiled.byTrigger.get(result.analyte) ?? compiled.rules.filter((c) => c.triggers === 'all'));
  const dataQuality = candidates.filter((c) => c.rule.kind === 'data-quality' && applicable(c));
  // Holding tiers first: a result on hold for review (DD-4's implausible jump) is graded by no breach rule.
  const evaluated = new Map<CompiledRule, TierEvaluation[]>();
  for (const c of dataQuality) {
    if (c.rule.tiers.some((t) => t.holds)) evaluated.set(c, evaluateRule(c));
  }
  const heldForReview = [...evaluated.values()].some((tiers) => tiers.some((t) => t.met && t.tier.holds));
  const held = result.quality === 'held' || heldForReview;
  const breach = held ? [] : candidates.filter((c) => c.rule.kind === 'breach' && applicable(c));
  for (const c of [...breach, ...dataQuality]) {
    const tiers = evaluated.get(c) ?? evaluateRule(c);
    // The worst tier met; among equals a holding tier, so a held result's decision says that it is held, then a
    // tier met for certain over one met only conservatively, then the later of two conservative ones (the worse
    // step of the ladder: `<60` is PLT-3's lt-50, not its 50–100 band).
    const best = tiers
      .filter((t) => t.met)
      .reduce<TierEvaluation | null>((a, t) => (!a || outranks(t, a) ? t : a), null);
    if (best) fired.push({ compiled: c, rank: best.rank, decision: decide(c, best, tiers) });
    if (c.rule.kind === 'breach') {
      const blocked = blockedTiers(tiers, best?.rank ?? -1, result.resultId);
      if (blocked) ungradable.push(`${c.rule.id} (${blocked})`);
    }
  }

  function decide(c: CompiledRule, best: TierEvaluation, tiers: TierEvaluation[]): AlertDecision {
    const { rule } = c;
    const supporting = [...best.outcome.used, ...best.outcome.checked].filter(
      (r, i, all) => r.resultId !== result.resultId && all.findIndex((x) => x.resultId === r.resultId) === i,
    );
    const window: ClinicalWindowId | null = best.adjustments[0]?.window ?? rule.appliesIn ?? null;
    const reference = best.outcome.reference ?? history.reference(result, 'baseline');
    const values = placeholderValues({
      trigger: result,
      supporting,
      history,
      thresholds: rule.thresholds,
      window,
      daysSinceLastInfusion: sinceInfusion,
      cutoff: best.outcome.cutoff,
      blocked: ungradable.length > 0 ? ungradable.join('; ') : null,
      reference,
      templates: [best.tier.summary, ...best.adjustments.map((w) => w.note)],
    });
    const windowNote = best.adjustments.map((w) => renderTemplate(w.note, values)).join(' ') || null;
    const action =
      [...best.adjustments].reverse().find((w) => w.action)?.action ?? best.tier.action ?? rule.action;
    const notes = [...best.outcome.notes];
    if (result.derivation) notes.push(result.derivation.text);
    for (const r of supporting) if (r.derivation) notes.push(r.derivation.text);
    if (best.outcome.fallbackRange) notes.push('reference range: catalogue fallback (the lab sent none)');
    if (result.status === 'preliminary')
      notes.push('preliminary result: graded now, the final will be graded again');
    if (result.released) notes.push('released from a data-quality hold by a reviewer, then graded');
    for (const flag of result.qualityFlags ?? []) {
      if (flag !== 'derived') notes.push(`normaliser flag: ${flag}`);
    }
    if (best.outcome.reference) notes.push(baselineNote(best.outcome.reference, history));
    const alsoMet = tiers.filter((t) => t.met && t !== best).map((t) => t.tier.id);
    if (alsoMet.length > 0) notes.push(`also met: ${alsoMet.join(', ')}`);
    const previous = history.previous(result)[0] ?? null;
    const course = history.course(result);
    const scope =
      rule.alertScope === 'once-per-course-and-analyte' && course
        ? { dedupScope: `course-${course.courseNumber}|${result.analyte}`, once: true }
        : {};
    return {
      patientId: context.patientId,
      ruleId: rule.id,
      kind: rule.kind,
      severity: best.severity,
      emergency: best.emergency,
      resultIds: [result.resultId, ...supporting.map((r) => r.resultId)],
      ...scope,
      explanation: {
        ruleId: rule.id,
        title: rule.title,
        evidence: rule.evidence,
        summary: renderTemplate(best.tier.summary, values),
        action,
        values: [explainedValue(result), ...supporting.map(explainedValue)],
        baseline: reference ? explainedValue(reference.result) : null,
        ...(reference
          ? {
              baselineSource: {
                source: reference.source,
                courseNumber: reference.courseNumber,
                daysBeforeCourse: reference.daysBeforeCourse,
                lookbackDays: reference.lookbackDays,
              },
            }
          : {}),
        previous: previous ? explainedValue(previous) : null,
        daysSinceLastInfusion: sinceInfusion,
        window,
        ruleSetVersion: compiled.ruleSet.version,
        tier: best.tier.id,
        windowNote,
        activeWindows,
        rangeFallback: best.outcome.fallbackRange,
        notes,
        thresholds: { ...rule.thresholds },
        supersededRuleIds: [],
      },
    };
  }

  // One value, one page: a decision hides the decisions of the rules it supersedes for this result, unless the
  // superseded one is graver (an emergency flag is never hidden behind a plain critical).
  const hidden = new Set<Fired>();
  for (const f of fired) {
    for (const other of fired) {
      if (
        other !== f &&
        f.compiled.rule.supersedes.includes(other.compiled.rule.id) &&
        f.rank >= other.rank
      ) {
        hidden.add(other);
        f.decision.explanation.supersededRuleIds!.push(other.compiled.rule.id);
      }
    }
  }
  const decisions = fired
    .filter((f) => !hidden.has(f))
    .sort((a, b) => a.compiled.order - b.compiled.order)
    .map((f) => f.decision);

  const recoveries: RecoveryObservation[] = [];
  if (!held) {
    const firedIds = new Set(fired.map((f) => f.compiled.rule.id));
    for (const c of candidates) {
      const recovery = c.rule.recovery;
      if (!recovery || c.rule.kind !== 'breach' || firedIds.has(c.rule.id)) continue;
      if (!recoveryWanted(c.rule.id) || !applicable(c)) continue;
      const outcome = evaluateCondition(recovery.when, scopeFor(c, 'latest'));
      if (outcome.truth !== 'true' || !outcome.used.some((u) => u.resultId === result.resultId)) continue;
      const values = placeholderValues({
        trigger: result,
        supporting: outcome.used.filter((r) => r.resultId !== result.resultId),
        history,
        thresholds: c.rule.thresholds,
        window: null,
        daysSinceLastInfusion: sinceInfusion,
        cutoff: outcome.cutoff,
        blocked: null,
        reference: outcome.reference ?? history.reference(result, 'baseline'),
        templates: [recovery.summary],
      });
      recoveries.push({
        patientId: context.patientId,
        ruleId: c.rule.id,
        resultId: result.resultId,
        analyte: result.analyte!,
        observedAt: result.observedAt.toISOString(),
        summary: renderTemplate(recovery.summary, values),
        ruleSetVersion: compiled.ruleSet.version,
      });
    }
  }
  let heldEntry: HeldForReview | null = null;
  if (heldForReview) {
    const holding = fired.find((f) =>
      f.compiled.rule.tiers.some((t) => t.holds && t.id === f.decision.explanation.tier),
    );
    if (holding) {
      heldEntry = {
        patientId: context.patientId,
        resultId: result.resultId,
        ruleId: holding.decision.ruleId,
        tier: holding.decision.explanation.tier ?? '',
        reason: holding.decision.explanation.summary,
      };
    }
  }
  return { decisions, recoveries, held: heldEntry };
}

/** Whether a met tier `t`, later in the ladder than `a`, decides the rule's severity instead of it. */
function outranks(t: TierEvaluation, a: TierEvaluation): boolean {
  if (t.rank !== a.rank) return t.rank > a.rank;
  if (Boolean(t.tier.holds) !== Boolean(a.tier.holds)) return Boolean(t.tier.holds);
  return a.outcome.conservative;
}

/** How old the baseline a decision used is, or what stood in for it (clinical rules §1.2). */
function baselineNote(reference: BaselineReference<RuleInputResult>, history: PatientHistory): string {
  const value = `${describeValue(reference.result)} on ${history.day(reference.result)}`;
  if (reference.source === 'pre-course') {
    const days = reference.daysBeforeCourse ?? 0;
    const old =
      days > BASELINE_WINDOW_DAYS
        ? ` (older than the REMS's ${BASELINE_WINDOW_DAYS} days: the most recent pre-course value within ${reference.lookbackDays} days)`
        : '';
    return `baseline ${value}, ${days} day${days === 1 ? '' : 's'} before course ${reference.courseNumber}${old}`;
  }
  const which = reference.source === 'post-course-lowest' ? 'lowest' : 'highest';
  return `no baseline within ${reference.lookbackDays} days before course ${reference.courseNumber}: judged against the ${which} value since the course began, ${value} (DQ-2)`;
}

/**
 * The tiers of a rule that could not be graded because of the graded result itself (no range, unreadable; a
 * censored value only where conservative grading could not take the worse case), that would have been warning or
 * worse, and that are worse than what the rule did decide. A tier met conservatively is met, not blocked.
 */
function blockedTiers(tiers: readonly TierEvaluation[], firedRank: number, resultId: string): string | null {
  const parts: string[] = [];
  for (const t of tiers) {
    if (t.outcome.truth !== 'unknown' || t.rank < WARNING_RANK || t.rank <= firedRank) continue;
    const reasons = t.outcome.unanswered.filter(
      (u) => u.resultId === resultId && UNGRADABLE_REASONS.has(u.reason),
    );
    if (reasons.length === 0) continue;
    const level = `${t.severity}${t.emergency ? ' + emergency' : ''}`;
    parts.push(`${t.tier.id}, ${level}: ${[...new Set(reasons.map((r) => r.detail))].join(', ')}`);
  }
  return parts.length > 0 ? parts.join('; ') : null;
}
