import { evaluate, gradeOne, lab, only, patient, withoutBaselineNotice } from './testing/rule-fixtures';

const DAY = '2025-01-15';
const IN_BASELINE = '2024-02-20';
const LIVER = ['LFT-1', 'LFT-2', 'BILI-1'];

describe('LFT-1 ALT/AST ladder (ULN 40 U/L)', () => {
  it.each`
    analyte  | value    | expected
    ${'alt'} | ${40}    | ${[]}
    ${'alt'} | ${40.1}  | ${['LFT-1:info']}
    ${'alt'} | ${120}   | ${['LFT-1:info']}
    ${'alt'} | ${120.1} | ${['LFT-1:warning']}
    ${'alt'} | ${200}   | ${['LFT-1:warning']}
    ${'alt'} | ${200.1} | ${['LFT-1:critical']}
    ${'ast'} | ${40.1}  | ${['LFT-1:info']}
    ${'ast'} | ${120.1} | ${['LFT-1:warning']}
    ${'ast'} | ${200.1} | ${['LFT-1:critical']}
  `('$analyte $value → $expected', ({ analyte, value, expected }) => {
    expect(gradeOne(lab(analyte, value, DAY), { rules: LIVER })).toEqual(expected);
  });

  it.each`
    baseline | value    | expected
    ${80}    | ${240}   | ${['LFT-1:info']}
    ${80}    | ${240.1} | ${['LFT-1:warning']}
    ${80}    | ${80}    | ${[]}
    ${30}    | ${130}   | ${['LFT-1:warning']}
  `(
    'abnormal baseline → multiples of baseline: baseline $baseline, ALT $value → $expected',
    ({ baseline, value, expected }) => {
      const history = [lab('alt', baseline, IN_BASELINE)];
      expect(gradeOne(lab('alt', value, DAY), { history, rules: LIVER })).toEqual(expected);
    },
  );

  it('grades each transaminase on its own: a normal ALT is not raised by a high AST in the window', () => {
    const history = [lab('ast', 300, DAY)];
    expect(gradeOne(lab('alt', 35, DAY), { history, rules: LIVER })).toEqual([]);
  });

  it('an ALT without a range cannot be graded and says so', () => {
    const out = evaluate(patient(), [lab('alt', 500, DAY, { range: 'none' })]);
    expect(withoutBaselineNotice(out.decisions).map((d) => d.ruleId)).toEqual(['DQ-1']);
    expect(out.decisions[0].explanation.summary).toContain(
      'LFT-1 (gt-3x, warning: no ULN sent and no fallback',
    );
  });

  it('recovers only when the latest ALT and AST are both within the ULN', () => {
    const history = [lab('ast', 90, '2025-01-14')];
    expect(evaluate(patient(), [lab('alt', 30, DAY)], history).recoveries.map((r) => r.ruleId)).toEqual([]);
    const recovered = [lab('ast', 90, '2025-01-10'), lab('ast', 35, '2025-01-14')];
    expect(evaluate(patient(), [lab('alt', 30, DAY)], recovered).recoveries.map((r) => r.ruleId)).toEqual([
      'LFT-1',
    ]);
  });
});

describe("LFT-2 Hy's law: ALT/AST >3× ULN and bilirubin >2× ULN, ALP not markedly raised", () => {
  it.each`
    transaminase              | bilirubinDay    | bilirubin | alp                                        | expected
    ${lab('alt', 120.1, DAY)} | ${DAY}          | ${2.41}   | ${null}                                    | ${true}
    ${lab('ast', 200, DAY)}   | ${'2025-01-22'} | ${2.41}   | ${null}                                    | ${true}
    ${lab('alt', 200, DAY)}   | ${'2025-01-23'} | ${2.41}   | ${null}                                    | ${false}
    ${lab('alt', 120, DAY)}   | ${DAY}          | ${3}      | ${null}                                    | ${false}
    ${lab('alt', 200, DAY)}   | ${DAY}          | ${2.4}    | ${null}                                    | ${false}
    ${lab('alt', 200, DAY)}   | ${DAY}          | ${3}      | ${lab('alp', 259, DAY)}                    | ${true}
    ${lab('alt', 200, DAY)}   | ${DAY}          | ${3}      | ${lab('alp', 260, DAY)}                    | ${false}
    ${lab('alt', 200, DAY)}   | ${DAY}          | ${3}      | ${lab('alp', 400, DAY, { range: 'none' })} | ${true}
  `(
    '$transaminase.analyte $transaminase.value + bilirubin $bilirubin on $bilirubinDay + ALP $alp.value → $expected',
    ({ transaminase, bilirubinDay, bilirubin, alp, expected }) => {
      const history = [transaminase, ...(alp ? [alp] : [])];
      const trigger = lab('bilirubin', bilirubin, bilirubinDay);
      const decisions = only(evaluate(patient(), [trigger], history).decisions, 'LFT-2');
      expect(decisions.map((d) => `${d.ruleId}:${d.severity}`)).toEqual(expected ? ['LFT-2:critical'] : []);
      if (expected)
        expect(decisions[0].resultIds.slice(0, 2)).toEqual([trigger.resultId, transaminase.resultId]);
    },
  );

  it('notes an ALP that could not be checked rather than letting it block the alert', () => {
    const history = [lab('alt', 200, DAY), lab('alp', 400, DAY, { range: 'none' })];
    const [decision] = only(evaluate(patient(), [lab('bilirubin', 3, DAY)], history).decisions, 'LFT-2');
    expect(decision.explanation.notes).toContain('exclusion not checked: no ULN sent and no fallback');
  });
});

describe('BILI-1 bilirubin above ULN with normal transaminases', () => {
  it.each`
    bilirubin | partners                          | expected
    ${1.2}    | ${[]}                             | ${[]}
    ${1.21}   | ${[]}                             | ${['BILI-1:info']}
    ${1.21}   | ${[lab('alt', 40, DAY)]}          | ${['BILI-1:info']}
    ${1.21}   | ${[lab('alt', 41, DAY)]}          | ${[]}
    ${1.21}   | ${[lab('ast', 41, '2025-01-22')]} | ${[]}
    ${1.21}   | ${[lab('ast', 41, '2025-01-23')]} | ${['BILI-1:info']}
  `(
    'bilirubin $bilirubin with $partners.length partner(s) → $expected',
    ({ bilirubin, partners, expected }) => {
      expect(gradeOne(lab('bilirubin', bilirubin, DAY), { history: partners, rules: LIVER })).toEqual(
        expected,
      );
    },
  );
});
