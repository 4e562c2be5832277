import { normaliseObservation } from '../results/normalise';
import { type RuleInputResult } from './evaluation-input';
import { defaultRuleSets, loadRuleSet, RuleSetError } from './rule-set.loader';
import { applySiteOverrides } from './rule-set.overrides';
import { brief, evaluate, patient, withoutBaselineNotice } from './testing/rule-fixtures';

/**
 * Clinical rules §2 writes some thresholds in two unit systems. A threshold written in both holds in both: a value
 * sent in one system is judged against the number written in that system, at the precision it was written in,
 * never against the other number after a conversion that lands a hair beside it. Every case below is a result
 * as a lab sends it (value, unit, range), through the normaliser, exactly at each threshold.
 */

let sequence = 0;

/** A result exactly as a lab sends it, normalised as the processor does. */
function sent(
  loinc: string,
  value: number,
  unit: string,
  at: string,
  referenceRange: string | null = null,
): RuleInputResult {
  const normalised = normaliseObservation({
    code: loinc,
    system: 'LN',
    valueType: 'NM',
    value,
    comparator: null,
    unit,
    referenceRange,
  });
  expect(normalised.quality).toBe('ok');
  return {
    ...normalised,
    resultId: `u${++sequence}`,
    patientId: 'p1',
    status: 'final',
    observedAt: new Date(`${at}T08:00:00Z`),
    original: { value: String(value), unit },
  };
}

const BASELINE_DAY = '2024-02-20'; // 13 days before course 1 (2024-03-04)
const DAY = '2025-01-15';

function grade(result: RuleInputResult, history: RuleInputResult[], rules: string[]): string[] {
  const out = evaluate(patient(), [result], history);
  return brief(withoutBaselineNotice(out.decisions).filter((d) => rules.includes(d.ruleId)));
}

describe('CREA-1: a rise of 0.3 mg/dL is a rise of 26.5 µmol/L', () => {
  it.each`
    baseline | baselineUnit | value   | unit        | expected
    ${70}    | ${'umol/L'}  | ${96.5} | ${'umol/L'} | ${['CREA-1:warning']}
    ${70}    | ${'umol/L'}  | ${96.4} | ${'umol/L'} | ${[]}
    ${62}    | ${'umol/L'}  | ${88.5} | ${'umol/L'} | ${['CREA-1:warning']}
    ${0.7}   | ${'mg/dL'}   | ${1.0}  | ${'mg/dL'}  | ${['CREA-1:warning']}
    ${0.7}   | ${'mg/dL'}   | ${0.99} | ${'mg/dL'}  | ${[]}
    ${0.8}   | ${'mg/dL'}   | ${97.3} | ${'umol/L'} | ${['CREA-1:warning']}
    ${0.8}   | ${'mg/dL'}   | ${97.2} | ${'umol/L'} | ${[]}
    ${70.72} | ${'umol/L'}  | ${1.1}  | ${'mg/dL'}  | ${['CREA-1:warning']}
    ${70.72} | ${'umol/L'}  | ${1.09} | ${'mg/dL'}  | ${[]}
  `(
    'baseline $baseline $baselineUnit → $value $unit (no ULN crossed; the rise judged in the unit of the new value) → $expected',
    ({ baseline, baselineUnit, value, unit, expected }) => {
      const history = [sent('14682-9', baseline, baselineUnit, BASELINE_DAY)];
      // A wide range: only the rise from baseline can fire.
      const range = unit === 'umol/L' ? '40-150' : '0.45-1.7';
      expect(grade(sent('14682-9', value, unit, DAY, range), history, ['CREA-1', 'CREA-2'])).toEqual(
        expected,
      );
    },
  );

  it('says in which unit it judged the rise', () => {
    const history = [sent('14682-9', 70, 'umol/L', BASELINE_DAY)];
    const out = evaluate(patient(), [sent('14682-9', 96.5, 'umol/L', DAY, '40-150')], history);
    const [crea1] = out.decisions.filter((d) => d.ruleId === 'CREA-1');
    expect(crea1.explanation.tier).toBe('baseline-rise');
    expect(crea1.explanation.values[0].original).toEqual({ value: '96.5', unit: 'umol/L' });
  });
});

