import {
  type ConditionSpec,
  leafAnalytes,
  type NumberRef,
  type PredicateSpec,
  type RuleOverride,
  type RuleSet,
  type RuleSpec,
  walkCondition,
} from '@alem/clinical';
import { type ValidationIssue } from '../common/domain.errors';
import { type RuleSetView, type RuleView, type TierView } from './rule-set.dto';

/** The numbers a predicate reads, by name or literal. */
function predicateRefs(p: PredicateSpec): Array<NumberRef | undefined> {
  switch (p.kind) {
    case 'value':
    case 'ordinal':
    case 'baseline-ratio':
    case 'baseline-value':
    case 'previous-change':
    case 'baseline-change':
      return [p.threshold];
    case 'limit':
      return [p.factor];
    case 'd-dimer-cutoff':
      return [p.multiple, p.cutoffFeu, p.cutoffDdu];
    case 'jump':
      return [p.factor, p.withinDays];
    case 'consecutive':
      return predicateRefs(p.test);
    default:
      return [];
  }
}

/** What a tier's condition reads: analytes, named thresholds, patient flags and other rules. */
export function conditionUses(condition: ConditionSpec): TierView['uses'] {
  const analytes = new Set<string>();
  const thresholds = new Set<string>();
  const flags = new Set<string>();
  const rules = new Set<string>();
  walkCondition(condition, (node) => {
    if ('analyte' in node) {
      leafAnalytes(node).forEach((a) => analytes.add(a));
      for (const ref of predicateRefs(node.test)) if (typeof ref === 'string') thresholds.add(ref);
    } else if ('flag' in node) flags.add(node.flag);
    else if ('rule' in node) rules.add(node.rule);
  });
  return {
    analytes: [...analytes].sort(),
    thresholds: [...thresholds].sort(),
    flags: [...flags].sort(),
    rules: [...rules].sort(),
  };
}

function ruleView(rule: RuleSpec, overridden: ReadonlySet<string>): RuleView {
  return {
    id: rule.id,
    title: rule.title,
    evidence: rule.evidence,
    description: rule.description ?? null,
    kind: rule.kind,
    evaluation: rule.evaluation,
    enabled: rule.enabled,
    overridden: overridden.has(rule.id),
    appliesIn: rule.appliesIn ?? null,
    pairingDays: rule.pairingDays ?? null,
    thresholds: { ...rule.thresholds },
    tiers: rule.tiers.map((t) => ({
      id: t.id,
      severity: t.severity,
      emergency: t.emergency,
      summary: t.summary,
      action: t.action ?? null,
      uses: conditionUses(t.when),
    })),
    windows: rule.windows.map((w) => ({
      window: w.window,
      tiers: w.tiers ? [...w.tiers] : null,
      severity: w.severity ?? null,
      emergency: w.emergency ?? null,
      action: w.action ?? null,
      note: w.note,
    })),
    supersedes: [...rule.supersedes],
    limitations: [...rule.limitations],
    action: rule.action,
  };
}

/**
 * A rule set as an admin reads it: every rule with its evidence, severity ladder (each tier with the analytes,
 * named thresholds, flags and rules its condition reads, so one can see what a threshold override changes),
 * thresholds in canonical units, clinical-window adjustments, supersessions and limitations. The condition trees
 * themselves stay in the rule-set files.
 */
export function ruleSetView(ruleSet: RuleSet): RuleSetView {
  const overrides = (ruleSet.site?.overrides ?? []) as RuleOverride[];
  const overridden = new Set(overrides.map((o) => o.ruleId));
  return {
    id: ruleSet.id,
    version: ruleSet.version,
    indication: ruleSet.indication,
    title: ruleSet.title,
    source: ruleSet.source,
    notes: [...ruleSet.notes],
    site: ruleSet.site ? { label: ruleSet.site.site, baseVersion: ruleSet.site.baseVersion } : null,
    rules: ruleSet.rules.map((r) => ruleView(r, overridden)),
  };
}

/**
 * `applySiteOverrides`' issues as validation details: an issue about one override (`override URBC-9: …`) points
 * at that entry of the body (`body.overrides.2`), anything else (the re-validated set) at the whole list.
 */
export function overrideIssues(
  issues: readonly string[],
  overrides: ReadonlyArray<Pick<RuleOverride, 'ruleId'>>,
): ValidationIssue[] {
  return issues.map((message) => {
    const match = /^override (\S+): /.exec(message);
    const same = (o: Pick<RuleOverride, 'ruleId'>) => o.ruleId === match?.[1];
    // "overridden twice" is about the second entry; every other issue about the (first) entry of that rule.
    const index = !match
      ? -1
      : message.endsWith('twice')
        ? overrides.findLastIndex(same)
        : overrides.findIndex(same);
    return { path: index >= 0 ? `body.overrides.${index}` : 'body.overrides', message };
  });
}
