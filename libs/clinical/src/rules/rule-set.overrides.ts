import { type Severity } from '../alerts/alert-decision';
import { loadRuleSet, type RuleSet, RuleSetError } from './rule-set.loader';
import { type RuleSetSpec } from './rule-set.schema';

/**
 * One site's change to one rule:
 * - `thresholds`: new values for named thresholds that the rule already has (canonical units; the same threshold
 *   as written in another unit system, `unitThresholds`, is dropped, so the site's number holds in every unit);
 * - `severity`: the severity of a single-tier rule;
 * - `tiers`: severity/emergency per tier id, for ladders;
 * - `enabled`: switch the rule off (it still serves as a building block of other rules, e.g. CREA-1 in
 *   RENAL-1) or back on.
 */
export interface RuleOverride {
  ruleId: string;
  thresholds?: Record<string, number>;
  severity?: Severity;
  tiers?: Record<string, { severity?: Severity; emergency?: boolean }>;
  enabled?: boolean;
}

const SITE = /^[a-z0-9][a-z0-9.-]*$/i;

/**
 * Applies a site's overrides to a shipped rule set and returns a new, validated rule set whose version names the
 * site (`ms-2026.3` → `ms-2026.3+site-3`); every decision made with it carries that version. Every override
 * must name an existing rule, threshold and tier, with finite numbers; the result is re-validated in full, so
 * an override can never produce a rule set the loader would refuse. Overrides are applied to base rule sets
 * only (not on top of another site's overrides), and the applied list is kept in `site` for audit. A site that
 * changes its overrides should use a new label (`site-3.2`), so the version changes with them.
 */
export function applySiteOverrides(
  ruleSet: RuleSet,
  site: string,
  overrides: readonly RuleOverride[],
): RuleSet {
  const issues: string[] = [];
  if (!SITE.test(site)) issues.push(`site label ${JSON.stringify(site)} must match ${SITE}`);
  if (ruleSet.site || ruleSet.version.includes('+')) {
    issues.push(`${ruleSet.version} already carries site overrides: apply overrides to the base rule set`);
  }
  const copy = JSON.parse(JSON.stringify(ruleSet)) as RuleSetSpec;
  const seen = new Set<string>();
  for (const override of overrides) {
    const rule = copy.rules.find((r) => r.id === override.ruleId);
    const where = `override ${override.ruleId}`;
    if (!rule) {
      issues.push(`${where}: no such rule in ${ruleSet.version}`);
      continue;
    }
    if (seen.has(rule.id)) issues.push(`${where}: the rule is overridden twice`);
    seen.add(rule.id);
    for (const [name, value] of Object.entries(override.thresholds ?? {})) {
      if (!(name in rule.thresholds)) {
        issues.push(
          `${where}: no threshold ${name} (has ${Object.keys(rule.thresholds).join(', ') || 'none'})`,
        );
      } else if (typeof value !== 'number' || !Number.isFinite(value)) {
        issues.push(`${where}: threshold ${name} must be a finite number`);
      } else {
        rule.thresholds[name] = value;
        // The site sets the threshold in the canonical unit; its twin written in another unit system (26.5 µmol/L
        // beside 0.3 mg/dL) no longer says the same thing and is dropped: the site's number applies in every unit.
        for (const alt of rule.unitThresholds) delete alt.thresholds[name];
        rule.unitThresholds = rule.unitThresholds.filter((alt) => Object.keys(alt.thresholds).length > 0);
      }
    }
    if (override.severity !== undefined) {
      if (rule.tiers.length !== 1) {
        issues.push(
          `${where}: severity applies to single-tier rules; use tiers for ${rule.tiers.length} tiers`,
        );
      } else {
        rule.tiers[0].severity = override.severity;
        if (override.severity !== 'critical') rule.tiers[0].emergency = false;
      }
    }
    for (const [tierId, change] of Object.entries(override.tiers ?? {})) {
      const tier = rule.tiers.find((t) => t.id === tierId);
      if (!tier) {
        issues.push(`${where}: no tier ${tierId} (has ${rule.tiers.map((t) => t.id).join(', ')})`);
        continue;
      }
      if (change.severity !== undefined) tier.severity = change.severity;
      if (change.emergency !== undefined) tier.emergency = change.emergency;
      if (tier.severity !== 'critical') {
        if (change.emergency) issues.push(`${where}: tier ${tierId}: emergency needs critical`);
        tier.emergency = false;
      }
    }
    if (override.enabled !== undefined) rule.enabled = override.enabled;
  }
  if (issues.length > 0) throw new RuleSetError(ruleSet.id, issues);
  copy.version = `${ruleSet.version}+${site}`;
  copy.site = { site, baseVersion: ruleSet.version, overrides: JSON.parse(JSON.stringify(overrides)) };
  return loadRuleSet(copy);
}
