import { applySiteOverrides } from './rule-set.overrides';
import { defaultRuleSets } from './rule-set.loader';
import { brief, COURSE_1, evaluate, lab, only, patient } from './testing/rule-fixtures';

/**
 * Baselines (clinical rules §1.2): the most recent usable pre-course value within the look-back (DQ-2's
 * `lookbackDays`, 180 days [P]; the REMS's 30 days is the strict site setting). With none at all, a rise is judged
 * against the lowest value since the course began and a fall against the highest, and DQ-2 says so once per
 * course and analyte. Course 1 starts 2024-03-04.
 */
const DAY = '2024-06-20';
const strict = () =>
  applySiteOverrides(defaultRuleSets().MS, 'strict', [{ ruleId: 'DQ-2', thresholds: { lookbackDays: 30 } }]);

describe('CREA-1 / CREA-2 / HGB-1 against an older baseline (look-back 180 days)', () => {
  it.each`
    baselineDay     | daysBefore | expected
    ${'2024-02-13'} | ${20}      | ${['CREA-2:critical']}
    ${'2024-02-03'} | ${30}      | ${['CREA-2:critical']}
    ${'2024-01-24'} | ${40}      | ${['CREA-2:critical']}
    ${'2023-09-06'} | ${180}     | ${['CREA-2:critical']}
    ${'2023-09-05'} | ${181}     | ${['DQ-2:info']}
  `(
    'creatinine 0.6 mg/dL $daysBefore days before the course, then 1.0 (1.67×) → $expected',
    ({ baselineDay, expected }) => {
      const history = [lab('creatinine', 0.6, baselineDay)];
      const out = evaluate(patient(), [lab('creatinine', 1.0, DAY)], history);
      expect(brief(out.decisions)).toEqual(expected);
    },
  );

  it('the strict site setting keeps the REMS 30-day window: a 40-day-old value is no baseline', () => {
    const out = (baselineDay: string) =>
      brief(
        evaluate(patient(), [lab('creatinine', 1.0, DAY)], [lab('creatinine', 0.6, baselineDay)], strict())
          .decisions,
      );
    expect(out('2024-02-03')).toEqual(['CREA-2:critical']);
    // No baseline, no earlier post-course value: only the ULN can speak (1.0 is within it), and DQ-2 says why.
    expect(out('2024-01-24')).toEqual(['DQ-2:info']);
  });

  it('says how old the baseline is', () => {
    const out = evaluate(patient(), [lab('creatinine', 1.0, DAY)], [lab('creatinine', 0.6, '2024-01-24')]);
    const [crea2] = only(out.decisions, 'CREA-2');
    expect(crea2.explanation.baselineSource).toEqual({
      source: 'pre-course',
      courseNumber: 1,
      daysBeforeCourse: 40,
      lookbackDays: 180,
    });
    expect(crea2.explanation.notes).toContain(
      "baseline 0.6 mg/dL on 2024-01-24, 40 days before course 1 (older than the REMS's 30 days: the most recent pre-course value within 180 days)",
    );
    expect(crea2.explanation.summary).toBe(
      'Creatinine 1 mg/dL is 1.66667× the baseline 0.6 mg/dL (2024-01-24) (1.5× or more).',
    );
  });

  it('HGB-1 falls are judged against a baseline within the look-back too', () => {
    const out = evaluate(
      patient(),
      [lab('haemoglobin', 11.5, DAY)],
      [lab('haemoglobin', 13.6, '2023-12-01')],
    );
    expect(brief(out.decisions)).toEqual(['HGB-1:warning']);
    expect(only(out.decisions, 'HGB-1')[0].explanation.baselineSource?.daysBeforeCourse).toBe(94);
  });
});

