import { COURSE_1, evaluate, gradeOne, lab, only, patient } from './testing/rule-fixtures';

const OUTSIDE = '2025-01-15';
const INSIDE_W0_60 = '2024-04-01';
// Course 1 starts 2024-03-04: its baseline window is 2024-02-03 … 2024-03-03.
const IN_BASELINE = '2024-02-20';

describe('ANC-1 neutrophil ladder', () => {
  it.each`
    value   | day             | expected
    ${1.8}  | ${OUTSIDE}      | ${[]}
    ${1.79} | ${OUTSIDE}      | ${['ANC-1:info']}
    ${1.5}  | ${OUTSIDE}      | ${['ANC-1:info']}
    ${1.49} | ${OUTSIDE}      | ${['ANC-1:warning']}
    ${1.0}  | ${OUTSIDE}      | ${['ANC-1:warning']}
    ${0.99} | ${OUTSIDE}      | ${['ANC-1:critical']}
    ${0.5}  | ${OUTSIDE}      | ${['ANC-1:critical']}
    ${0.49} | ${OUTSIDE}      | ${['ANC-1:critical!']}
    ${1.8}  | ${INSIDE_W0_60} | ${[]}
    ${1.79} | ${INSIDE_W0_60} | ${['ANC-1:warning']}
    ${1.49} | ${INSIDE_W0_60} | ${['ANC-1:warning']}
    ${0.99} | ${INSIDE_W0_60} | ${['ANC-1:critical']}
    ${0.49} | ${INSIDE_W0_60} | ${['ANC-1:critical!']}
  `('ANC $value on $day → $expected (one alert per result: the worst tier)', ({ value, day, expected }) => {
    expect(gradeOne(lab('neutrophils', value, day), { rules: ['ANC-1'] })).toEqual(expected);
  });

  it('uses the lab LLN (no catalogue fallback exists for neutrophils); without it the absolute tiers still work', () => {
    expect(gradeOne(lab('neutrophils', 1.95, OUTSIDE, { range: [2.0, 7.5] }))).toEqual(['ANC-1:info']);
    // No range: the info tier cannot be graded, which is not worth a data-quality alert outside W0-60 …
    expect(gradeOne(lab('neutrophils', 1.7, OUTSIDE, { range: 'none' }))).toEqual([]);
    // … but inside W0-60 that tier is a warning, so the result is flagged as ungradable (DQ-1)
    expect(gradeOne(lab('neutrophils', 1.7, INSIDE_W0_60, { range: 'none' }))).toEqual(['DQ-1:warning']);
    expect(gradeOne(lab('neutrophils', 1.4, INSIDE_W0_60, { range: 'none' }))).toEqual(['ANC-1:warning']);
  });

  it('the emergency tier names the febrile-neutropenia pathway', () => {
    const [decision] = evaluate(patient(), [lab('neutrophils', 0.3, OUTSIDE)]).decisions;
    expect(decision.explanation.tier).toBe('lt-0.5');
    expect(decision.explanation.action).toContain('febrile-neutropenia pathway');
    expect(decision.explanation.notes).toContain('also met: below-lln, lt-1.5, lt-1.0');
  });
});

describe('HGB-1 haemoglobin', () => {
  it.each`
    value   | expected
    ${10}   | ${[]}
    ${9.99} | ${['HGB-1:warning']}
    ${8}    | ${['HGB-1:warning']}
    ${7.99} | ${['HGB-1:critical']}
  `('Hb $value g/dL → $expected', ({ value, expected }) => {
    expect(gradeOne(lab('haemoglobin', value, OUTSIDE), { rules: ['HGB-1'] })).toEqual(expected);
  });

  it.each`
    baselineDay     | baseline | value    | expected
    ${IN_BASELINE}  | ${13.5}  | ${11.5}  | ${['HGB-1:warning']}
    ${IN_BASELINE}  | ${13.5}  | ${11.51} | ${[]}
    ${'2024-02-03'} | ${13.5}  | ${11.5}  | ${['HGB-1:warning']}
    ${'2024-03-03'} | ${13.5}  | ${11.5}  | ${['HGB-1:warning']}
    ${'2024-02-02'} | ${13.5}  | ${11.5}  | ${['HGB-1:warning']}
    ${'2023-09-06'} | ${13.5}  | ${11.5}  | ${['HGB-1:warning']}
    ${'2023-09-05'} | ${13.5}  | ${11.5}  | ${[]}
    ${'2024-03-04'} | ${13.5}  | ${11.5}  | ${[]}
  `(
    'a fall of ≥2 g/dL from the baseline ($baseline on $baselineDay; look-back 180 days) to $value → $expected',
    ({ baselineDay, baseline, value, expected }) => {
      const history = [lab('haemoglobin', baseline, baselineDay)];
      expect(gradeOne(lab('haemoglobin', value, OUTSIDE), { history, rules: ['HGB-1'] })).toEqual(expected);
    },
  );

  it('explains the baseline it used', () => {
    const history = [lab('haemoglobin', 13.8, IN_BASELINE), lab('haemoglobin', 13.0, '2024-02-25')];
    const [decision] = evaluate(patient(), [lab('haemoglobin', 10.9, OUTSIDE)], history).decisions;
    expect(decision.explanation.tier).toBe('baseline-fall');
    expect(decision.explanation.baseline?.value).toBe(13.0);
    expect(decision.explanation.summary).toBe(
      'Haemoglobin 10.9 g/dL is -2.1 g/dL from the baseline 13 g/dL (2024-02-25) (a fall of 2 g/dL or more).',
    );
  });
});

