import { patientFlags } from '../context/patient-context';
import { normaliseObservation } from '../results/normalise';
import { type ConditionScope, evaluateCondition } from './condition-evaluator';
import { PatientHistory } from './patient-history';
import { applySiteOverrides } from './rule-set.overrides';
import { defaultRuleSets } from './rule-set.loader';
import { type ConditionSpec } from './rule-set.schema';
import { brief, course, evaluate, lab, only, patient } from './testing/rule-fixtures';

// Issue 12: a censored value ("<30", ">2000") is graded by its worse case for every tier of warning or worse it
// may meet, and the explanation says so; exclusions and recoveries are never granted on a guess.

const OUTSIDE = '2025-01-15';
const INSIDE_W0_60 = '2024-04-01';
const PLT_RULES = ['PLT-1', 'PLT-2', 'PLT-3', 'PLT-4'];
const MS = defaultRuleSets().MS;

const platelets = (text: string, day = OUTSIDE) => {
  // As the processor stores it: the comparator the normaliser read from the text (result-record.ts).
  const n = normaliseObservation({
    code: '777-3',
    system: 'LN',
    valueType: 'ST',
    value: text,
    comparator: null,
    unit: '10*9/L',
    referenceRange: '150-400',
  });
  return lab('platelets', n.value, day, { comparator: n.comparator, qualityFlags: n.qualityFlags });
};

const pltDecisions = (out: ReturnType<typeof evaluate>) =>
  out.decisions.filter((d) => PLT_RULES.includes(d.ruleId));

describe('PLT-4 and a censored text value (issue 12)', () => {
  it('ST "<25" is below 25 for certain: PLT-4 emergency, with no conservative note', () => {
    const out = evaluate(patient(), [platelets('<25')]);
    const [plt4] = pltDecisions(out);
    expect(brief(pltDecisions(out))).toEqual(['PLT-4:critical!']);
    expect(plt4.explanation.tier).toBe('lt-25');
    expect(plt4.explanation.values[0]).toMatchObject({ value: 25, comparator: '<' });
    expect(plt4.explanation.summary).toBe(
      'Platelets <25 ×10⁹/L are below 25 ×10⁹/L (CTCAE grade 4): bleeding risk.',
    );
    expect(plt4.explanation.notes!.some((n) => n.includes('conservative'))).toBe(false);
    expect(only(out.decisions, 'DQ-1')).toEqual([]);
  });

  it('ST "<30" straddles 25: PLT-4 emergency graded conservatively, and the explanation says so', () => {
    const out = evaluate(patient(), [platelets('<30')]);
    const [plt4] = pltDecisions(out);
    expect(brief(pltDecisions(out))).toEqual(['PLT-4:critical!']);
    expect(plt4.explanation.tier).toBe('lt-25');
    expect(plt4.explanation.supersededRuleIds).toEqual(['PLT-3']);
    expect(plt4.explanation.notes).toContain(
      'reported as <30 ×10⁹/L: may be below 25; graded as if it is (conservative)',
    );
    // Graded, so not "ungradable": no DQ-1 for it.
    expect(only(out.decisions, 'DQ-1')).toEqual([]);
  });

  it.each`
    text       | expected
    ${'<=25'}  | ${['PLT-4:critical!']}
    ${'<50'}   | ${['PLT-4:critical!']}
    ${'<=24'}  | ${['PLT-4:critical!']}
    ${'>100'}  | ${['PLT-1:warning']}
    ${'>150'}  | ${[]}
    ${'>=150'} | ${[]}
  `('platelets "$text" → $expected', ({ text, expected }) => {
    expect(brief(pltDecisions(evaluate(patient(), [platelets(text)])))).toEqual(expected);
  });

  it('">100" is never below 100 or 50: no PLT-3 or PLT-4 (only PLT-1, conservatively, against an LLN of 150)', () => {
    const out = evaluate(patient(), [platelets('>100')]);
    expect(only(out.decisions, 'PLT-3')).toEqual([]);
    expect(only(out.decisions, 'PLT-4')).toEqual([]);
    expect(only(out.decisions, 'PLT-1')[0].explanation.notes).toContain(
      'reported as >100 ×10⁹/L: may be below 150 (LLN); graded as if it is (conservative)',
    );
    // Against a lab whose LLN is 100, ">100" meets no lower-bound rule at all.
    const above = lab('platelets', 100, OUTSIDE, { comparator: '>', range: [100, 400] });
    expect(brief(pltDecisions(evaluate(patient(), [above])))).toEqual([]);
  });
});

