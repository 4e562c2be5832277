import { evaluate, gradeOne, lab, only, patient } from './testing/rule-fixtures';

const DAY = '2025-01-15';
const THYROID = ['TSH-1', 'TSH-2', 'TSH-3'];

describe('TSH-1 TSH outside the lab range', () => {
  it.each`
    value   | expected                       | action
    ${0.4}  | ${[]}                          | ${null}
    ${0.39} | ${['TSH-1:warning:below-lln']} | ${'TSH-receptor antibodies (TRAb)'}
    ${4.0}  | ${[]}                          | ${null}
    ${4.01} | ${['TSH-1:warning:above-uln']} | ${'TPO antibodies'}
  `('TSH $value mIU/L (range 0.4–4.0) → $expected', ({ value, expected, action }) => {
    const out = evaluate(patient(), [lab('tsh', value, DAY)]);
    expect(out.decisions.map((d) => `${d.ruleId}:${d.severity}:${d.explanation.tier}`)).toEqual(expected);
    if (action) expect(out.decisions[0].explanation.action).toContain(action);
  });

  it('has no fallback range: a TSH without one is flagged as ungradable, not silently passed', () => {
    expect(gradeOne(lab('tsh', 7, DAY, { range: 'none' }))).toEqual(['DQ-1:warning']);
    expect(gradeOne(lab('tsh', 12, DAY, { range: 'none' }))).toEqual(['TSH-2:warning', 'DQ-1:warning']);
  });

  it('reports a recovery when TSH is back in range', () => {
    expect(evaluate(patient(), [lab('tsh', 2, DAY)]).recoveries.map((r) => r.ruleId)).toEqual(['TSH-1']);
  });
});

describe('TSH-2 TSH with free T4', () => {
  it.each`
    tsh      | ft4Day          | ft4    | expected
    ${0.05}  | ${'2025-01-08'} | ${2.0} | ${['TSH-1:warning', 'TSH-2:critical']}
    ${0.05}  | ${'2025-01-22'} | ${2.0} | ${['TSH-1:warning', 'TSH-2:critical']}
    ${0.05}  | ${'2025-01-07'} | ${2.0} | ${['TSH-1:warning']}
    ${0.05}  | ${'2025-01-23'} | ${2.0} | ${['TSH-1:warning']}
    ${0.1}   | ${DAY}          | ${2.0} | ${['TSH-1:warning']}
    ${0.099} | ${DAY}          | ${2.0} | ${['TSH-1:warning', 'TSH-2:critical']}
    ${0.05}  | ${DAY}          | ${1.8} | ${['TSH-1:warning']}
  `('TSH $tsh with FT4 $ft4 on $ft4Day → $expected', ({ tsh, ft4Day, ft4, expected }) => {
    const history = [lab('ft4', ft4, ft4Day)];
    expect(gradeOne(lab('tsh', tsh, DAY), { history, rules: THYROID })).toEqual(expected);
  });

  it.each`
    analyte  | value    | expected
    ${'tsh'} | ${10}    | ${['TSH-1:warning']}
    ${'tsh'} | ${10.01} | ${['TSH-1:warning', 'TSH-2:warning']}
    ${'ft4'} | ${1.8}   | ${[]}
    ${'ft4'} | ${1.81}  | ${['TSH-2:warning']}
  `('$analyte $value alone → $expected', ({ analyte, value, expected }) => {
    expect(gradeOne(lab(analyte, value, DAY), { rules: THYROID })).toEqual(expected);
  });

  it('fires critical on the free T4 too when the suppressed TSH came first', () => {
    const tsh = lab('tsh', 0.03, '2025-01-13');
    const ft4 = lab('ft4', 2.4, DAY);
    const [decision] = only(evaluate(patient(), [ft4], [tsh]).decisions, 'TSH-2');
    expect(decision.severity).toBe('critical');
    expect(decision.resultIds).toEqual([ft4.resultId, tsh.resultId]);
  });
});

describe('TSH-3 abnormal thyroid result in pregnancy', () => {
  const pregnant = patient({ flags: { pregnant: true } });
  it.each`
    analyte   | value   | expected
    ${'tsh'}  | ${4.0}  | ${[]}
    ${'tsh'}  | ${4.01} | ${['TSH-3:critical']}
    ${'tsh'}  | ${0.39} | ${['TSH-3:critical']}
    ${'tsh'}  | ${12}   | ${['TSH-3:critical']}
    ${'ft4'}  | ${0.8}  | ${[]}
    ${'ft4'}  | ${0.79} | ${['TSH-3:critical']}
    ${'ft3'}  | ${4.3}  | ${['TSH-3:critical']}
    ${'trab'} | ${1.75} | ${[]}
    ${'trab'} | ${1.76} | ${['TSH-3:critical']}
  `('pregnant: $analyte $value → $expected (TSH-1/TSH-2 superseded)', ({ analyte, value, expected }) => {
    expect(gradeOne(lab(analyte, value, DAY), { context: pregnant, rules: THYROID })).toEqual(expected);
  });

  it('does not apply without the pregnancy flag', () => {
    expect(gradeOne(lab('trab', 5, DAY), { rules: THYROID })).toEqual([]);
    expect(gradeOne(lab('tsh', 4.01, DAY), { rules: THYROID })).toEqual(['TSH-1:warning']);
  });

  it('says which rules it replaced', () => {
    const [decision] = evaluate(pregnant, [lab('tsh', 12, DAY)]).decisions;
    expect(decision.explanation.supersededRuleIds).toEqual(['TSH-1', 'TSH-2']);
  });
});
