import { evaluate, gradeOne, lab, only, patient } from './testing/rule-fixtures';

const DAY = '2025-01-15';
const HLH = ['HLH-1', 'HLH-2', 'HLH-3', 'HLH-4'];

describe('HLH-1 / HLH-3 ferritin ladder', () => {
  it.each`
    value    | expected
    ${499}   | ${[]}
    ${500}   | ${['HLH-1:warning']}
    ${2999}  | ${['HLH-1:warning']}
    ${3000}  | ${['HLH-3:critical']}
    ${9999}  | ${['HLH-3:critical']}
    ${10000} | ${['HLH-3:critical!']}
  `('ferritin $value µg/L → $expected (HLH-3 supersedes HLH-1)', ({ value, expected }) => {
    expect(gradeOne(lab('ferritin', value, DAY), { rules: HLH })).toEqual(expected);
  });

  it('a censored ferritin ">2000" (analyser limit) is graded by its worse case: HLH-3 emergency, and says so', () => {
    // It may be 10,000 or more (HLH-3's emergency tier): conservative grading takes it as such rather than leaving
    // the tier to DQ-1, and the explanation says what was assumed.
    const out = evaluate(patient(), [lab('ferritin', 2000, DAY, { comparator: '>' })]);
    expect(out.decisions.map((d) => `${d.ruleId}:${d.severity}${d.emergency ? '!' : ''}`)).toEqual([
      'HLH-3:critical!',
    ]);
    const [hlh3] = out.decisions;
    expect(hlh3.explanation.tier).toBe('ge-10000');
    expect(hlh3.explanation.supersededRuleIds).toEqual(['HLH-1']);
    expect(hlh3.explanation.notes).toContain(
      'reported as >2000 µg/L: may be at or above 10000; graded as if it is (conservative)',
    );
  });
});

describe('HLH-2 ferritin ≥500 with an HLH-2004 finding within ±7 days', () => {
  it.each`
    partners                                                      | expected
    ${[lab('triglycerides', 265, DAY)]}                           | ${['HLH-2:critical']}
    ${[lab('triglycerides', 264, DAY)]}                           | ${['HLH-1:warning']}
    ${[lab('triglycerides', 300, '2025-01-22')]}                  | ${['HLH-2:critical']}
    ${[lab('triglycerides', 300, '2025-01-23')]}                  | ${['HLH-1:warning']}
    ${[lab('fibrinogen', 1.5, DAY)]}                              | ${['HLH-2:critical']}
    ${[lab('fibrinogen', 1.51, DAY)]}                             | ${['HLH-1:warning']}
    ${[lab('haemoglobin', 8.9, DAY), lab('platelets', 99, DAY)]}  | ${['HLH-2:critical']}
    ${[lab('haemoglobin', 9, DAY), lab('platelets', 99, DAY)]}    | ${['HLH-1:warning']}
    ${[lab('platelets', 99, DAY), lab('neutrophils', 0.99, DAY)]} | ${['HLH-2:critical']}
    ${[lab('platelets', 99, DAY), lab('neutrophils', 1.0, DAY)]}  | ${['HLH-1:warning']}
    ${[lab('alt', 41, DAY)]}                                      | ${['HLH-2:critical']}
    ${[lab('ast', 40, DAY)]}                                      | ${['HLH-1:warning']}
    ${[lab('scd25', 2400, DAY, { range: 'none' })]}               | ${['HLH-2:critical']}
    ${[lab('scd25', 2399, DAY, { range: 'none' })]}               | ${['HLH-1:warning']}
    ${[lab('scd25', 1001, DAY, { range: [null, 1000] })]}         | ${['HLH-2:critical']}
  `('ferritin 600 with $partners.length partner(s) → $expected', ({ partners, expected }) => {
    expect(gradeOne(lab('ferritin', 600, DAY), { history: partners, rules: HLH })).toEqual(expected);
  });

  it('fires on the partner too when the ferritin came first, and not without a ferritin ≥500', () => {
    const ferritin = lab('ferritin', 800, '2025-01-13');
    const tg = lab('triglycerides', 280, DAY);
    const [decision] = only(evaluate(patient(), [tg], [ferritin]).decisions, 'HLH-2');
    expect(decision.resultIds).toEqual([tg.resultId, ferritin.resultId]);
    expect(
      gradeOne(lab('triglycerides', 280, DAY), { history: [lab('ferritin', 499, DAY)], rules: HLH }),
    ).toEqual([]);
  });
});

describe('HLH-4 soluble IL-2 receptor (info, counts toward HLH-2)', () => {
  it.each`
    value   | range           | expected
    ${2399} | ${'none'}       | ${[]}
    ${2400} | ${'none'}       | ${['HLH-4:info']}
    ${1000} | ${[null, 1000]} | ${[]}
    ${1001} | ${[null, 1000]} | ${['HLH-4:info']}
  `('sCD25 $value U/mL (range $range) → $expected', ({ value, range, expected }) => {
    expect(gradeOne(lab('scd25', value, DAY, { range }), { rules: HLH })).toEqual(expected);
  });
});
