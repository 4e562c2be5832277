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
    ${'<'}     | ${50}  | ${['PLT-4:critical', 'DQ-1:warning']}
    ${'<'}     | ${25}  | ${['PLT-4:critical!']}
    ${'<'}     | ${20}  | ${['PLT-4:critical!']}
    ${'<='}    | ${25}  | ${['PLT-4:critical', 'DQ-1:warning']}
    ${'>'}     | ${150} | ${[]}
  `(
    'a censored platelet count $comparator$value is graded only as far as it can be → $expected',
    ({ comparator, value, expected }) => {
      expect(gradeOne(lab('platelets', value, DAY, { comparator }))).toEqual(expected);
    },
  );

  it('names every rule it could not grade and why', () => {
    const out = evaluate(patient(), [lab('platelets', 50, DAY, { comparator: '<' })]);
    const [dq] = only(out.decisions, 'DQ-1');
    expect(dq.explanation.summary).toBe(
      'Platelets <50 ×10⁹/L could not be graded by: PLT-4 (lt-25, critical + emergency: reported as <50: cannot tell whether the value < 25).',
    );
  });
});
