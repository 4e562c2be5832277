import { defaultRuleSets } from './rule-set.loader';
import { applySiteOverrides } from './rule-set.overrides';
import { siteOverrideLabel } from './site-override-label';

describe('siteOverrideLabel', () => {
  it('names the site and the stored version', () => {
    expect(siteOverrideLabel('brno', 1)).toBe('brno.v1');
    expect(siteOverrideLabel('site-3', 12)).toBe('site-3.v12');
  });

  it('lower-cases and replaces what a rule-set version cannot hold', () => {
    expect(siteOverrideLabel('Brno_FN', 2)).toBe('brno-fn.v2');
    expect(siteOverrideLabel('site 3/a', 1)).toBe('site-3-a.v1');
  });

  it('gives the version every alert graded with the overridden set pins', () => {
    const set = applySiteOverrides(defaultRuleSets().MS, siteOverrideLabel('brno', 3), [
      { ruleId: 'URBC-1', severity: 'critical' },
    ]);
    expect(set.version).toBe('ms-2026.3+brno.v3');
  });
});