describe('CREA-2: ratios hold in either unit', () => {
  it.each`
    baseline | value    | unit        | expected
    ${70}    | ${105}   | ${'umol/L'} | ${['CREA-2:critical']}
    ${70}    | ${104.9} | ${'umol/L'} | ${['CREA-1:warning']}
    ${70}    | ${210}   | ${'umol/L'} | ${['CREA-2:critical!']}
    ${0.8}   | ${1.2}   | ${'mg/dL'}  | ${['CREA-2:critical']}
  `('baseline $baseline → $value $unit → $expected', ({ baseline, value, unit, expected }) => {
    const history = [sent('14682-9', baseline, unit, BASELINE_DAY)];
    const range = unit === 'umol/L' ? '40-250' : '0.45-3';
    expect(grade(sent('14682-9', value, unit, DAY, range), history, ['CREA-1', 'CREA-2'])).toEqual(expected);
  });
});

describe('UPRO-1: 150–500 mg/g is 15–50 mg/mmol', () => {
  it.each`
    value    | unit         | expected
    ${149}   | ${'mg/g'}    | ${[]}
    ${150}   | ${'mg/g'}    | ${['UPRO-1:warning']}
    ${500}   | ${'mg/g'}    | ${['UPRO-1:warning']}
    ${501}   | ${'mg/g'}    | ${['UPRO-1:critical']}
    ${14.9}  | ${'mg/mmol'} | ${[]}
    ${15}    | ${'mg/mmol'} | ${['UPRO-1:warning']}
    ${16}    | ${'mg/mmol'} | ${['UPRO-1:warning']}
    ${50}    | ${'mg/mmol'} | ${['UPRO-1:warning']}
    ${50.1}  | ${'mg/mmol'} | ${['UPRO-1:critical']}
    ${52}    | ${'mg/mmol'} | ${['UPRO-1:critical']}
    ${0.149} | ${'g/g'}     | ${[]}
    ${0.15}  | ${'g/g'}     | ${['UPRO-1:warning']}
    ${0.5}   | ${'g/g'}     | ${['UPRO-1:warning']}
    ${0.501} | ${'g/g'}     | ${['UPRO-1:critical']}
    ${0.15}  | ${'mg/mg'}   | ${['UPRO-1:warning']}
  `('UPCR $value $unit (no baseline) → $expected', ({ value, unit, expected }) => {
    expect(grade(sent('2890-2', value, unit, DAY), [], ['UPRO-1'])).toEqual(expected);
  });

  it('"new against the baseline" reads the baseline in its own unit: 50 mg/mmol is not above 50', () => {
    const history = [sent('2890-2', 50, 'mg/mmol', BASELINE_DAY)];
    expect(grade(sent('2890-2', 60, 'mg/mmol', DAY), history, ['UPRO-1'])).toEqual(['UPRO-1:critical']);
    const raised = [sent('2890-2', 50.1, 'mg/mmol', BASELINE_DAY)];
    expect(grade(sent('2890-2', 60, 'mg/mmol', DAY), raised, ['UPRO-1'])).toEqual(['UPRO-1:warning']);
  });
});

describe('RENAL-1: a new UPCR of 0.5 g/g (500 mg/g, 50 mg/mmol) with a creatinine rise', () => {
  it.each`
    value   | unit         | expected
    ${50}   | ${'mg/mmol'} | ${['RENAL-1:critical']}
    ${49.9} | ${'mg/mmol'} | ${['UPRO-1:warning']}
    ${500}  | ${'mg/g'}    | ${['RENAL-1:critical']}
    ${0.5}  | ${'g/g'}     | ${['RENAL-1:critical']}
    ${0.49} | ${'g/g'}     | ${['UPRO-1:warning']}
  `('UPCR $value $unit beside creatinine 1.3 mg/dL → $expected', ({ value, unit, expected }) => {
    const history = [sent('2160-0', 1.3, 'mg/dL', DAY, '0.6-1.1')];
    expect(grade(sent('2890-2', value, unit, DAY), history, ['RENAL-1', 'UPRO-1', 'CREA-1'])).toEqual(
      expected,
    );
  });
});

