import { evaluate, gradeOne, lab, only, patient } from './testing/rule-fixtures';

const DAY = '2025-01-15';

describe('HIV-1 HIV screening (nominal, site-mapped code)', () => {
  it.each`
    text                     | expected
    ${'Reactive'}            | ${['HIV-1:critical']}
    ${'POSITIVE'}            | ${['HIV-1:critical']}
    ${'repeatedly reactive'} | ${['HIV-1:critical']}
    ${'Non-reactive'}        | ${[]}
    ${'negative'}            | ${[]}
    ${'Indeterminate'}       | ${['HIV-1:warning']}
    ${'see comment'}         | ${['DQ-1:warning']}
  `('"$text" → $expected', ({ text, expected }) => {
    expect(gradeOne(lab('hiv-screen', text, DAY))).toEqual(expected);
  });
});

describe('DQ-1 results that cannot be graded', () => {
  it('a held platelet count is never graded and raises DQ-1 with the reason', () => {
    const held = lab('platelets', null, DAY, { quality: 'held', qualityReason: 'unit "cells" is not known' });
    const out = evaluate(patient(), [held]);
    expect(out.decisions.map((d) => `${d.ruleId}:${d.severity}:${d.kind}`)).toEqual([
      'DQ-1:warning:data-quality',
    ]);
    expect(out.decisions[0].explanation.summary).toBe(
      'Platelets result held and not graded: unit "cells" is not known.',
    );
    expect(out.recoveries).toEqual([]);
  });

  it.each`
    comparator | value  | expected
    ${'<'}     | ${50}  | ${['PLT-4:critical!']}
    ${'<'}     | ${25}  | ${['PLT-4:critical!']}
    ${'<'}     | ${20}  | ${['PLT-4:critical!']}
    ${'<='}    | ${25}  | ${['PLT-4:critical!']}
    ${'>'}     | ${150} | ${[]}
  `(
    'a censored platelet count $comparator$value is graded by its worse case, not sent to DQ-1 → $expected',
    ({ comparator, value, expected }) => {
      expect(gradeOne(lab('platelets', value, DAY, { comparator }))).toEqual(expected);
    },
  );

  it('names every rule it could not grade and why (a censored value graded conservatively is not among them)', () => {
    // TSH-1 has no fallback range: without the lab's, neither of its tiers can be graded. TSH-2's "<0.1" tier is
    // graded conservatively for "<0.5" and needs an FT4, so it is not met, and not blocked either.
    const out = evaluate(patient(), [lab('tsh', 0.5, DAY, { comparator: '<', range: 'none' })]);
    expect(out.decisions.map((d) => d.ruleId)).toEqual(['DQ-1']);
    expect(only(out.decisions, 'DQ-1')[0].explanation.summary).toBe(
      'TSH <0.5 mIU/L could not be graded by: TSH-1 (below-lln, warning: no LLN sent and no fallback; above-uln, warning: no ULN sent and no fallback).',
    );
  });
});
