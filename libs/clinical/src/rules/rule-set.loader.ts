import cllRuleSetData from './rule-sets/cll.rule-set.json';
import msRuleSetData from './rule-sets/ms.rule-set.json';
import { analyteById, type AnalyteId } from '../analytes/analyte-catalogue';
import { BASELINE_WINDOW_DAYS } from '../context/baseline';
import { unitConversion } from '../units/unit-conversion';
import { type PatientIndication } from '../context/patient-context';
import {
  type ConditionSpec,
  type NumberRef,
  type PredicateSpec,
  type RuleSetSpec,
  type RuleSpec,
  ruleSetSchema,
} from './rule-set.schema';
import { TEMPLATE_PLACEHOLDERS, templatePlaceholders } from './explanation-template';

/** A validated, frozen rule set. Build one with {@link loadRuleSet}; never mutate it. */
export type RuleSet = Readonly<RuleSetSpec>;

/** The rule set for each indication (clinical rules §1.1: the indication selects the rules). */
export type RuleSetsByIndication = Readonly<Record<PatientIndication, RuleSet>>;

export class RuleSetError extends Error {
  constructor(
    readonly ruleSetId: string,
    readonly issues: readonly string[],
  ) {
    super(`rule set ${ruleSetId} is invalid:\n- ${issues.join('\n- ')}`);
    this.name = 'RuleSetError';
  }
}

const DATA_QUALITY_PREDICATES = new Set<PredicateSpec['kind']>([
  'held',
  'basis-unknown',
  'jump',
  'flagged',
  'no-baseline',
]);
/** A unit-system alternative must be the same threshold: within this fraction of the canonical one (KDIGO's
 * 15 mg/mmol is 132.6 mg/g, 12 % under its 150 mg/g twin); anything further is a typo or a wrong unit. */
const UNIT_THRESHOLD_TOLERANCE = 0.2;
const CONSECUTIVE_TESTS = new Set<PredicateSpec['kind']>([
  'value',
  'limit',
  'ordinal',
  'in-range',
  'outside-range',
]);

/**
 * Parses and validates a rule set (the JSON of a `*.rule-set.json` file, or an object built in code) and
 * returns it frozen. Throws {@link RuleSetError} listing every problem: schema errors, then the semantic checks
 * (unique ids, threshold names that exist, rule references without cycles, supersede targets, window tiers,
 * template placeholders, data-quality-only conditions, composites with a pairing window). Call it at start-up:
 * a bad rule set must stop the boot, never half-load.
 */