describe('HLH-2: triglycerides 265 mg/dL are 3.0 mmol/L', () => {
  it.each`
    value   | unit        | expected
    ${265}  | ${'mg/dL'}  | ${['HLH-2:critical']}
    ${264}  | ${'mg/dL'}  | ${[]}
    ${3.0}  | ${'mmol/L'} | ${['HLH-2:critical']}
    ${2.99} | ${'mmol/L'} | ${[]}
  `('triglycerides $value $unit with ferritin 800 µg/L → $expected', ({ value, unit, expected }) => {
    const history = [sent('2276-4', 800, 'ug/L', DAY)];
    expect(grade(sent('2571-8', value, unit, DAY), history, ['HLH-2'])).toEqual(expected);
  });

  it('ferritin in ng/mL is the same number', () => {
    const history = [sent('2571-8', 3.0, 'mmol/L', DAY)];
    expect(grade(sent('2276-4', 500, 'ng/mL', DAY), history, ['HLH-2'])).toEqual(['HLH-2:critical']);
    expect(grade(sent('2276-4', 499, 'ng/mL', DAY), history, ['HLH-2'])).toEqual([]);
  });
});

describe('HGB-1: <10 and <8 g/dL are <6.2 and <4.9 mmol/L (CTCAE v5.0) and <100, <80 g/L', () => {
  it.each`
    value   | unit        | expected
    ${10}   | ${'g/dL'}   | ${[]}
    ${9.99} | ${'g/dL'}   | ${['HGB-1:warning']}
    ${8}    | ${'g/dL'}   | ${['HGB-1:warning']}
    ${7.99} | ${'g/dL'}   | ${['HGB-1:critical']}
    ${6.2}  | ${'mmol/L'} | ${[]}
    ${6.19} | ${'mmol/L'} | ${['HGB-1:warning']}
    ${4.9}  | ${'mmol/L'} | ${['HGB-1:warning']}
    ${4.89} | ${'mmol/L'} | ${['HGB-1:critical']}
    ${100}  | ${'g/L'}    | ${[]}
    ${99}   | ${'g/L'}    | ${['HGB-1:warning']}
    ${80}   | ${'g/L'}    | ${['HGB-1:warning']}
    ${79}   | ${'g/L'}    | ${['HGB-1:critical']}
  `('haemoglobin $value $unit → $expected', ({ value, unit, expected }) => {
    expect(grade(sent('718-7', value, unit, DAY), [], ['HGB-1'])).toEqual(expected);
  });
});