describe('PLT-3 and a censored value (issue 12)', () => {
  // Without PLT-4 (disabled by a site), PLT-3's own ladder is visible.
  const withoutPlt4 = applySiteOverrides(MS, 'test', [{ ruleId: 'PLT-4', enabled: false }]);

  it('"<60" against the cut-off of 50: PLT-3 lt-50 graded conservatively, and says so', () => {
    const out = evaluate(patient(), [lab('platelets', 60, OUTSIDE, { comparator: '<' })], [], withoutPlt4);
    const [plt3] = only(out.decisions, 'PLT-3');
    expect(brief(only(out.decisions, 'PLT-3'))).toEqual(['PLT-3:critical']);
    // Both tiers are possible and critical: the worse step of the ladder decides and is the one explained.
    expect(plt3.explanation.tier).toBe('lt-50');
    expect(plt3.explanation.notes).toContain(
      'reported as <60 ×10⁹/L: may be below 50; graded as if it is (conservative)',
    );
    expect(only(out.decisions, 'DQ-1')).toEqual([]);
  });

  it('inside W0-60 "<60" is still critical: below 50 is never downgraded, so the worse case is not either', () => {
    const out = evaluate(
      patient(),
      [lab('platelets', 60, INSIDE_W0_60, { comparator: '<' })],
      [],
      withoutPlt4,
    );
    expect(brief(only(out.decisions, 'PLT-3'))).toEqual(['PLT-3:critical']);
    expect(only(out.decisions, 'PLT-3')[0].explanation.tier).toBe('lt-50');
  });

  it('with the shipped set "<60" is PLT-4 (it may be below 25 too), which supersedes PLT-3', () => {
    const out = evaluate(patient(), [lab('platelets', 60, OUTSIDE, { comparator: '<' })]);
    expect(brief(pltDecisions(out))).toEqual(['PLT-4:critical!']);
    expect(only(out.decisions, 'PLT-4')[0].explanation.notes).toContain(
      'reported as <60 ×10⁹/L: may be below 25; graded as if it is (conservative)',
    );
  });

  it('a value met for certain is never explained as a guess: "<45" is below 50 for certain, 25 conservatively', () => {
    const out = evaluate(patient(), [lab('platelets', 45, OUTSIDE, { comparator: '<' })], [], withoutPlt4);
    const [plt3] = only(out.decisions, 'PLT-3');
    expect(plt3.explanation.tier).toBe('lt-50');
    expect(plt3.explanation.notes!.some((n) => n.includes('conservative'))).toBe(false);
  });
});

describe('recoveries are never granted on a censored value (issue 12)', () => {
  const opened = lab('platelets', 40, '2025-01-10');

  it('">100" may still be below the LLN of 150: PLT-3 and PLT-4 neither fire nor recover', () => {
    const out = evaluate(patient(), [lab('platelets', 100, OUTSIDE, { comparator: '>' })], [opened]);
    expect(brief(pltDecisions(out))).toEqual(['PLT-1:warning']);
    expect(out.recoveries).toEqual([]);
  });

  it('">150" is at or above the LLN for certain: recovered', () => {
    const out = evaluate(patient(), [lab('platelets', 150, OUTSIDE, { comparator: '>' })], [opened]);
    expect(pltDecisions(out)).toEqual([]);
    expect(out.recoveries.map((r) => r.ruleId)).toEqual(['PLT-1', 'PLT-3', 'PLT-4']);
  });
});

