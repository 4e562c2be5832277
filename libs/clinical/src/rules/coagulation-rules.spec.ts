import { evaluate, gradeOne, lab, patient } from './testing/rule-fixtures';

const DAY = '2025-01-15';
const COAG = ['COAG-1', 'COAG-2', 'COAG-3'];
const normalPtInr = () => [lab('pt', 12, DAY), lab('inr', 1.0, DAY)];

describe('COAG-1 isolated aPTT prolongation (ULN 35 s)', () => {
  it.each`
    value   | expected
    ${35}   | ${[]}
    ${35.1} | ${['COAG-1:warning']}
    ${52.5} | ${['COAG-1:warning']}
    ${52.6} | ${['COAG-1:critical']}
  `('aPTT $value s with normal PT/INR → $expected', ({ value, expected }) => {
    expect(gradeOne(lab('aptt', value, DAY), { history: normalPtInr(), rules: COAG })).toEqual(expected);
  });

  it.each`
    partners                                     | expected
    ${[lab('pt', 14, DAY)]}                      | ${[]}
    ${[lab('pt', 14, '2025-01-16')]}             | ${[]}
    ${[lab('pt', 14, '2025-01-17')]}             | ${['COAG-1:warning']}
    ${[lab('inr', 1.3, DAY)]}                    | ${[]}
    ${[lab('inr', 1.2, DAY)]}                    | ${['COAG-1:warning']}
    ${[]}                                        | ${['COAG-1:warning']}
    ${[lab('inr', 1.5, DAY, { range: 'none' })]} | ${['COAG-1:warning']}
  `(
    'aPTT 40 s with $partners.length PT/INR partner(s) → $expected (isolated = PT/INR not prolonged ±1 day)',
    ({ partners, expected }) => {
      expect(gradeOne(lab('aptt', 40, DAY), { history: partners, rules: COAG })).toEqual(expected);
    },
  );

  it.each`
    flags                                               | partners                | value   | expected
    ${{ onHeparin: true }}                              | ${normalPtInr()}        | ${60}   | ${[]}
    ${{ bleedingEventRecorded: true }}                  | ${[lab('pt', 15, DAY)]} | ${35.1} | ${['COAG-1:critical']}
    ${{ bleedingEventRecorded: true }}                  | ${[lab('pt', 15, DAY)]} | ${35}   | ${[]}
    ${{ bleedingEventRecorded: true, onHeparin: true }} | ${normalPtInr()}        | ${40}   | ${['COAG-1:critical']}
  `('flags $flags, aPTT $value → $expected', ({ flags, partners, value, expected }) => {
    const context = patient({ flags });
    expect(gradeOne(lab('aptt', value, DAY), { context, history: partners, rules: COAG })).toEqual(expected);
  });

  it('uses the catalogue fallback 25–35 s when the lab sends no range, and says so', () => {
    const out = evaluate(patient(), [lab('aptt', 36, DAY, { range: 'none' })], normalPtInr());
    expect(out.decisions.map((d) => `${d.ruleId}:${d.severity}`)).toEqual(['COAG-1:warning']);
    expect(out.decisions[0].explanation.rangeFallback).toBe(true);
    expect(out.decisions[0].explanation.values[0].range).toEqual({ low: 25, high: 35, source: 'fallback' });
  });
});

describe('COAG-2 factor VIII <50% / COAG-3 inhibitor positive', () => {
  it.each`
    analyte                    | value   | flags                         | range        | expected
    ${'factor-viii'}           | ${50}   | ${{}}                         | ${undefined} | ${[]}
    ${'factor-viii'}           | ${49.9} | ${{}}                         | ${undefined} | ${['COAG-2:critical']}
    ${'factor-viii'}           | ${10}   | ${{ knownHaemophilia: true }} | ${undefined} | ${[]}
    ${'factor-viii-inhibitor'} | ${0.6}  | ${{}}                         | ${undefined} | ${[]}
    ${'factor-viii-inhibitor'} | ${0.61} | ${{}}                         | ${undefined} | ${['COAG-3:critical']}
    ${'factor-viii-inhibitor'} | ${5}    | ${{}}                         | ${'none'}    | ${['DQ-1:warning']}
  `('$analyte $value (flags $flags) → $expected', ({ analyte, value, flags, range, expected }) => {
    const result = lab(analyte, value, DAY, range ? { range } : {});
    expect(gradeOne(result, { context: patient({ flags }) })).toEqual(expected);
  });
});
