import { normaliseObservation } from '../results/normalise';
import { evaluate, gradeOne, lab, only, patient, withoutBaselineNotice } from './testing/rule-fixtures';

const DAY = '2025-01-15';
const IN_BASELINE = '2024-02-20';
const RENAL = ['CREA-1', 'CREA-2', 'RENAL-1', 'URBC-1', 'URBC-2', 'UBLD-1', 'UPRO-1', 'UPRO-2'];

describe('CREA-1 creatinine above ULN or ≥0.3 mg/dL above baseline', () => {
  it.each`
    baseline | value   | expected
    ${null}  | ${1.1}  | ${[]}
    ${null}  | ${1.11} | ${['CREA-1:warning:above-uln']}
    ${0.7}   | ${0.99} | ${[]}
    ${0.7}   | ${1.0}  | ${['CREA-1:warning:baseline-rise']}
    ${0.75}  | ${1.04} | ${[]}
    ${0.9}   | ${1.2}  | ${['CREA-1:warning:above-uln']}
  `('baseline $baseline → $value mg/dL (ULN 1.1) gives $expected', ({ baseline, value, expected }) => {
    const history = baseline === null ? [] : [lab('creatinine', baseline, IN_BASELINE)];
    const out = evaluate(patient(), [lab('creatinine', value, DAY)], history);
    expect(
      withoutBaselineNotice(out.decisions).map((d) => `${d.ruleId}:${d.severity}:${d.explanation.tier}`),
    ).toEqual(expected);
  });

  it('a rise of exactly 0.3 mg/dL counts despite binary floating point (0.9 → 1.2)', () => {
    const history = [lab('creatinine', 0.9, IN_BASELINE, { range: [0.6, 1.3] })];
    expect(gradeOne(lab('creatinine', 1.2, DAY, { range: [0.6, 1.3] }), { history })).toEqual([
      'CREA-1:warning',
    ]);
  });
});

describe('CREA-2 creatinine ≥1.5× baseline, emergency at ≥3× baseline or >3× ULN (supersedes CREA-1)', () => {
  it.each`
    baseline | value   | expected
    ${0.8}   | ${1.19} | ${['CREA-1:warning']}
    ${0.8}   | ${1.2}  | ${['CREA-2:critical']}
    ${0.8}   | ${2.39} | ${['CREA-2:critical']}
    ${0.8}   | ${2.4}  | ${['CREA-2:critical!']}
    ${null}  | ${3.3}  | ${['CREA-1:warning']}
    ${null}  | ${3.31} | ${['CREA-2:critical!']}
  `('baseline $baseline → $value gives $expected', ({ baseline, value, expected }) => {
    const history = baseline === null ? [] : [lab('creatinine', baseline, IN_BASELINE)];
    expect(gradeOne(lab('creatinine', value, DAY), { history, rules: RENAL })).toEqual(expected);
  });

  it('without a range, the ULN tiers cannot be graded: the baseline tiers still work, and DQ-1 says what is missing', () => {
    const history = [lab('creatinine', 0.8, IN_BASELINE)];
    const out = evaluate(patient(), [lab('creatinine', 1.3, DAY, { range: 'none' })], history);
    expect(out.decisions.map((d) => `${d.ruleId}:${d.severity}${d.emergency ? '!' : ''}`)).toEqual([
      'CREA-2:critical',
      'DQ-1:warning',
    ]);
    expect(only(out.decisions, 'DQ-1')[0].explanation.summary).toContain(
      'CREA-2 (gt-3x-uln, critical + emergency',
    );
  });
});

