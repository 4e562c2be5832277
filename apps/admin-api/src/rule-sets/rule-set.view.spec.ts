import { applySiteOverrides, defaultRuleSets, RuleSetError, siteOverrideLabel } from '@alem/clinical';
import { createRuleOverridesSchema, ruleOverrideSchema } from './rule-set.dto';
import { conditionUses, overrideIssues, ruleSetView } from './rule-set.view';

const ms = () => defaultRuleSets().MS;
const rule = (view: ReturnType<typeof ruleSetView>, id: string) => view.rules.find((r) => r.id === id)!;

describe('rule sets as an admin reads them', () => {
  it('lists every rule with its evidence, ladder, thresholds and clinical-window adjustments', () => {
    const view = ruleSetView(ms());
    expect(view).toMatchObject({ id: 'ms', version: 'ms-2026.3', indication: 'MS', site: null });
    expect(view.rules).toHaveLength(ms().rules.length);
    expect(rule(view, 'PLT-3')).toMatchObject({
      title: 'Platelets below 100 ×10⁹/L (ITP cut-off)',
      evidence: expect.stringContaining('[G]'),
      enabled: true,
      overridden: false,
      thresholds: { itp: 100, floor: 50 },
      tiers: [
        {
          id: 'lt-100',
          severity: 'critical',
          emergency: false,
          uses: { analytes: ['platelets'], thresholds: ['floor', 'itp'], flags: [], rules: [] },
        },
        { id: 'lt-50', severity: 'critical', uses: { thresholds: ['floor'] } },
      ],
      windows: [{ window: 'W0-60', tiers: ['lt-100'], severity: 'warning', emergency: null }],
    });
    // Not-lab rules are listed too (visible and versioned).
    expect(rule(view, 'VASC-0')).toMatchObject({ evaluation: 'not-lab', tiers: [] });
  });

  it('names the flags and rules a tier reads', () => {
    const tsh3 = ms().rules.find((r) => r.id === 'TSH-3')!;
    expect(conditionUses(tsh3.tiers[0]!.when)).toEqual({
      analytes: ['ft3', 'ft4', 'trab', 'tsh'],
      thresholds: [],
      flags: ['pregnant'],
      rules: [],
    });
    const renal = ms().rules.find((r) => r.id === 'RENAL-1')!;
    expect(conditionUses(renal.tiers[0]!.when).rules).toEqual(['CREA-1']);
  });

  it('shows a site’s set with its label, the overridden values and which rules changed', () => {
    const set = applySiteOverrides(ms(), siteOverrideLabel('brno', 2), [
      { ruleId: 'URBC-1', severity: 'critical' },
      { ruleId: 'PLT-3', thresholds: { itp: 120 } },
    ]);
    const view = ruleSetView(set);
    expect(view.version).toBe('ms-2026.3+brno.v2');
    expect(view.site).toEqual({ label: 'brno.v2', baseVersion: 'ms-2026.3' });
    expect(rule(view, 'URBC-1')).toMatchObject({ overridden: true, tiers: [{ severity: 'critical' }] });
    expect(rule(view, 'PLT-3')).toMatchObject({ overridden: true, thresholds: { itp: 120, floor: 50 } });
    expect(rule(view, 'PLT-4').overridden).toBe(false);
  });
});

describe('override problems as validation details', () => {
  const overrides = [
    { ruleId: 'URBC-9', severity: 'critical' as const },
    { ruleId: 'PLT-4', severity: 'warning' as const },
    { ruleId: 'URBC-1', thresholds: { nope: 4 } },
    { ruleId: 'URBC-1', enabled: false },
  ];

  it('lists every problem applySiteOverrides finds, each at its entry of the body', () => {
    let issues: readonly string[] = [];
    try {
      applySiteOverrides(ms(), 'brno.v1', overrides);
    } catch (error) {
      issues = (error as RuleSetError).issues;
    }
    expect(overrideIssues(issues, overrides)).toEqual([
      { path: 'body.overrides.0', message: 'override URBC-9: no such rule in ms-2026.3' },
      {
        path: 'body.overrides.1',
        message: 'override PLT-4: severity applies to single-tier rules; use tiers for 2 tiers',
      },
      { path: 'body.overrides.2', message: 'override URBC-1: no threshold nope (has rbc)' },
      { path: 'body.overrides.3', message: 'override URBC-1: the rule is overridden twice' },
    ]);
  });

  it('points at the whole list when an issue names no override', () => {
    expect(overrideIssues(['URBC-1: tier x: emergency needs critical'], overrides)).toEqual([
      { path: 'body.overrides', message: 'URBC-1: tier x: emergency needs critical' },
    ]);
  });
});

describe('override input', () => {
  it('accepts the engine’s override shapes', () => {
    for (const o of [
      { ruleId: 'URBC-1', severity: 'critical' },
      { ruleId: 'PLT-3', thresholds: { itp: 120 } },
      { ruleId: 'PLT-4', tiers: { 'lt-50': { severity: 'warning' } } },
      { ruleId: 'IL6-1', enabled: false },
    ]) {
      expect(ruleOverrideSchema.safeParse(o).success).toBe(true);
    }
  });

  it('refuses overrides that change nothing, unknown keys, bad severities and bad rule ids', () => {
    for (const o of [
      { ruleId: 'URBC-1' },
      { ruleId: 'URBC-1', severity: 'urgent' },
      { ruleId: 'URBC-1', colour: 'red' },
      { ruleId: 'urbc-1', enabled: true },
      { ruleId: 'PLT-4', tiers: { 'lt-50': {} } },
      { ruleId: 'PLT-3', thresholds: { itp: '120' } },
    ]) {
      expect({ o, ok: ruleOverrideSchema.safeParse(o).success }).toEqual({ o, ok: false });
    }
  });

  it('requires a reason and an indication; an empty list returns to the shipped set', () => {
    expect(
      createRuleOverridesSchema.safeParse({ indication: 'MS', overrides: [], reason: 'back' }).success,
    ).toBe(true);
    expect(createRuleOverridesSchema.safeParse({ indication: 'MS', overrides: [] }).success).toBe(false);
    expect(
      createRuleOverridesSchema.safeParse({ indication: 'RA', overrides: [], reason: 'x y z' }).success,
    ).toBe(false);
    expect(
      createRuleOverridesSchema.safeParse({ indication: 'MS', overrides: [], reason: ' a ' }).success,
    ).toBe(false);
  });
});