describe('no baseline at all: the lowest (rise) or highest (fall) value since the course began', () => {
  it('a creatinine rise from the lowest post-course value raises CREA-1 and CREA-2, and says what it used', () => {
    const history = [
      lab('creatinine', 0.7, '2024-04-10', { id: 'apr' }),
      lab('creatinine', 0.62, '2024-05-10', { id: 'may' }),
      lab('creatinine', 0.8, '2024-06-01', { id: 'jun' }),
    ];
    const out = evaluate(patient(), [lab('creatinine', 0.95, DAY, { id: 'now' })], history);
    expect(brief(out.decisions)).toEqual(['CREA-2:critical', 'DQ-2:info']);
    const [crea2, dq2] = out.decisions;
    expect(crea2.explanation.baseline?.resultId).toBe('may');
    expect(crea2.explanation.baselineSource?.source).toBe('post-course-lowest');
    expect(crea2.explanation.summary).toBe(
      'Creatinine 0.95 mg/dL is 1.53226× the baseline 0.62 mg/dL (2024-05-10) (the lowest since course 1: no pre-course baseline) (1.5× or more).',
    );
    expect(crea2.explanation.notes).toContain(
      'no baseline within 180 days before course 1: judged against the lowest value since the course began, 0.62 mg/dL on 2024-05-10 (DQ-2)',
    );
    expect(dq2).toMatchObject({ kind: 'data-quality', dedupScope: 'course-1|creatinine', once: true });
    expect(dq2.explanation.summary).toBe(
      'No Creatinine (serum) baseline in the 180 days before course 1: baseline-relative rules judge this and later results against the lowest value since the course began for a rise, the highest for a fall (so far lowest 0.62 mg/dL (2024-05-10), highest 0.8 mg/dL (2024-06-01)).',
    );
  });

  it('the stand-in looks back no further than the look-back from the graded result', () => {
    const history = [lab('creatinine', 0.5, '2024-03-20'), lab('creatinine', 0.9, '2024-10-01')];
    // From 2024-10-10 the look-back reaches 2024-04-13: 0.5 (2024-03-20) is out of reach, the stand-in is 0.9.
    const out = evaluate(patient(), [lab('creatinine', 1.0, '2024-10-10')], history);
    expect(brief(out.decisions)).toEqual(['DQ-2:info']);
    // From 2024-09-10 it reaches 2024-03-14: 0.76 is 1.52× the 0.5 of 2024-03-20.
    const near = evaluate(patient(), [lab('creatinine', 0.76, '2024-09-10')], history.slice(0, 1));
    expect(brief(near.decisions)).toEqual(['CREA-2:critical', 'DQ-2:info']);
  });

  it('a haemoglobin fall is judged against the highest value since the course began', () => {
    const history = [lab('haemoglobin', 14.2, '2024-04-01'), lab('haemoglobin', 13.1, '2024-05-01')];
    const out = evaluate(patient(), [lab('haemoglobin', 12.1, DAY)], history);
    expect(brief(out.decisions)).toEqual(['HGB-1:warning', 'DQ-2:info']);
    expect(only(out.decisions, 'HGB-1')[0].explanation.baselineSource?.source).toBe('post-course-highest');
  });

  it('the first result after the course has nothing to compare with: DQ-2 only, no guess', () => {
    const out = evaluate(patient(), [lab('creatinine', 1.0, DAY)]);
    expect(brief(out.decisions)).toEqual(['DQ-2:info']);
    expect(out.decisions[0].explanation.summary).toContain('(none yet before this one)');
  });

  it('before the first course there is no baseline to miss', () => {
    expect(brief(evaluate(patient(), [lab('creatinine', 1.0, '2024-02-20')]).decisions)).toEqual([]);
  });

  it('a later course has its own baseline and its own DQ-2', () => {
    const course2 = { courseNumber: 2, infusionDays: ['2025-03-10', '2025-03-11', '2025-03-12'] };
    const context = patient({ courses: [COURSE_1, course2] });
    const history = [lab('creatinine', 0.6, '2024-02-20')];
    const out = evaluate(context, [lab('creatinine', 0.9, '2025-05-01')], history);
    expect(out.decisions.map((d) => d.dedupScope ?? d.ruleId)).toEqual(['course-2|creatinine']);
  });

  it('UPRO-1 and LFT-1 read the pre-course baseline only: no stand-in makes a value "not new"', () => {
    const history = [lab('upcr', 700, '2024-04-01')];
    const out = evaluate(patient(), [lab('upcr', 600, DAY)], history);
    expect(brief(out.decisions)).toEqual(['UPRO-1:critical', 'DQ-2:info']);
  });
});