describe('RENAL-1 creatinine rise with urinary findings within ±7 days', () => {
  const creatinine = (day: string) => lab('creatinine', 1.3, day);
  it.each`
    urine                                                       | days  | expected
    ${lab('urine-rbc', 12, '2025-01-22')}                       | ${7}  | ${['RENAL-1:critical']}
    ${lab('urine-rbc', 12, '2025-01-23')}                       | ${8}  | ${['URBC-1:warning']}
    ${lab('urine-rbc', 12, '2025-01-08')}                       | ${-7} | ${['RENAL-1:critical']}
    ${lab('urine-rbc', 12, '2025-01-07')}                       | ${-8} | ${['URBC-1:warning']}
    ${lab('urine-rbc', 3, '2025-01-16')}                        | ${1}  | ${['RENAL-1:critical']}
    ${lab('urine-rbc', 2.9, '2025-01-16')}                      | ${1}  | ${[]}
    ${lab('urine-rbc-automated', 30, '2025-01-16')}             | ${1}  | ${['RENAL-1:critical']}
    ${lab('urine-blood-dipstick', null, DAY, { ordinal: 1 })}   | ${0}  | ${['RENAL-1:critical']}
    ${lab('urine-blood-dipstick', null, DAY, { ordinal: 0.5 })} | ${0}  | ${['UBLD-1:info']}
    ${lab('upcr', 500, DAY)}                                    | ${0}  | ${['RENAL-1:critical']}
    ${lab('upcr', 499, DAY)}                                    | ${0}  | ${['UPRO-1:warning']}
  `('creatinine 1.3 on 2025-01-15 then $urine.analyte ($days d) → $expected', ({ urine, expected }) => {
    const out = evaluate(patient(), [urine], [creatinine(DAY)]);
    expect(withoutBaselineNotice(out.decisions).map((d) => `${d.ruleId}:${d.severity}`)).toEqual(expected);
  });

  it('fires from either side: urine first, then the creatinine, which it names first', () => {
    const urine = lab('urine-rbc', 12, '2025-01-10');
    const crea = creatinine(DAY);
    const [decision] = evaluate(patient(), [crea], [urine]).decisions;
    expect(decision.ruleId).toBe('RENAL-1');
    expect(decision.resultIds).toEqual([crea.resultId, urine.resultId]);
    expect(decision.explanation.supersededRuleIds).toEqual(['CREA-1']);
  });

  it('needs a CREA-1 rise: a normal creatinine with haematuria is URBC-1 only', () => {
    const out = evaluate(patient(), [lab('urine-rbc', 12, DAY)], [lab('creatinine', 0.9, DAY)]);
    expect(out.decisions.map((d) => d.ruleId)).toEqual(['URBC-1']);
  });

  it('counts a rise from baseline as a CREA-1 rise even within the range', () => {
    const history = [lab('creatinine', 0.6, IN_BASELINE), lab('creatinine', 0.95, DAY)];
    const out = evaluate(patient(), [lab('urine-rbc', 5, DAY)], history);
    expect(out.decisions.map((d) => d.ruleId)).toEqual(['RENAL-1']);
  });

  it('a UPCR ≥500 mg/g counts only when new against the baseline', () => {
    const history = [lab('upcr', 700, IN_BASELINE), creatinine(DAY)];
    const out = evaluate(patient(), [lab('upcr', 600, DAY)], history);
    expect(out.decisions.map((d) => `${d.ruleId}:${d.severity}`)).toEqual(['UPRO-1:warning']);
  });
});

describe('URBC-1 / URBC-2 haematuria', () => {
  it.each`
    value  | analyte                  | range         | expected
    ${2.9} | ${'urine-rbc'}           | ${'none'}     | ${[]}
    ${3}   | ${'urine-rbc'}           | ${'none'}     | ${['URBC-1:warning']}
    ${25}  | ${'urine-rbc-automated'} | ${[null, 25]} | ${[]}
    ${26}  | ${'urine-rbc-automated'} | ${[null, 25]} | ${['URBC-1:warning']}
    ${26}  | ${'urine-rbc-automated'} | ${'none'}     | ${['DQ-1:warning']}
  `('$analyte $value (range $range) → $expected', ({ value, analyte, range, expected }) => {
    expect(gradeOne(lab(analyte, value, DAY, { range }))).toEqual(expected);
  });

  it.each`
    earlier   | value | expected
    ${[]}     | ${5}  | ${['URBC-1:warning']}
    ${[5]}    | ${3}  | ${['URBC-2:critical']}
    ${[2]}    | ${5}  | ${['URBC-1:warning']}
    ${[5, 1]} | ${4}  | ${['URBC-1:warning']}
    ${[1, 8]} | ${4}  | ${['URBC-2:critical']}
    ${[8]}    | ${2}  | ${[]}
  `(
    'urine RBC after $earlier → $value gives $expected (2 consecutive samples ≥3/HPF)',
    ({ earlier, value, expected }) => {
      const history = (earlier as number[]).map((v, i) => lab('urine-rbc', v, `2024-1${i}-01`));
      expect(gradeOne(lab('urine-rbc', value, DAY), { history })).toEqual(expected);
    },
  );

  it('URBC-2 names the previous sample and supersedes URBC-1', () => {
    const previous = lab('urine-rbc', 6, '2024-12-10');
    const [decision] = evaluate(patient(), [lab('urine-rbc', 4, DAY)], [previous]).decisions;
    expect(decision.ruleId).toBe('URBC-2');
    expect(decision.resultIds[1]).toBe(previous.resultId);
    expect(decision.explanation.supersededRuleIds).toEqual(['URBC-1']);
  });

  it('automated counts are a separate run from microscopy (not interconvertible)', () => {
    const history = [lab('urine-rbc', 10, '2024-12-10')];
    expect(gradeOne(lab('urine-rbc-automated', 40, DAY), { history })).toEqual(['URBC-1:warning']);
  });
});