describe('counts per µL and per mm³ are the same thresholds (×10⁹/L ÷ 1000)', () => {
  it.each`
    loinc      | value     | unit          | rules        | expected
    ${'777-3'} | ${100000} | ${'/uL'}      | ${['PLT-3']} | ${[]}
    ${'777-3'} | ${99999}  | ${'/uL'}      | ${['PLT-3']} | ${['PLT-3:critical']}
    ${'777-3'} | ${25000}  | ${'/mm3'}     | ${['PLT-4']} | ${['PLT-4:critical']}
    ${'777-3'} | ${24999}  | ${'cells/uL'} | ${['PLT-4']} | ${['PLT-4:critical!']}
    ${'777-3'} | ${100}    | ${'K/uL'}     | ${['PLT-3']} | ${[]}
    ${'777-3'} | ${99}     | ${'x10E3/uL'} | ${['PLT-3']} | ${['PLT-3:critical']}
    ${'751-8'} | ${1500}   | ${'/uL'}      | ${['ANC-1']} | ${[]}
    ${'751-8'} | ${1499}   | ${'/uL'}      | ${['ANC-1']} | ${['ANC-1:warning']}
    ${'751-8'} | ${500}    | ${'/mm3'}     | ${['ANC-1']} | ${['ANC-1:critical']}
    ${'751-8'} | ${499}    | ${'/mm3'}     | ${['ANC-1']} | ${['ANC-1:critical!']}
    ${'751-8'} | ${0.5}    | ${'10*9/L'}   | ${['ANC-1']} | ${['ANC-1:critical']}
    ${'751-8'} | ${0.499}  | ${'G/L'}      | ${['ANC-1']} | ${['ANC-1:critical!']}
  `('$loinc $value $unit → $expected', ({ loinc, value, unit, rules, expected }) => {
    // No range sent: only the absolute tiers are at stake.
    expect(grade(sent(loinc, value, unit, DAY), [], rules)).toEqual(expected);
  });

  it('CD4 200 /µL is 0.2 ×10⁹/L (CD4-1, 60 days or more after the course)', () => {
    const after = '2024-06-01';
    const names = (r: RuleInputResult) =>
      evaluate(patient(), [r]).decisions.map((d) => `${d.ruleId}:${d.explanation.tier}`);
    expect(names(sent('24467-3', 200, '/uL', after))).toEqual(['CD4-1:stop-criterion-met']);
    expect(names(sent('24467-3', 0.2, '10*9/L', after))).toEqual(['CD4-1:stop-criterion-met']);
    expect(names(sent('24467-3', 0.199, '10*9/L', after))).toEqual(['CD4-1:continue-prophylaxis']);
  });
});

describe('unit-system thresholds in the rule set', () => {
  it('are refused when they do not say the same thing, or name what the rule does not have', () => {
    const ms = JSON.parse(JSON.stringify(defaultRuleSets().MS)) as { rules: Array<Record<string, unknown>> };
    const crea1 = ms.rules.find((r) => r.id === 'CREA-1')!;
    crea1.unitThresholds = [
      { analyte: 'creatinine', unit: 'umol/L', thresholds: { baselineRise: 2.65 } },
      { analyte: 'creatinine', unit: 'mg/dL', thresholds: { baselineRise: 0.3 } },
      { analyte: 'creatinine', unit: 'mmol/L', thresholds: { rise: 0.03 } },
      { analyte: 'platelets', unit: '/uL', thresholds: { baselineRise: 300 } },
    ];
    expect(() => loadRuleSet(ms)).toThrow(RuleSetError);
    try {
      loadRuleSet(ms);
    } catch (error) {
      expect((error as RuleSetError).issues).toEqual([
        'CREA-1: unitThresholds creatinine umol/L: baselineRise 2.65 umol/L is 0.0299774 mg/dL, not 0.3',
        'CREA-1: unitThresholds creatinine mg/dL: mg/dL is the canonical unit',
        'CREA-1: unitThresholds creatinine mmol/L: not a UCUM unit Creatinine (serum) is accepted in',
        'CREA-1: unitThresholds platelets /uL: the rule does not read platelets',
      ]);
    }
  });

  it('a site that changes a threshold sets it in every unit: its other-unit twin is dropped', () => {
    const site = applySiteOverrides(defaultRuleSets().MS, 'site-4', [
      { ruleId: 'UPRO-1', thresholds: { warning: 200 } },
    ]);
    const upro1 = site.rules.find((r) => r.id === 'UPRO-1')!;
    expect(upro1.unitThresholds).toEqual([
      { analyte: 'upcr', unit: 'mg/mmol', thresholds: { critical: 50 } },
    ]);
    const out = (value: number) =>
      brief(
        evaluate(patient(), [sent('2890-2', value, 'mg/mmol', DAY)], [], site).decisions.filter(
          (d) => d.ruleId === 'UPRO-1',
        ),
      );
    // 200 mg/g is 22.6 mg/mmol: 22 is below it, 23 above it; 50 mg/mmol still as written.
    expect(out(22)).toEqual([]);
    expect(out(23)).toEqual(['UPRO-1:warning']);
    expect(out(50.1)).toEqual(['UPRO-1:critical']);
  });
});
