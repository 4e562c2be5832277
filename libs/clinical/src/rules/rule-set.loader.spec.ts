import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultRuleSets, loadRuleSet, RuleSetError } from './rule-set.loader';

const ALL_SECTION_2_RULES = [
  'PLT-1',
  'PLT-2',
  'PLT-3',
  'PLT-4',
  'ANC-1',
  'HGB-1',
  'CYTO-1',
  'LYM-1',
  'CD4-1',
  'CREA-1',
  'CREA-2',
  'RENAL-1',
  'URBC-1',
  'URBC-2',
  'UBLD-1',
  'UPRO-1',
  'UPRO-2',
  'TSH-1',
  'TSH-2',
  'TSH-3',
  'LFT-1',
  'LFT-2',
  'BILI-1',
  'HLH-1',
  'HLH-2',
  'HLH-3',
  'HLH-4',
  'COAG-1',
  'COAG-2',
  'COAG-3',
  'DD-1',
  'DD-2',
  'DD-3',
  'DD-4',
  'VASC-0',
  'IL6-1',
  'HIV-1',
];

function minimal(): Record<string, unknown> {
  return {
    id: 'test',
    version: 'test-2026.1',
    indication: 'MS',
    title: 'test',
    source: 'test',
    rules: [
      {
        id: 'PLT-3',
        title: 'Platelets low',
        evidence: '[G]',
        kind: 'breach',
        thresholds: { itp: 100 },
        tiers: [
          {
            id: 'lt-100',
            severity: 'critical',
            when: { analyte: 'platelets', test: { kind: 'value', op: '<', threshold: 'itp' } },
            summary: 'Platelets {value} {unit} below {itp}.',
          },
        ],
        action: 'Confirm.',
      },
    ],
  };
}

type Mutable = { rules: Array<Record<string, unknown> & { tiers: Array<Record<string, unknown>> }> };

function issuesOf(mutate: (set: Mutable) => void): string[] {
  const raw = minimal();
  mutate(raw as unknown as Mutable);
  try {
    loadRuleSet(raw);
  } catch (error) {
    if (error instanceof RuleSetError) return [...error.issues];
    throw error;
  }
  return [];
}