describe('UBLD-1 / UPRO-1 / UPRO-2 urine dipsticks and UPCR', () => {
  it.each`
    analyte                     | ordinal | text        | expected
    ${'urine-blood-dipstick'}   | ${0}    | ${null}     | ${[]}
    ${'urine-blood-dipstick'}   | ${0.5}  | ${null}     | ${['UBLD-1:info']}
    ${'urine-blood-dipstick'}   | ${null} | ${'Trace'}  | ${['UBLD-1:info']}
    ${'urine-blood-dipstick'}   | ${null} | ${'neg'}    | ${[]}
    ${'urine-protein-dipstick'} | ${0.5}  | ${null}     | ${[]}
    ${'urine-protein-dipstick'} | ${1}    | ${null}     | ${['UPRO-2:warning']}
    ${'urine-protein-dipstick'} | ${null} | ${'++'}     | ${['UPRO-2:warning']}
    ${'urine-protein-dipstick'} | ${null} | ${'cloudy'} | ${['DQ-1:warning']}
  `('$analyte ordinal $ordinal text $text → $expected', ({ analyte, ordinal, text, expected }) => {
    expect(gradeOne(lab(analyte, null, DAY, { ordinal, text }))).toEqual(expected);
  });

  it.each`
    value    | baseline | expected
    ${149.9} | ${null}  | ${[]}
    ${150}   | ${null}  | ${['UPRO-1:warning:a2']}
    ${500}   | ${null}  | ${['UPRO-1:warning:a2']}
    ${500.1} | ${null}  | ${['UPRO-1:critical:new-a3']}
    ${500.1} | ${500}   | ${['UPRO-1:critical:new-a3']}
    ${500.1} | ${600}   | ${['UPRO-1:warning:a2']}
  `('UPCR $value mg/g (baseline $baseline) → $expected', ({ value, baseline, expected }) => {
    const history = baseline === null ? [] : [lab('upcr', baseline, IN_BASELINE)];
    const out = evaluate(patient(), [lab('upcr', value, DAY)], history);
    expect(
      withoutBaselineNotice(out.decisions).map((d) => `${d.ruleId}:${d.severity}:${d.explanation.tier}`),
    ).toEqual(expected);
  });
});

