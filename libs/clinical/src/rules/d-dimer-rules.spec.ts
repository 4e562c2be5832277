import { defaultRuleSets } from './rule-set.loader';
import { brief, evaluate, gradeOne, lab, patient } from './testing/rule-fixtures';

// Course 1 infusions 2024-03-04 … 2024-03-08: W0-3 runs to 2024-03-11.
const IN_W0_3 = '2024-03-11';
const AFTER_W0_3 = '2024-03-12';
const LATER = '2025-01-15';
const DD = ['DD-1', 'DD-2', 'DD-3', 'DD-4'];

describe('DD-1..DD-3 D-dimer against the cut-off of its basis', () => {
  it.each`
    basis    | value   | day           | expected
    ${'FEU'} | ${0.5}  | ${LATER}      | ${[]}
    ${'FEU'} | ${0.51} | ${LATER}      | ${['DD-1:warning']}
    ${'FEU'} | ${0.51} | ${IN_W0_3}    | ${['DD-1:info']}
    ${'FEU'} | ${0.51} | ${AFTER_W0_3} | ${['DD-1:warning']}
    ${'FEU'} | ${1.99} | ${LATER}      | ${['DD-1:warning']}
    ${'FEU'} | ${2.0}  | ${LATER}      | ${['DD-2:warning']}
    ${'FEU'} | ${2.0}  | ${IN_W0_3}    | ${['DD-2:warning']}
    ${'FEU'} | ${4.99} | ${LATER}      | ${['DD-2:warning']}
    ${'FEU'} | ${5.0}  | ${LATER}      | ${['DD-3:critical']}
    ${'FEU'} | ${5.0}  | ${IN_W0_3}    | ${['DD-3:critical']}
    ${'DDU'} | ${0.25} | ${LATER}      | ${[]}
    ${'DDU'} | ${0.26} | ${LATER}      | ${['DD-1:warning']}
    ${'DDU'} | ${0.99} | ${LATER}      | ${['DD-1:warning']}
    ${'DDU'} | ${1.0}  | ${LATER}      | ${['DD-2:warning']}
    ${'DDU'} | ${2.49} | ${LATER}      | ${['DD-2:warning']}
    ${'DDU'} | ${2.5}  | ${LATER}      | ${['DD-3:critical']}
  `('$value mg/L $basis on $day → $expected', ({ basis, value, day, expected }) => {
    expect(gradeOne(lab('d-dimer', value, day, { basis }), { rules: DD })).toEqual(expected);
  });

  it.each`
    birthDate       | value   | expected
    ${'1950-01-10'} | ${0.75} | ${[]}
    ${'1950-01-10'} | ${0.76} | ${['DD-1:warning']}
    ${'1950-01-20'} | ${0.75} | ${['DD-1:warning']}
    ${'1974-01-10'} | ${0.51} | ${[]}
    ${'1974-01-10'} | ${0.52} | ${['DD-1:warning']}
    ${'1974-01-20'} | ${0.51} | ${['DD-1:warning']}
    ${null}         | ${0.51} | ${['DD-1:warning']}
    ${'1950-01-10'} | ${2.0}  | ${['DD-2:warning']}
  `(
    'age-adjusted FEU cut-off (age/100 above 50 y): born $birthDate, $value on 2025-01-15 → $expected',
    ({ birthDate, value, expected }) => {
      const context = patient({ birthDate });
      expect(gradeOne(lab('d-dimer', value, LATER), { context, rules: DD })).toEqual(expected);
    },
  );

  it('does not age-adjust a DDU result (the lower cut-off is the safe one)', () => {
    const context = patient({ birthDate: '1940-01-01' });
    expect(gradeOne(lab('d-dimer', 0.3, LATER, { basis: 'DDU' }), { context, rules: DD })).toEqual([
      'DD-1:warning',
    ]);
  });

  it('takes the basis from the LOINC code when the result carries none', () => {
    const feu = lab('d-dimer', 0.3, LATER, { basis: null, loinc: '48065-7' });
    expect(gradeOne(feu, { rules: DD })).toEqual([]);
    const ddu = lab('d-dimer', 0.3, LATER, { basis: null, loinc: '48066-5' });
    expect(gradeOne(ddu, { rules: DD })).toEqual(['DD-1:warning']);
  });

  it('grades an unknown basis against the DDU cut-off and flags it (DD-4)', () => {
    const out = evaluate(patient(), [lab('d-dimer', 0.3, LATER, { basis: null, loinc: '7799-0' })]);
    expect(out.decisions.map((d) => `${d.ruleId}:${d.severity}:${d.kind}`)).toEqual([
      'DD-1:warning:breach',
      'DD-4:warning:data-quality',
    ]);
    expect(out.decisions[0].explanation.summary).toBe(
      'D-dimer 0.3 mg/L (unknown) is above the cut-off 0.25 mg/L DDU (basis unknown, DDU assumed).',
    );
    expect(out.decisions[1].explanation.tier).toBe('basis-unknown');
  });

  it('DD-3 supersedes DD-2 and DD-1; DD-2 supersedes DD-1', () => {
    const [dd3] = evaluate(patient(), [lab('d-dimer', 6, LATER)]).decisions;
    expect(dd3.explanation.supersededRuleIds).toEqual(['DD-1', 'DD-2']);
    const [dd2] = evaluate(patient(), [lab('d-dimer', 3, LATER)]).decisions;
    expect(dd2.explanation.supersededRuleIds).toEqual(['DD-1']);
  });
});

