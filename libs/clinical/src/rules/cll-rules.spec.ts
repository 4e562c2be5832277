import { defaultRuleSets } from './rule-set.loader';
import { evaluate, gradeOne, lab, only, patient } from './testing/rule-fixtures';

// Campath: alternate-day infusions 2025-01-06 … 2025-01-17. Therapy window (+28 d) to 2025-02-14;
// CD4 day 60 from 2025-03-18; baseline window 2024-12-07 … 2025-01-05.
const campath = {
  courseNumber: 1,
  infusionDays: ['2025-01-06', '2025-01-08', '2025-01-10', '2025-01-13', '2025-01-15', '2025-01-17'],
};
const cll = patient({ indication: 'CLL', courses: [campath] });
const DURING = '2025-01-20';
const AFTER = '2025-03-01';
const BASELINE = '2024-12-20';

describe('CLL rule set selection', () => {
  it('holds CAMP-1..3 in place of the MS cytopenia rules, the shared organ-safety rules, and data quality', () => {
    const ids = defaultRuleSets().CLL.rules.map((r) => r.id);
    expect(ids.slice(0, 3)).toEqual(['CAMP-1', 'CAMP-2', 'CAMP-3']);
    for (const shared of [
      'HGB-1',
      'CREA-2',
      'RENAL-1',
      'TSH-2',
      'LFT-2',
      'HLH-2',
      'HLH-3',
      'COAG-1',
      'DD-3',
      'DD-4',
      'DQ-1',
    ]) {
      expect(ids).toContain(shared);
    }
    for (const replaced of [
      'PLT-1',
      'PLT-2',
      'PLT-3',
      'PLT-4',
      'ANC-1',
      'CYTO-1',
      'LYM-1',
      'CD4-1',
      'HIV-1',
      'VASC-0',
    ]) {
      expect(ids).not.toContain(replaced);
    }
    expect(defaultRuleSets().CLL.version).toBe('cll-2026.4');
  });

  it('grades CLL cytopenias by CAMP-1 only, and organ-safety values as for MS', () => {
    const out = evaluate(cll, [
      lab('platelets', 60, DURING),
      lab('ferritin', 5000, DURING),
      lab('d-dimer', 9, DURING),
    ]);
    expect(
      out.decisions.map((d) => `${d.ruleId}:${d.severity}${d.emergency ? '+emergency' : ''}`).sort(),
    ).toEqual(['DD-3:critical', 'DQ-2:info', 'HLH-3:critical']);
  });

  it('keeps the D-dimer data-quality rule', () => {
    const held = lab('d-dimer', null, DURING, { quality: 'held', qualityReason: 'unit "ng/dL"' });
    expect(gradeOne(held, { context: cll })).toEqual(['DD-4:warning']);
  });
});

describe('CAMP-1 ANC <250/µL and/or platelets ≤25,000/µL', () => {
  it.each`
    analyte          | value   | day             | expected
    ${'neutrophils'} | ${0.25} | ${DURING}       | ${[]}
    ${'neutrophils'} | ${0.24} | ${DURING}       | ${['CAMP-1:critical']}
    ${'platelets'}   | ${25.1} | ${DURING}       | ${[]}
    ${'platelets'}   | ${25}   | ${DURING}       | ${['CAMP-1:critical']}
    ${'platelets'}   | ${10}   | ${AFTER}        | ${['CAMP-1:critical']}
    ${'platelets'}   | ${10}   | ${'2025-01-05'} | ${[]}
  `('$analyte $value ×10⁹/L on $day → $expected', ({ analyte, value, day, expected }) => {
    expect(gradeOne(lab(analyte, value, day), { context: cll })).toEqual(expected);
  });

  it.each`
    day             | action
    ${'2025-02-14'} | ${'Withhold Campath'}
    ${'2025-02-15'} | ${'haematology review for autoimmune cytopenia'}
  `('on $day the action is "$action" (therapy window = last infusion + 28 days)', ({ day, action }) => {
    const [decision] = evaluate(cll, [lab('neutrophils', 0.1, day)]).decisions;
    expect(decision.explanation.action).toContain(action);
  });

  it('does not apply when the baseline was already at or below the cut-off (CAMP-2 does)', () => {
    const history = [lab('neutrophils', 0.2, BASELINE)];
    expect(gradeOne(lab('neutrophils', 0.15, DURING), { context: cll, history })).toEqual([]);
  });

  it.each`
    anc     | platelets | recovered
    ${0.5}  | ${50}     | ${true}
    ${0.5}  | ${49}     | ${false}
    ${0.49} | ${80}     | ${false}
  `(
    'resume criterion (ANC ≥0.5 and platelets ≥50, latest values): ANC $anc, platelets $platelets → $recovered',
    ({ anc, platelets, recovered }) => {
      const history = [lab('platelets', 20, '2025-01-18'), lab('platelets', platelets, '2025-01-24')];
      const out = evaluate(cll, [lab('neutrophils', anc, '2025-01-25')], history);
      expect(out.recoveries.map((r) => r.ruleId)).toEqual(recovered ? ['CAMP-1'] : []);
    },
  );
});

describe('CAMP-2 a 50% fall from a low baseline', () => {
  it.each`
    analyte          | baseline | value   | expected
    ${'neutrophils'} | ${0.2}   | ${0.1}  | ${['CAMP-2:critical']}
    ${'neutrophils'} | ${0.2}   | ${0.11} | ${[]}
    ${'neutrophils'} | ${0.25}  | ${0.12} | ${['CAMP-2:critical']}
    ${'neutrophils'} | ${0.26}  | ${0.12} | ${['CAMP-1:critical']}
    ${'platelets'}   | ${20}    | ${10}   | ${['CAMP-2:critical']}
    ${'platelets'}   | ${20}    | ${10.1} | ${[]}
    ${'platelets'}   | ${30}    | ${15}   | ${['CAMP-1:critical']}
  `('$analyte baseline $baseline → $value gives $expected', ({ analyte, baseline, value, expected }) => {
    const history = [lab(analyte, baseline, BASELINE)];
    expect(gradeOne(lab(analyte, value, DURING), { context: cll, history })).toEqual(expected);
  });

  it('needs a baseline: without one a low count is CAMP-1', () => {
    expect(gradeOne(lab('platelets', 10, DURING), { context: cll })).toEqual(['CAMP-1:critical']);
  });
});

describe('CAMP-3 CD4 after Campath therapy', () => {
  it.each`
    value  | day             | expected
    ${150} | ${'2025-03-17'} | ${[]}
    ${150} | ${'2025-03-18'} | ${['CAMP-3:info:continue-prophylaxis']}
    ${200} | ${'2025-03-18'} | ${['CAMP-3:info:stop-criterion-met']}
  `('CD4 $value on $day → $expected', ({ value, day, expected }) => {
    const out = evaluate(cll, [lab('cd4', value, day)]);
    expect(out.decisions.map((d) => `${d.ruleId}:${d.severity}:${d.explanation.tier}`)).toEqual(expected);
  });

  it('names the PCP and herpes prophylaxis', () => {
    const [decision] = only(evaluate(cll, [lab('cd4', 150, '2025-04-01')]).decisions, 'CAMP-3');
    expect(decision.explanation.summary).toBe(
      'CD4 150 /µL is below 200 /µL: continue PCP and herpes prophylaxis.',
    );
  });
});
