import { defaultRuleSets, RuleSetError } from './rule-set.loader';
import { applySiteOverrides, type RuleOverride } from './rule-set.overrides';
import { brief, evaluate, lab, patient, withoutBaselineNotice } from './testing/rule-fixtures';

const DAY = '2025-01-15';
const base = () => defaultRuleSets().MS;

describe('site overrides', () => {
  it('produces a new versioned rule set and leaves the shipped one untouched', () => {
    const site = applySiteOverrides(base(), 'site-3', [{ ruleId: 'PLT-3', thresholds: { itp: 120 } }]);
    expect(site.version).toBe('ms-2026.3+site-3');
    expect(site.site).toEqual({
      site: 'site-3',
      baseVersion: 'ms-2026.3',
      overrides: [{ ruleId: 'PLT-3', thresholds: { itp: 120 } }],
    });
    expect(base().rules.find((r) => r.id === 'PLT-3')?.thresholds.itp).toBe(100);
    expect(site.rules.find((r) => r.id === 'PLT-3')?.thresholds.itp).toBe(120);
  });

  it('changes grading, and every decision carries the site version and the thresholds in effect', () => {
    const site = applySiteOverrides(base(), 'site-3', [{ ruleId: 'PLT-3', thresholds: { itp: 120 } }]);
    expect(brief(evaluate(patient(), [lab('platelets', 110, DAY)]).decisions)).toEqual(['PLT-1:warning']);
    const [decision] = evaluate(patient(), [lab('platelets', 110, DAY)], [], site).decisions.filter(
      (d) => d.ruleId === 'PLT-3',
    );
    expect(decision.explanation.ruleSetVersion).toBe('ms-2026.3+site-3');
    expect(decision.explanation.thresholds).toEqual({ itp: 120, floor: 50 });
    expect(decision.explanation.summary).toBe('Platelets 110 ×10⁹/L are below 120 ×10⁹/L (ITP cut-off).');
  });

  it.each`
    override                                    | expected
    ${{ ruleId: 'IL6-1', severity: 'warning' }} | ${['IL6-1:warning']}
    ${{ ruleId: 'IL6-1', enabled: false }}      | ${[]}
  `('single-tier severity and enabled: $override → $expected', ({ override, expected }) => {
    const site = applySiteOverrides(base(), 'site-1', [override]);
    expect(brief(evaluate(patient(), [lab('il-6', 50, DAY)], [], site).decisions)).toEqual(expected);
  });

  it('changes one tier of a ladder', () => {
    const site = applySiteOverrides(base(), 'site-1', [
      { ruleId: 'ANC-1', tiers: { 'lt-1.0': { severity: 'critical', emergency: true } } },
    ]);
    expect(brief(evaluate(patient(), [lab('neutrophils', 0.8, DAY)], [], site).decisions)).toEqual([
      'ANC-1:critical!',
    ]);
  });

  it('a disabled rule still serves as a building block: RENAL-1 reads CREA-1 even when CREA-1 does not alert', () => {
    const site = applySiteOverrides(base(), 'site-1', [{ ruleId: 'CREA-1', enabled: false }]);
    const alone = evaluate(patient(), [lab('creatinine', 1.3, DAY)], [], site);
    expect(brief(withoutBaselineNotice(alone.decisions))).toEqual([]);
    const out = evaluate(patient(), [lab('urine-rbc', 8, DAY)], [lab('creatinine', 1.3, DAY)], site);
    expect(brief(out.decisions)).toEqual(['RENAL-1:critical']);
  });

  it('a changed CREA-1 delta changes RENAL-1 too', () => {
    const site = applySiteOverrides(base(), 'site-1', [
      { ruleId: 'CREA-1', thresholds: { baselineRise: 0.2 } },
    ]);
    const history = [lab('creatinine', 0.7, '2024-02-20'), lab('creatinine', 0.9, DAY)];
    expect(brief(evaluate(patient(), [lab('urine-rbc', 8, DAY)], history, site).decisions)).toEqual([
      'RENAL-1:critical',
    ]);
    expect(brief(evaluate(patient(), [lab('urine-rbc', 8, DAY)], history).decisions)).toEqual([
      'URBC-1:warning',
    ]);
  });

  it.each`
    overrides                                                                              | message
    ${[{ ruleId: 'PLT-9' }]}                                                               | ${'override PLT-9: no such rule in ms-2026.3'}
    ${[{ ruleId: 'PLT-3', thresholds: { cutoff: 90 } }]}                                   | ${'override PLT-3: no threshold cutoff (has itp, floor)'}
    ${[{ ruleId: 'PLT-3', thresholds: { itp: Number.NaN } }]}                              | ${'override PLT-3: threshold itp must be a finite number'}
    ${[{ ruleId: 'PLT-4', severity: 'warning' }]}                                          | ${'override PLT-4: severity applies to single-tier rules; use tiers for 2 tiers'}
    ${[{ ruleId: 'PLT-4', tiers: { 'lt-10': { severity: 'warning' } } }]}                  | ${'override PLT-4: no tier lt-10 (has lt-50, lt-25)'}
    ${[{ ruleId: 'PLT-4', tiers: { 'lt-25': { severity: 'warning', emergency: true } } }]} | ${'override PLT-4: tier lt-25: emergency needs critical'}
    ${[{ ruleId: 'PLT-3' }, { ruleId: 'PLT-3' }]}                                          | ${'override PLT-3: the rule is overridden twice'}
  `('refuses $overrides', ({ overrides, message }) => {
    let error: unknown;
    try {
      applySiteOverrides(base(), 'site-1', overrides as RuleOverride[]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RuleSetError);
    expect((error as RuleSetError).issues).toContain(message);
  });

  it('refuses a bad site label and overrides on top of overrides', () => {
    expect(() => applySiteOverrides(base(), 'site 3', [])).toThrow(/site label/);
    const site = applySiteOverrides(base(), 'site-3', []);
    expect(() => applySiteOverrides(site, 'site-4', [])).toThrow(/already carries site overrides/);
  });
});
