import { evaluate, gradeOne, lab, only, patient } from './testing/rule-fixtures';

// Course 1: 2024-03-04 … 2024-03-08, so W0-60 runs to 2024-05-07.
const OUTSIDE = '2025-01-15';
const INSIDE_W0_60 = '2024-04-01';
const PLT_RULES = ['PLT-1', 'PLT-2', 'PLT-3', 'PLT-4'];

describe('PLT-1..PLT-4 platelet ladder (clinical rules §2)', () => {
  it.each`
    value    | day             | expected
    ${150.1} | ${OUTSIDE}      | ${[]}
    ${150}   | ${OUTSIDE}      | ${[]}
    ${149.9} | ${OUTSIDE}      | ${['PLT-1:warning']}
    ${100}   | ${OUTSIDE}      | ${['PLT-1:warning']}
    ${99.9}  | ${OUTSIDE}      | ${['PLT-3:critical']}
    ${50}    | ${OUTSIDE}      | ${['PLT-3:critical']}
    ${49.9}  | ${OUTSIDE}      | ${['PLT-4:critical']}
    ${25}    | ${OUTSIDE}      | ${['PLT-4:critical']}
    ${24.9}  | ${OUTSIDE}      | ${['PLT-4:critical!']}
    ${149.9} | ${INSIDE_W0_60} | ${['PLT-1:info']}
    ${100}   | ${INSIDE_W0_60} | ${['PLT-1:info']}
    ${99.9}  | ${INSIDE_W0_60} | ${['PLT-3:warning']}
    ${50}    | ${INSIDE_W0_60} | ${['PLT-3:warning']}
    ${49.9}  | ${INSIDE_W0_60} | ${['PLT-4:critical']}
    ${24.9}  | ${INSIDE_W0_60} | ${['PLT-4:critical!']}
  `('platelets $value ×10⁹/L on $day → $expected', ({ value, day, expected }) => {
    expect(gradeOne(lab('platelets', value, day), { rules: PLT_RULES })).toEqual(expected);
  });

  it.each`
    day             | expected
    ${'2024-03-03'} | ${'PLT-3:critical'}
    ${'2024-03-04'} | ${'PLT-3:warning'}
    ${'2024-05-07'} | ${'PLT-3:warning'}
    ${'2024-05-08'} | ${'PLT-3:critical'}
  `('PLT-3 at 80 ×10⁹/L on $day (W0-60 edges) → $expected', ({ day, expected }) => {
    expect(gradeOne(lab('platelets', 80, day), { rules: PLT_RULES })).toEqual([expected]);
  });

  it('reads W0-60 on the calendar day of the site zone: 23:30 UTC on the last day is the next day in Prague', () => {
    const late = lab('platelets', 80, '2024-05-07T23:30:00Z');
    expect(gradeOne(late, { rules: PLT_RULES })).toEqual(['PLT-3:critical']);
    const early = lab('platelets', 80, '2024-05-07T21:30:00Z');
    expect(gradeOne(early, { rules: PLT_RULES })).toEqual(['PLT-3:warning']);
  });

  it('PLT-3 inside W0-60 says why it was downgraded and asks for a 72-hour recheck', () => {
    const [decision] = evaluate(patient(), [lab('platelets', 85, INSIDE_W0_60)]).decisions;
    expect(decision.ruleId).toBe('PLT-3');
    expect(decision.explanation.window).toBe('W0-60');
    expect(decision.explanation.windowNote).toContain('transient post-infusion thrombocytopenia is expected');
    expect(decision.explanation.action).toContain('within 72 hours');
    expect(decision.explanation.daysSinceLastInfusion).toBe(24);
  });

  it('PLT-4 suppresses PLT-3 for the same value and says so (one value, one page)', () => {
    const [decision] = evaluate(patient(), [lab('platelets', 40, OUTSIDE)]).decisions;
    expect(decision.ruleId).toBe('PLT-4');
    expect(decision.explanation.supersededRuleIds).toEqual(['PLT-3']);
    expect(decision.explanation.tier).toBe('lt-50');
  });

  it.each`
    range          | value    | expected             | fallback
    ${[140, 400]}  | ${145}   | ${[]}                | ${false}
    ${[140, 400]}  | ${139.9} | ${['PLT-1:warning']} | ${false}
    ${[160, 400]}  | ${155}   | ${['PLT-1:warning']} | ${false}
    ${'fallback'}  | ${149.9} | ${['PLT-1:warning']} | ${true}
    ${'fallback'}  | ${150}   | ${[]}                | ${false}
    ${'none'}      | ${149.9} | ${['PLT-1:warning']} | ${true}
    ${[null, 400]} | ${149.9} | ${['PLT-1:warning']} | ${true}
  `(
    'PLT-1 uses the lab LLN, else the catalogue fallback 150: range $range, $value → $expected',
    ({ range, value, expected, fallback }) => {
      const out = evaluate(patient(), [lab('platelets', value, OUTSIDE, { range })]);
      expect(out.decisions.map((d) => `${d.ruleId}:${d.severity}`)).toEqual(expected);
      if (expected.length > 0) expect(out.decisions[0].explanation.rangeFallback).toBe(fallback);
    },
  );

  it.each`
    previous | value    | expected
    ${200}   | ${100.1} | ${[]}
    ${200}   | ${100}   | ${['PLT-2:warning']}
    ${200}   | ${99.9}  | ${['PLT-2:warning']}
    ${400}   | ${200}   | ${['PLT-2:warning']}
    ${400}   | ${201}   | ${[]}
    ${100}   | ${300}   | ${[]}
  `(
    'PLT-2: previous $previous → $value gives $expected (≥50% fall, even above 100)',
    ({ previous, value, expected }) => {
      const history = [lab('platelets', previous, '2024-12-15')];
      expect(gradeOne(lab('platelets', value, OUTSIDE), { history, rules: ['PLT-2'] })).toEqual(expected);
    },
  );

  it('PLT-2 compares with the latest earlier value, not a later one that arrived first, and needs one', () => {
    expect(gradeOne(lab('platelets', 90, OUTSIDE), { rules: ['PLT-2'] })).toEqual([]);
    const history = [
      lab('platelets', 300, '2024-11-01'),
      lab('platelets', 170, '2024-12-15'),
      lab('platelets', 400, '2025-02-01'),
    ];
    // previous = 170 (2024-12-15): 90 is a 47% fall; 300 (older) or 400 (later) would have said ≥50%
    expect(gradeOne(lab('platelets', 90, OUTSIDE), { history, rules: ['PLT-2'] })).toEqual([]);
    const [decision] = only(evaluate(patient(), [lab('platelets', 80, OUTSIDE)], history).decisions, 'PLT-2');
    expect(decision.explanation.previous?.value).toBe(170);
    expect(decision.explanation.summary).toContain('-52.9%');
  });

  it('reads canonical values: 85,000/µL normalised upstream to 85 ×10⁹/L is graded as 85, and the original is shown', () => {
    const result = lab('platelets', 85, OUTSIDE, { original: { value: '85000', unit: '/uL' } });
    const [decision] = evaluate(patient(), [result]).decisions;
    expect(decision.ruleId).toBe('PLT-3');
    expect(decision.explanation.values[0]).toMatchObject({
      value: 85,
      unit: '10*9/L',
      original: { value: '85000', unit: '/uL' },
      range: { low: 150, high: 400, source: 'lab' },
    });
    expect(decision.explanation.summary).toBe('Platelets 85 ×10⁹/L are below 100 ×10⁹/L (ITP cut-off).');
  });

  it.each`
    value  | recovered
    ${150} | ${['PLT-1', 'PLT-3', 'PLT-4']}
    ${149} | ${[]}
  `(
    'a platelet count back ≥ LLN ($value) is reported as a recovery for the platelet rules',
    ({ value, recovered }) => {
      const out = evaluate(patient(), [lab('platelets', value, OUTSIDE)]);
      expect(out.recoveries.map((r) => r.ruleId)).toEqual(recovered);
    },
  );
});