describe('CYTO-1 two or more lineages below LLN in the same draw', () => {
  it.each`
    partner                                              | trigger                             | expected
    ${lab('haemoglobin', 11.9, OUTSIDE)}                 | ${lab('platelets', 149, OUTSIDE)}   | ${true}
    ${lab('neutrophils', 1.7, OUTSIDE)}                  | ${lab('platelets', 149, OUTSIDE)}   | ${true}
    ${lab('haemoglobin', 11.9, '2025-01-14')}            | ${lab('platelets', 149, OUTSIDE)}   | ${false}
    ${lab('haemoglobin', 11.9, '2025-01-16')}            | ${lab('platelets', 149, OUTSIDE)}   | ${false}
    ${lab('haemoglobin', 12, OUTSIDE)}                   | ${lab('platelets', 149, OUTSIDE)}   | ${false}
    ${lab('haemoglobin', 11.9, OUTSIDE)}                 | ${lab('platelets', 150, OUTSIDE)}   | ${false}
    ${lab('platelets', 149, OUTSIDE, { range: 'none' })} | ${lab('neutrophils', 1.7, OUTSIDE)} | ${true}
  `(
    'partner $partner.analyte $partner.value ($partner.observedAt) + $trigger.analyte $trigger.value → $expected',
    ({ partner, trigger, expected }) => {
      const decisions = only(evaluate(patient(), [trigger], [partner]).decisions, 'CYTO-1');
      expect(decisions.length).toBe(expected ? 1 : 0);
      if (expected) {
        expect(decisions[0].severity).toBe('critical');
        expect(decisions[0].resultIds).toEqual([trigger.resultId, partner.resultId]);
      }
    },
  );

  it('fires once per draw, on the result that completes it, and not on a normal result', () => {
    const draw = [
      lab('haemoglobin', 11, OUTSIDE),
      lab('platelets', 140, OUTSIDE),
      lab('neutrophils', 4, OUTSIDE),
    ];
    const cyto = only(evaluate(patient(), draw).decisions, 'CYTO-1');
    expect(cyto.map((d) => d.resultIds)).toEqual([[draw[1].resultId, draw[0].resultId]]);
  });
});

describe('LYM-1 lymphopenia (info only)', () => {
  it.each`
    value   | range         | expected          | fallback
    ${1.0}  | ${[1.0, 4.0]} | ${[]}             | ${null}
    ${0.99} | ${[1.0, 4.0]} | ${['LYM-1:info']} | ${false}
    ${0.2}  | ${[1.0, 4.0]} | ${['LYM-1:info']} | ${false}
    ${0.99} | ${'none'}     | ${['LYM-1:info']} | ${true}
    ${1.0}  | ${'fallback'} | ${[]}             | ${null}
  `('lymphocytes $value (range $range) → $expected', ({ value, range, expected, fallback }) => {
    const out = evaluate(patient(), [lab('lymphocytes', value, OUTSIDE, { range })]);
    expect(out.decisions.map((d) => `${d.ruleId}:${d.severity}`)).toEqual(expected);
    if (fallback !== null) expect(out.decisions[0].explanation.rangeFallback).toBe(fallback);
  });
});

describe('CD4-1 prophylaxis stop criterion from course end + 60 days', () => {
  // Course 1 ends 2024-03-08: day 60 is 2024-05-07.
  it.each`
    value  | day             | expected
    ${250} | ${'2024-05-06'} | ${[]}
    ${150} | ${'2024-05-06'} | ${[]}
    ${199} | ${'2024-05-07'} | ${['CD4-1:info:continue-prophylaxis']}
    ${200} | ${'2024-05-07'} | ${['CD4-1:info:stop-criterion-met']}
    ${350} | ${OUTSIDE}      | ${['CD4-1:info:stop-criterion-met']}
  `('CD4 $value/µL on $day → $expected', ({ value, day, expected }) => {
    const out = evaluate(patient(), [lab('cd4', value, day)]);
    expect(out.decisions.map((d) => `${d.ruleId}:${d.severity}:${d.explanation.tier}`)).toEqual(expected);
  });

  it('counts from the end of the course in effect: a new course restarts the 60 days', () => {
    const course2 = { courseNumber: 2, infusionDays: ['2025-03-10', '2025-03-11', '2025-03-12'] };
    const context = patient({ courses: [COURSE_1, course2] });
    expect(evaluate(context, [lab('cd4', 150, '2025-04-01')]).decisions).toEqual([]);
    expect(evaluate(context, [lab('cd4', 150, '2025-05-11')]).decisions.map((d) => d.ruleId)).toEqual([
      'CD4-1',
    ]);
  });
});