describe('rule-set loader', () => {
  it('loads the shipped MS set with every rule of clinical rules §2, versioned', () => {
    const ms = defaultRuleSets().MS;
    expect(ms.version).toBe('ms-2026.3');
    expect(ms.indication).toBe('MS');
    const ids = ms.rules.map((r) => r.id);
    expect(ids.filter((id) => ALL_SECTION_2_RULES.includes(id))).toEqual(ALL_SECTION_2_RULES);
    expect(ids).toEqual([...ALL_SECTION_2_RULES, 'DQ-1', 'DQ-2']);
  });

  it('freezes loaded rule sets', () => {
    const ms = defaultRuleSets().MS;
    expect(Object.isFrozen(ms)).toBe(true);
    expect(Object.isFrozen(ms.rules[0].thresholds)).toBe(true);
  });

  it('ships its rule sets as .json files (the build copies them to dist)', () => {
    for (const file of ['ms.rule-set.json', 'cll.rule-set.json']) {
      const raw: unknown = JSON.parse(readFileSync(path.join(__dirname, 'rule-sets', file), 'utf8'));
      expect(loadRuleSet(raw).rules.length).toBeGreaterThan(0);
    }
  });

  it('accepts the minimal rule set', () => {
    expect(issuesOf(() => undefined)).toEqual([]);
  });

  it.each`
    problem                            | mutate                                                                                                                                                                                                                  | message
    ${'unknown analyte'}               | ${(s: Mutable) => ((s.rules[0].tiers[0].when as { analyte: string }).analyte = 'plates')}                                                                                                                               | ${'rules.0.tiers.0.when'}
    ${'bad operator'}                  | ${(s: Mutable) => ((s.rules[0].tiers[0].when as { test: { op: string } }).test.op = '=<')}                                                                                                                              | ${'rules.0.tiers.0.when'}
    ${'unknown field (typo)'}          | ${(s: Mutable) => (s.rules[0].tiers[0].severty = 'info')}                                                                                                                                                               | ${'rules.0.tiers.0'}
    ${'bad version'}                   | ${(s: Mutable) => ((s as unknown as { version: string }).version = 'v1')}                                                                                                                                               | ${'version'}
    ${'unknown threshold'}             | ${(s: Mutable) => (s.rules[0].thresholds = { cutoff: 100 })}                                                                                                                                                            | ${'PLT-3: tier lt-100: unknown threshold itp'}
    ${'unknown placeholder'}           | ${(s: Mutable) => (s.rules[0].tiers[0].summary = 'Platelets {valu}')}                                                                                                                                                   | ${'PLT-3: tier lt-100 summary: unknown placeholder {valu}'}
    ${'duplicate rule'}                | ${(s: Mutable) => s.rules.push({ ...s.rules[0] })}                                                                                                                                                                      | ${'PLT-3: duplicate rule id'}
    ${'duplicate tier'}                | ${(s: Mutable) => s.rules[0].tiers.push({ ...s.rules[0].tiers[0] })}                                                                                                                                                    | ${'PLT-3: duplicate tier lt-100'}
    ${'supersedes unknown rule'}       | ${(s: Mutable) => (s.rules[0].supersedes = ['PLT-9'])}                                                                                                                                                                  | ${'PLT-3: supersedes unknown rule PLT-9'}
    ${'emergency on a warning'}        | ${(s: Mutable) => Object.assign(s.rules[0].tiers[0], { severity: 'warning', emergency: true })}                                                                                                                         | ${'PLT-3: tier lt-100: emergency needs critical'}
    ${'window on an unknown tier'}     | ${(s: Mutable) => (s.rules[0].windows = [{ window: 'W0-60', tiers: ['lt-50'], note: 'x' }])}                                                                                                                            | ${'PLT-3: window W0-60: unknown tier lt-50'}
    ${'data-quality test in a breach'} | ${(s: Mutable) => (s.rules[0].tiers[0].when = { analyte: 'platelets', test: { kind: 'held' } })}                                                                                                                        | ${'PLT-3: tier lt-100: predicate held is for data-quality rules only'}
    ${'reference to an unknown rule'}  | ${(s: Mutable) => (s.rules[0].tiers[0].when = { rule: 'CREA-1' })}                                                                                                                                                      | ${'PLT-3: tier lt-100: refers to unknown rule CREA-1'}
    ${'composite without a window'}    | ${(s: Mutable) => (s.rules[0].tiers[0].when = { all: [{ analyte: 'platelets', test: { kind: 'value', op: '<', threshold: 'itp' } }, { analyte: 'haemoglobin', test: { kind: 'value', op: '<', threshold: 'itp' } }] })} | ${'PLT-3: conditions combine platelets, haemoglobin: a composite needs pairingDays'}
    ${'unknown text category'}         | ${(s: Mutable) => (s.rules[0].tiers[0].when = { analyte: 'hiv-screen', test: { kind: 'text', category: 'reactive' } })}                                                                                                 | ${'PLT-3: tier lt-100: unknown text category reactive'}
    ${'a lab rule without tiers'}      | ${(s: Mutable) => (s.rules[0].tiers = [])}                                                                                                                                                                              | ${'PLT-3: a lab rule needs at least one tier'}
  `('refuses $problem', ({ mutate, message }) => {
    const issues = issuesOf(mutate);
    expect(issues.some((i) => i.includes(message))).toBe(true);
  });

  it('refuses rule references that form a cycle', () => {
    const issues = issuesOf((s) => {
      const second = JSON.parse(JSON.stringify(s.rules[0]));
      second.id = 'PLT-4';
      second.tiers[0].when = { rule: 'PLT-3' };
      s.rules[0].tiers[0].when = { rule: 'PLT-4' };
      s.rules.push(second);
    });
    expect(issues).toContain('rule references form a cycle: PLT-3 → PLT-4 → PLT-3');
  });

  it('throws one error listing every problem', () => {
    expect(() =>
      loadRuleSet({
        ...minimal(),
        rules: [{ ...(minimal().rules as object[])[0], supersedes: ['X-1'], thresholds: {} }],
      }),
    ).toThrow(/unknown threshold itp[\s\S]*supersedes unknown rule X-1/);
  });
});
