import { COURSE_1, COURSE_2, lab, TZ } from '../rules/testing/rule-fixtures';
import { baselineFor, baselineWindow } from './baseline';
import { clinicalWindowsOn, inClinicalWindow } from './clinical-windows';
import { ageInYearsOn, patientFlags } from './patient-context';
import { isUsableResult } from './result-usability';

describe('patient context', () => {
  it('defaults every missing flag to false', () => {
    expect(patientFlags({})).toEqual({
      pregnant: false,
      knownHaemophilia: false,
      bleedingEventRecorded: false,
      onHeparin: false,
    });
    expect(patientFlags({ flags: { pregnant: true } }).pregnant).toBe(true);
  });

  it.each`
    birth           | day             | age
    ${'1974-01-10'} | ${'2025-01-09'} | ${50}
    ${'1974-01-10'} | ${'2025-01-10'} | ${51}
    ${'2000-02-29'} | ${'2021-02-28'} | ${20}
    ${'2000-02-29'} | ${'2021-03-01'} | ${21}
    ${null}         | ${'2025-01-10'} | ${null}
    ${'2030-01-01'} | ${'2025-01-10'} | ${null}
  `('age on $day, born $birth → $age', ({ birth, day, age }) => {
    expect(ageInYearsOn(birth, day)).toBe(age);
  });

  it('uses only graded statuses and ok quality as history', () => {
    expect(isUsableResult(lab('platelets', 1, '2025-01-01', { status: 'preliminary' }))).toBe(true);
    expect(isUsableResult(lab('platelets', 1, '2025-01-01', { status: 'deleted' }))).toBe(false);
    expect(isUsableResult(lab('platelets', 1, '2025-01-01', { quality: 'held' }))).toBe(false);
  });
});

describe('clinical windows', () => {
  const campath = { courseNumber: 1, infusionDays: ['2025-01-06', '2025-01-17'] };
  it.each`
    window           | day             | courses                 | inside
    ${'CD4-D60'}     | ${'2024-05-06'} | ${[COURSE_1]}           | ${false}
    ${'CD4-D60'}     | ${'2024-05-07'} | ${[COURSE_1]}           | ${true}
    ${'CD4-D60'}     | ${'2025-03-20'} | ${[COURSE_1, COURSE_2]} | ${false}
    ${'CLL-THERAPY'} | ${'2025-01-05'} | ${[campath]}            | ${false}
    ${'CLL-THERAPY'} | ${'2025-02-14'} | ${[campath]}            | ${true}
    ${'CLL-THERAPY'} | ${'2025-02-15'} | ${[campath]}            | ${false}
    ${'TREATED'}     | ${'2024-03-03'} | ${[COURSE_1]}           | ${false}
    ${'TREATED'}     | ${'2024-03-04'} | ${[COURSE_1]}           | ${true}
    ${'W0-3'}        | ${'2024-03-11'} | ${[COURSE_1]}           | ${true}
    ${'W0-3'}        | ${'2024-03-12'} | ${[COURSE_1]}           | ${false}
  `('$window on $day → $inside', ({ window, day, courses, inside }) => {
    expect(inClinicalWindow(window, day, courses)).toBe(inside);
  });

  it('lists every window a day is in', () => {
    expect(clinicalWindowsOn('2024-03-05', [COURSE_1])).toEqual(['W0-3', 'W0-60', 'CLL-THERAPY', 'TREATED']);
    expect(clinicalWindowsOn('2024-03-01', [COURSE_1])).toEqual([]);
  });
});

describe('baselineFor: latest usable result in the 30 days before the course in effect', () => {
  const history = [
    lab('creatinine', 0.7, '2024-02-02', { id: 'too-early' }),
    lab('creatinine', 0.8, '2024-02-03', { id: 'c1-first' }),
    lab('creatinine', 0.9, '2024-03-03', { id: 'c1-last' }),
    lab('creatinine', 2.0, '2024-03-04', { id: 'infusion-day' }),
    lab('creatinine', 0.6, '2025-02-20', { id: 'c2' }),
    lab('creatinine', 0.5, '2025-03-01', { id: 'c2-held', quality: 'held' }),
    lab('platelets', 250, '2025-03-01', { id: 'other-analyte' }),
  ];

  it('spans start − 30 … start − 1', () => {
    expect(baselineWindow(COURSE_1)).toEqual({ from: '2024-02-03', to: '2024-03-03' });
  });

  it.each`
    day             | courses                 | option       | expected
    ${'2024-03-03'} | ${[COURSE_1]}           | ${'current'} | ${null}
    ${'2024-03-04'} | ${[COURSE_1]}           | ${'current'} | ${'c1-last'}
    ${'2025-01-01'} | ${[COURSE_1]}           | ${'current'} | ${'c1-last'}
    ${'2025-03-10'} | ${[COURSE_1, COURSE_2]} | ${'current'} | ${'c2'}
    ${'2025-06-01'} | ${[COURSE_1, COURSE_2]} | ${'first'}   | ${'c1-last'}
  `('on $day ($option course) → $expected', ({ day, courses, option, expected }) => {
    const found = baselineFor('creatinine', day, courses, history, TZ, { course: option });
    expect(found?.resultId ?? null).toBe(expected);
  });

  it('reads the observation day in the site zone', () => {
    // 2024-03-03T23:30Z is already 2024-03-04 (the infusion day) in Prague: not a baseline.
    const late = [lab('creatinine', 0.9, '2024-03-03T23:30:00Z', { id: 'late' })];
    expect(baselineFor('creatinine', '2024-04-01', [COURSE_1], late, TZ)).toBeNull();
    expect(baselineFor('creatinine', '2024-04-01', [COURSE_1], late, 'America/New_York')?.resultId).toBe(
      'late',
    );
  });
});