describe('DD-4 D-dimer data quality', () => {
  it('holds an implausible unit: a data-quality decision, never a grade', () => {
    const held = lab('d-dimer', null, IN_W0_3, {
      quality: 'held',
      qualityReason: 'unit "ng/dL" is not accepted for D-dimer',
      original: { value: '38000', unit: 'ng/dL' },
    });
    const out = evaluate(patient(), [held]);
    expect(out.decisions.map((d) => `${d.ruleId}:${d.severity}:${d.kind}`)).toEqual([
      'DD-4:warning:data-quality',
    ]);
    expect(out.decisions[0].explanation.summary).toBe(
      'D-dimer held and not graded: unit "ng/dL" is not accepted for D-dimer.',
    );
  });

  it.each`
    previous | previousDay     | value   | expected
    ${0.3}   | ${'2025-01-13'} | ${38}   | ${['DD-4:warning']}
    ${0.4}   | ${'2025-01-13'} | ${39.9} | ${['DD-3:critical']}
    ${0.4}   | ${'2025-01-13'} | ${40}   | ${['DD-4:warning']}
    ${0.3}   | ${'2025-01-08'} | ${38}   | ${['DD-4:warning']}
    ${0.3}   | ${'2025-01-07'} | ${38}   | ${['DD-3:critical']}
    ${40}    | ${'2025-01-14'} | ${0.4}  | ${['DD-4:warning']}
  `(
    'a ≥100-fold jump from $previous ($previousDay) to $value within 7 days is held, not graded → $expected',
    ({ previous, previousDay, value, expected }) => {
      const history = [lab('d-dimer', previous, previousDay)];
      expect(gradeOne(lab('d-dimer', value, LATER), { history, rules: DD })).toEqual(expected);
    },
  );

  it('says which value it holds and why, and raises no D-dimer grade from it (0.3 → 38 mg/L)', () => {
    const history = [lab('d-dimer', 0.3, '2025-01-13', { id: 'before' })];
    const jump = lab('d-dimer', 38, LATER, { id: 'jump', original: { value: '38000', unit: 'ng/mL' } });
    const out = evaluate(patient(), [jump], history);
    expect(out.decisions.map((d) => `${d.ruleId}:${d.severity}:${d.explanation.tier}`)).toEqual([
      'DD-4:warning:implausible-jump',
    ]);
    const [dd4] = out.decisions;
    expect(dd4.resultIds).toEqual(['jump', 'before']);
    expect(dd4.explanation.summary).toBe(
      'D-dimer 38 mg/L is held and not graded: it differs 100-fold or more from the previous value 0.3 mg/L (2025-01-13). Check the unit with the lab, then release it for grading.',
    );
    expect(dd4.explanation.values[0]).toMatchObject({
      value: 38,
      original: { value: '38000', unit: 'ng/mL' },
    });
    expect(out.recoveries).toEqual([]);
    expect(out.held).toEqual([
      {
        patientId: 'p1',
        resultId: 'jump',
        ruleId: 'DD-4',
        tier: 'implausible-jump',
        reason: dd4.explanation.summary,
      },
    ]);
  });

  it('a released value is graded once like any other, and never held again', () => {
    const history = [lab('d-dimer', 0.3, '2025-01-13')];
    const released = lab('d-dimer', 38, LATER, { id: 'jump' });
    const out = evaluate(patient(), [{ ...released, released: true }], history);
    expect(brief(out.decisions)).toEqual(['DD-3:critical']);
    expect(out.held).toEqual([]);
    expect(out.decisions[0].explanation.supersededRuleIds).toEqual(['DD-1', 'DD-2']);
    expect(out.decisions[0].explanation.notes).toContain(
      'released from a data-quality hold by a reviewer, then graded',
    );
  });

  it('the other DD-4 tiers still speak on a held value (basis unknown and a jump)', () => {
    const history = [lab('d-dimer', 0.3, '2025-01-13')];
    const out = evaluate(patient(), [lab('d-dimer', 38, LATER, { basis: null })], history);
    expect(out.decisions.map((d) => `${d.ruleId}:${d.explanation.tier}`)).toEqual(['DD-4:implausible-jump']);
    expect(out.decisions[0].explanation.notes).toContain('also met: basis-unknown');
  });
});