describe('RENAL-1 second arm: red cell casts or dysmorphic red cells at any time → critical', () => {
  /** A urine sediment result as a lab sends it (OBX-2/OBX-5/OBX-6), through the normaliser. */
  const sediment = (
    code: string,
    valueType: string,
    value: number | string,
    unit: string | null = null,
    referenceRange: string | null = null,
  ) => {
    const normalised = normaliseObservation({
      code,
      system: 'LN',
      valueType,
      value,
      comparator: null,
      unit,
      referenceRange,
    });
    return lab(normalised.analyte!, normalised.value ?? normalised.text, DAY, {
      text: normalised.text,
      range: normalised.range.source === 'lab' ? [normalised.range.low, normalised.range.high] : 'none',
      quality: normalised.quality,
    });
  };

  it.each`
    shape                                  | code         | valueType | value                                      | unit        | range    | expected
    ${'RBC casts per LPF (count)'}         | ${'5807-3'}  | ${'NM'}   | ${2}                                       | ${'/[LPF]'} | ${null}  | ${['RENAL-1:critical']}
    ${'RBC casts per LPF: none'}           | ${'5807-3'}  | ${'NM'}   | ${0}                                       | ${'/[LPF]'} | ${null}  | ${[]}
    ${'RBC casts per HPF as a range'}      | ${'51790-4'} | ${'ST'}   | ${'0-2'}                                   | ${'/HPF'}   | ${null}  | ${['RENAL-1:critical']}
    ${'RBC casts presence, coded'}         | ${'33804-6'} | ${'CWE'}  | ${'Present'}                               | ${null}     | ${null}  | ${['RENAL-1:critical']}
    ${'RBC casts presence, SNOMED only'}   | ${'33804-6'} | ${'CWE'}  | ${'52101004'}                              | ${null}     | ${null}  | ${['RENAL-1:critical']}
    ${'RBC casts presence: not detected'}  | ${'33804-6'} | ${'CE'}   | ${'Not detected'}                          | ${null}     | ${null}  | ${[]}
    ${'RBC casts presence: unreadable'}    | ${'33804-6'} | ${'ST'}   | ${'see comment'}                           | ${null}     | ${null}  | ${['DQ-1:warning']}
    ${'microscopy finding, coded'}         | ${'12235-8'} | ${'CWE'}  | ${'Red blood cell casts'}                  | ${null}     | ${null}  | ${['RENAL-1:critical']}
    ${'sediment comment (TX)'}             | ${'11279-7'} | ${'TX'}   | ${'Occasional RBC casts seen.'}            | ${null}     | ${null}  | ${['RENAL-1:critical']}
    ${'sediment comment, negated'}         | ${'11279-7'} | ${'TX'}   | ${'No RBC casts seen. Hyaline casts 0-2.'} | ${null}     | ${null}  | ${[]}
    ${'sediment comment, dysmorphic'}      | ${'11279-7'} | ${'TX'}   | ${'RBC 10-20/HPF, >50% dysmorphic forms'}  | ${null}     | ${null}  | ${['RENAL-1:critical']}
    ${'sediment comment, unrelated'}       | ${'11279-7'} | ${'TX'}   | ${'Amorphous crystals. Few bacteria.'}     | ${null}     | ${null}  | ${[]}
    ${'dysmorphic fraction above the ULN'} | ${'99598-5'} | ${'NM'}   | ${45}                                      | ${'%'}      | ${'<40'} | ${['RENAL-1:critical']}
    ${'dysmorphic fraction at the ULN'}    | ${'99598-5'} | ${'NM'}   | ${40}                                      | ${'%'}      | ${'<40'} | ${[]}
    ${'dysmorphic fraction without a ULN'} | ${'99598-5'} | ${'NM'}   | ${3}                                       | ${'%'}      | ${null}  | ${['RENAL-1:critical']}
  `('$shape → $expected', ({ code, valueType, value, unit, range, expected }) => {
    const result = sediment(code, valueType, value, unit, range);
    expect(gradeOne(result)).toEqual(expected);
  });

  it('needs no creatinine rise, names what was seen, and supersedes the haematuria rules', () => {
    const casts = sediment('11279-7', 'TX', 'Dysmorphic RBCs present; RBC casts 1/LPF');
    const history = [lab('urine-rbc', 12, DAY)];
    const out = evaluate(patient(), [casts], history);
    expect(out.decisions.map((d) => `${d.ruleId}:${d.severity}:${d.explanation.tier}`)).toEqual([
      'RENAL-1:critical:casts-or-dysmorphic-rbc',
    ]);
    expect(out.decisions[0].explanation.summary).toBe(
      'Urine sediment finding Dysmorphic RBCs present; RBC casts 1/LPF: red cell casts or dysmorphic red cells in the urine sediment (glomerular bleeding: anti-GBM disease must be excluded).',
    );
    expect(out.decisions[0].explanation.action).toContain('anti-GBM antibody');
  });
});