export function loadRuleSet(raw: unknown): RuleSet {
  const parsed = ruleSetSchema.safeParse(raw);
  const id =
    typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string'
      ? (raw as { id: string }).id
      : '(unnamed)';
  if (!parsed.success) {
    throw new RuleSetError(
      id,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const ruleSet = parsed.data;
  const issues = semanticIssues(ruleSet);
  if (issues.length > 0) throw new RuleSetError(ruleSet.id, issues);
  return deepFreeze(ruleSet);
}

let defaults: RuleSetsByIndication | null = null;

/** The shipped MS and CLL rule sets, validated once and cached. */
export function defaultRuleSets(): RuleSetsByIndication {
  if (!defaults) {
    const ms = loadRuleSet(msRuleSetData);
    const cll = loadRuleSet(cllRuleSetData);
    if (ms.indication !== 'MS' || cll.indication !== 'CLL') {
      throw new RuleSetError('defaults', ['ms/cll rule-set files declare the wrong indication']);
    }
    defaults = Object.freeze({ MS: ms, CLL: cll });
  }
  return defaults;
}

/** Visits every condition of a rule: tiers, then the recovery condition. */
export function ruleConditions(rule: RuleSpec): ConditionSpec[] {
  return [...rule.tiers.map((t) => t.when), ...(rule.recovery ? [rule.recovery.when] : [])];
}

/** Calls `visit` on every node of a condition tree, with whether it sits under a `none` (an exclusion). */
export function walkCondition(
  condition: ConditionSpec,
  visit: (node: ConditionSpec, excluded: boolean) => void,
  excluded = false,
): void {
  visit(condition, excluded);
  if ('all' in condition) condition.all.forEach((c) => walkCondition(c, visit, excluded));
  else if ('any' in condition) condition.any.forEach((c) => walkCondition(c, visit, excluded));
  else if ('atLeast' in condition) condition.of.forEach((c) => walkCondition(c, visit, excluded));
  else if ('none' in condition) walkCondition(condition.none, visit, true);
}

export function leafAnalytes(leaf: { analyte: AnalyteId | AnalyteId[] }): AnalyteId[] {
  return Array.isArray(leaf.analyte) ? leaf.analyte : [leaf.analyte];
}

function semanticIssues(ruleSet: RuleSetSpec): string[] {
  const issues: string[] = [];
  const byId = new Map<string, RuleSpec>();
  for (const rule of ruleSet.rules) {
    if (byId.has(rule.id)) issues.push(`${rule.id}: duplicate rule id`);
    byId.set(rule.id, rule);
  }
  for (const rule of ruleSet.rules) issues.push(...ruleIssues(rule, byId).map((m) => `${rule.id}: ${m}`));
  issues.push(...cycleIssues(ruleSet.rules, byId));
  const lookbacks = baselineLookbacks(ruleSet);
  if (lookbacks.length > 1) {
    issues.push(
      `only one no-baseline test may set the baseline look-back (found in ${lookbacks.map((l) => l.ruleId).join(', ')})`,
    );
  }
  for (const l of lookbacks) {
    if (!Number.isInteger(l.days) || l.days < 1)
      issues.push(`${l.ruleId}: the baseline look-back must be a whole number of days ≥ 1`);
  }
  return issues;
}

function baselineLookbacks(ruleSet: RuleSetSpec): Array<{ ruleId: string; days: number }> {
  const found: Array<{ ruleId: string; days: number }> = [];
  for (const rule of ruleSet.rules) {
    for (const c of ruleConditions(rule)) {
      walkCondition(c, (node) => {
        if (!('analyte' in node) || node.test.kind !== 'no-baseline') return;
        const ref = node.test.lookbackDays;
        const days = typeof ref === 'number' ? ref : rule.thresholds[ref];
        if (days !== undefined) found.push({ ruleId: rule.id, days });
      });
    }
  }
  return found;
}

/**
 * How many days before a course's first infusion its baseline may be (clinical rules §1.2): the rule set's
 * `no-baseline` test says (DQ-2's `lookbackDays`, which a site may set to the REMS's strict 30); without one,
 * the 30-day REMS window.
 */
export function baselineLookbackDays(ruleSet: RuleSetSpec): number {
  return baselineLookbacks(ruleSet)[0]?.days ?? BASELINE_WINDOW_DAYS;
}

function ruleIssues(rule: RuleSpec, byId: ReadonlyMap<string, RuleSpec>): string[] {
  const issues: string[] = [];
  const isDataQuality = rule.kind === 'data-quality';
  if (rule.evaluation === 'not-lab') {
    if (rule.tiers.length > 0 || rule.recovery) issues.push('a not-lab rule has no tiers and no recovery');
    return issues;
  }
  if (rule.tiers.length === 0) issues.push('a lab rule needs at least one tier');

  const tierIds = new Set<string>();
  for (const tier of rule.tiers) {
    if (tierIds.has(tier.id)) issues.push(`duplicate tier ${tier.id}`);
    tierIds.add(tier.id);
    if (tier.emergency && tier.severity !== 'critical')
      issues.push(`tier ${tier.id}: emergency needs critical`);
    if (tier.holds && !isDataQuality) issues.push(`tier ${tier.id}: only data-quality tiers hold a result`);
    if (tier.holds) {
      walkCondition(tier.when, (node) => {
        if ('signal' in node)
          issues.push(`tier ${tier.id}: a holding tier cannot read the ${node.signal} signal`);
      });
    }
  }
  if (rule.alertScope !== 'per-patient' && !isDataQuality)
    issues.push(`alertScope ${rule.alertScope} is for data-quality rules only`);
  for (const name of Object.keys(rule.thresholds)) {
    if (TEMPLATE_PLACEHOLDERS.includes(name))
      issues.push(`threshold name ${name} collides with a placeholder`);
  }

  const checkRef = (ref: NumberRef | undefined, where: string) => {
    if (typeof ref === 'string' && !(ref in rule.thresholds))
      issues.push(`${where}: unknown threshold ${ref}`);
  };
  checkRef(rule.pairingDays, 'pairingDays');

  const analytes = new Set<string>();
  const checkPredicate = (p: PredicateSpec, where: string) => {
    if (DATA_QUALITY_PREDICATES.has(p.kind) && !isDataQuality) {
      issues.push(`${where}: predicate ${p.kind} is for data-quality rules only`);
    }
    switch (p.kind) {
      case 'value':
      case 'ordinal':
      case 'baseline-ratio':
      case 'baseline-value':
      case 'previous-change':
      case 'baseline-change':
        checkRef(p.threshold, where);
        break;
      case 'limit':
        checkRef(p.factor, where);
        break;
      case 'd-dimer-cutoff':
        checkRef(p.multiple, where);
        checkRef(p.cutoffFeu, where);
        checkRef(p.cutoffDdu, where);
        break;
      case 'jump':
        checkRef(p.factor, where);
        checkRef(p.withinDays, where);
        break;
      case 'no-baseline':
        checkRef(p.lookbackDays, where);
        break;
      case 'consecutive':
        if (!CONSECUTIVE_TESTS.has(p.test.kind))
          issues.push(`${where}: consecutive cannot wrap ${p.test.kind}`);
        checkPredicate(p.test, where);
        break;
      case 'text':
        if (!rule.textCategories?.[p.category]) issues.push(`${where}: unknown text category ${p.category}`);
        break;
      default:
        break;
    }
  };

  const checkCondition = (condition: ConditionSpec, where: string) =>
    walkCondition(condition, (node) => {
      if ('analyte' in node) {
        leafAnalytes(node).forEach((a) => analytes.add(a));
        checkPredicate(node.test, where);
      } else if ('atLeast' in node && node.atLeast > node.of.length) {
        issues.push(`${where}: atLeast ${node.atLeast} of ${node.of.length}`);
      } else if ('rule' in node) {
        const target = byId.get(node.rule);
        if (!target) issues.push(`${where}: refers to unknown rule ${node.rule}`);
        else if (target.id === rule.id) issues.push(`${where}: refers to itself`);
        else if (target.kind !== 'breach' || target.evaluation !== 'lab') {
          issues.push(`${where}: may refer only to a lab breach rule (${node.rule})`);
        } else target.tiers.forEach((t) => collectAnalytes(t.when, byId, analytes, new Set([rule.id])));
      } else if ('signal' in node && !isDataQuality) {
        issues.push(`${where}: signal ${node.signal} is for data-quality rules only`);
      }
    });

  for (const tier of rule.tiers) {
    checkCondition(tier.when, `tier ${tier.id}`);
    issues.push(...placeholderIssues(tier.summary, rule, `tier ${tier.id} summary`));
  }
  if (rule.recovery) {
    checkCondition(rule.recovery.when, 'recovery');
    issues.push(...placeholderIssues(rule.recovery.summary, rule, 'recovery summary'));
  }
  for (const adjustment of rule.windows) {
    for (const t of adjustment.tiers ?? []) {
      if (!tierIds.has(t)) issues.push(`window ${adjustment.window}: unknown tier ${t}`);
    }
    if (adjustment.emergency && adjustment.severity !== 'critical') {
      const tiers = rule.tiers.filter((t) => !adjustment.tiers || adjustment.tiers.includes(t.id));
      if (adjustment.severity !== undefined || tiers.some((t) => t.severity !== 'critical')) {
        issues.push(`window ${adjustment.window}: emergency needs critical`);
      }
    }
    issues.push(...placeholderIssues(adjustment.note, rule, `window ${adjustment.window} note`));
  }
  issues.push(...unitThresholdIssues(rule, analytes));
  for (const target of rule.supersedes) {
    if (target === rule.id) issues.push('supersedes itself');
    else if (!byId.has(target)) issues.push(`supersedes unknown rule ${target}`);
  }
  if (rule.pairingDays === undefined && ruleConditions(rule).some((c) => combinesAnalytes(c, byId))) {
    issues.push(`conditions combine ${[...analytes].join(', ')}: a composite needs pairingDays`);
  }
  return issues;
}

/**
 * Each unit-system alternative names an analyte the rule reads, a unit the analyte is accepted in (not its
 * canonical one), thresholds the rule has, and numbers that are the same thresholds within
 * {@link UNIT_THRESHOLD_TOLERANCE} once converted.
 */
function unitThresholdIssues(rule: RuleSpec, analytes: ReadonlySet<string>): string[] {
  const issues: string[] = [];
  const seen = new Set<string>();
  for (const alt of rule.unitThresholds) {
    const where = `unitThresholds ${alt.analyte} ${alt.unit}`;
    if (seen.has(`${alt.analyte}|${alt.unit}`)) issues.push(`${where}: given twice`);
    seen.add(`${alt.analyte}|${alt.unit}`);
    if (!analytes.has(alt.analyte)) issues.push(`${where}: the rule does not read ${alt.analyte}`);
    const analyte = analyteById(alt.analyte);
    if (alt.unit === analyte.canonicalUnit) {
      issues.push(`${where}: ${alt.unit} is the canonical unit`);
      continue;
    }
    const conversion = unitConversion(analyte, alt.unit);
    if (!conversion.ok || conversion.unit !== alt.unit) {
      issues.push(`${where}: not a UCUM unit ${analyte.name} is accepted in`);
      continue;
    }
    for (const [name, value] of Object.entries(alt.thresholds)) {
      const canonical = rule.thresholds[name];
      if (canonical === undefined) {
        issues.push(`${where}: no threshold ${name}`);
        continue;
      }
      const converted = value * conversion.factor;
      if (Math.abs(converted - canonical) > UNIT_THRESHOLD_TOLERANCE * Math.abs(canonical)) {
        issues.push(
          `${where}: ${name} ${value} ${alt.unit} is ${Number(converted.toPrecision(6))} ${analyte.canonicalUnit}, not ${canonical}`,
        );
      }
    }
  }
  return issues;
}

/**
 * Whether a condition needs results of different analytes together (an `all`/`atLeast` whose children read
 * different analytes): such a rule needs a pairing window, or its partners would never be found.
 */
function combinesAnalytes(condition: ConditionSpec, byId: ReadonlyMap<string, RuleSpec>): boolean {
  let combines = false;
  walkCondition(condition, (node) => {
    const children = 'all' in node ? node.all : 'atLeast' in node ? node.of : null;
    if (!children) return;
    const sets = children
      .map((child) => {
        const into = new Set<string>();
        collectAnalytes(child, byId, into, new Set());
        return [...into].sort().join(',');
      })
      .filter((key) => key !== '');
    if (new Set(sets).size > 1) combines = true;
  });
  return combines;
}

function collectAnalytes(
  condition: ConditionSpec,
  byId: ReadonlyMap<string, RuleSpec>,
  into: Set<string>,
  seen: Set<string>,
): void {
  walkCondition(condition, (node) => {
    if ('analyte' in node) leafAnalytes(node).forEach((a) => into.add(a));
    else if ('rule' in node && !seen.has(node.rule)) {
      const target = byId.get(node.rule);
      if (!target) return;
      seen.add(node.rule);
      target.tiers.forEach((t) => collectAnalytes(t.when, byId, into, seen));
    }
  });
}

function placeholderIssues(template: string, rule: RuleSpec, where: string): string[] {
  return templatePlaceholders(template)
    .filter((name) => !TEMPLATE_PLACEHOLDERS.includes(name) && !(name in rule.thresholds))
    .map((name) => `${where}: unknown placeholder {${name}}`);
}

function cycleIssues(rules: readonly RuleSpec[], byId: ReadonlyMap<string, RuleSpec>): string[] {
  const refs = (rule: RuleSpec): string[] => {
    const out: string[] = [];
    for (const c of ruleConditions(rule)) walkCondition(c, (n) => 'rule' in n && out.push(n.rule));
    return out;
  };
  const issues: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      issues.push(`rule references form a cycle: ${[...path, id].join(' → ')}`);
      return;
    }
    state.set(id, 'visiting');
    const rule = byId.get(id);
    if (rule) refs(rule).forEach((next) => visit(next, [...path, id]));
    state.set(id, 'done');
  };
  rules.forEach((r) => visit(r.id, []));
  return issues;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}