describe('rises and falls with a censored graded value (issue 12)', () => {
  // Course 2 starts 2025-03-10; the baseline is the latest pre-course value.
  const context = patient({ courses: [course(1, '2024-03-04', 5), course(2, '2025-03-10', 3)] });
  const AFTER = '2025-04-20';
  const baseline = lab('creatinine', 0.8, '2025-03-01');

  it('CREA-1: "<1.2" from a baseline of 0.8 may be a rise of 0.3 or more: graded as one, and says so', () => {
    const out = evaluate(context, [lab('creatinine', 1.2, AFTER, { comparator: '<' })], [baseline]);
    const [crea1] = only(out.decisions, 'CREA-1');
    expect(crea1.severity).toBe('warning');
    expect(crea1.explanation.tier).toBe('baseline-rise');
    expect(crea1.explanation.notes).toContain(
      'reported as <1.2 mg/dL: the rise from the baseline (0.8) may be at or above 0.3; graded as if it is (conservative)',
    );
    expect(crea1.explanation.baseline).toMatchObject({ value: 0.8 });
    // "<1.2" is never 1.5× the baseline (1.2) or 3× the ULN: no CREA-2.
    expect(only(out.decisions, 'CREA-2')).toEqual([]);
  });

  it('CREA-1: "<1.0" from a baseline of 0.8 is a rise of less than 0.3 for certain: nothing', () => {
    const out = evaluate(context, [lab('creatinine', 1.0, AFTER, { comparator: '<' })], [baseline]);
    expect(only(out.decisions, 'CREA-1')).toEqual([]);
    expect(only(out.decisions, 'DQ-1')).toEqual([]);
  });

  it('PLT-2: "<150" after 200 may be a fall of half; ">150" after 200 is never one', () => {
    const previous = lab('platelets', 200, '2025-01-10');
    const may = evaluate(patient(), [lab('platelets', 150, OUTSIDE, { comparator: '<' })], [previous]);
    expect(only(may.decisions, 'PLT-2')[0].explanation.notes).toContain(
      'reported as <150 ×10⁹/L: the fall from the previous value (200) may be at or above 50%; graded as if it is (conservative)',
    );
    const never = evaluate(patient(), [lab('platelets', 150, OUTSIDE, { comparator: '>' })], [previous]);
    expect(only(never.decisions, 'PLT-2')).toEqual([]);
  });

  it('URBC-2: a censored second sample may make the run of two: graded as one, with the first sample', () => {
    const first = lab('urine-rbc', 10, '2025-01-10');
    const second = lab('urine-rbc', 5, OUTSIDE, { comparator: '<' });
    const out = evaluate(patient(), [second], [first]);
    const [urbc2] = only(out.decisions, 'URBC-2');
    expect(urbc2.severity).toBe('critical');
    expect(urbc2.resultIds).toEqual([second.resultId, first.resultId]);
    expect(urbc2.explanation.notes).toContain(
      'reported as <5 /HPF: may be at or above 3; graded as if it is (conservative)',
    );
  });
});

describe('conservative grading, one condition at a time (condition-evaluator)', () => {
  const rule = MS.rules.find((r) => r.id === 'PLT-4')!;
  const scope = (trigger: ReturnType<typeof lab>, conservative: boolean): ConditionScope => ({
    rule,
    rulesById: new Map(MS.rules.map((r) => [r.id, r] as const)),
    pairingDays: null,
    pick: 'any',
    conservative,
    trigger,
    history: new PatientHistory(patient(), []),
    flags: patientFlags(patient()),
    birthDate: null,
    ungradable: [],
  });
  const below = (threshold: number): ConditionSpec => ({
    analyte: 'platelets',
    test: { kind: 'value', op: '<', threshold },
  });
  const lt30 = lab('platelets', 30, OUTSIDE, { comparator: '<' });

  it('a straddling leaf is unknown without it and met with it, naming the assumption', () => {
    expect(evaluateCondition(below(25), scope(lt30, false)).truth).toBe('unknown');
    const met = evaluateCondition(below(25), scope(lt30, true));
    expect(met).toMatchObject({ truth: 'true', conservative: true, used: [lt30] });
    expect(met.notes).toEqual(['reported as <30 ×10⁹/L: may be below 25; graded as if it is (conservative)']);
  });

  it('inside an exclusion the worse case is that it holds: a censored value never breaks it', () => {
    const excluded: ConditionSpec = { all: [below(50), { none: below(25) }] };
    const out = evaluateCondition(excluded, scope(lt30, true));
    expect(out.truth).toBe('true');
    expect(out.notes).toEqual(['exclusion not checked: reported as <30: cannot tell whether the value < 25']);
  });

  it('a branch met for certain is preferred: no conservative note when another branch already answers', () => {
    const either: ConditionSpec = { any: [below(25), below(50)] };
    const out = evaluateCondition(either, scope(lt30, true));
    expect(out).toMatchObject({ truth: 'true', conservative: false, notes: [] });
  });

  it('a leaf that is false for certain stays false', () => {
    expect(
      evaluateCondition(below(25), scope(lab('platelets', 30, OUTSIDE, { comparator: '>' }), true)).truth,
    ).toBe('false');
  });
});