describe('DD-4 and the normaliser flags', () => {
  it('flags a D-dimer converted from nmol/L (accepted, FEU only) as info, and still grades it', () => {
    const result = lab('d-dimer', 6, LATER, { qualityFlags: ['d-dimer-molar-unit'] });
    const out = evaluate(patient(), [result]);
    expect(out.decisions.map((d) => `${d.ruleId}:${d.severity}:${d.explanation.tier}`)).toEqual([
      'DD-3:critical:ge-10x',
      'DD-4:info:molar-unit',
    ]);
    expect(out.decisions[0].explanation.notes).toContain('normaliser flag: d-dimer-molar-unit');
  });

  it('never lends the FEU fallback range to a DDU or unknown-basis D-dimer', () => {
    const ddu = evaluate(patient(), [lab('d-dimer', 0.4, LATER, { basis: 'DDU', range: 'none' })]);
    expect(ddu.decisions[0].explanation.values[0].range).toEqual({ low: null, high: null, source: 'none' });
    const feu = evaluate(patient(), [lab('d-dimer', 0.6, LATER, { range: 'none' })]);
    expect(feu.decisions[0].explanation.values[0].range).toEqual({
      low: null,
      high: 0.5,
      source: 'fallback',
    });
  });
});

describe('VASC-0 and IL6-1', () => {
  it('VASC-0 is in the MS rule set as a not-lab rule and never produces a decision', () => {
    const vasc = defaultRuleSets().MS.rules.find((r) => r.id === 'VASC-0');
    expect(vasc?.evaluation).toBe('not-lab');
    const results = [
      lab('d-dimer', 0.2, IN_W0_3),
      lab('d-dimer', 30, IN_W0_3),
      lab('platelets', 20, IN_W0_3),
    ];
    expect(evaluate(patient(), results).decisions.some((d) => d.ruleId === 'VASC-0')).toBe(false);
  });

  it.each`
    value  | expected
    ${2}   | ${['IL6-1:info']}
    ${106} | ${['IL6-1:info']}
  `('IL-6 $value pg/mL → $expected (no threshold)', ({ value, expected }) => {
    expect(gradeOne(lab('il-6', value, LATER))).toEqual(expected);
  });
});
