import { lab } from '../rules/testing/rule-fixtures';
import { deriveAbsoluteCounts } from './derived-counts';
import { normaliseObservation } from './normalise';
import { type PatientResult } from './result';

const DAY = '2025-01-15';

/** A differential line as a lab sends it, normalised. */
function sent(
  code: string,
  value: number,
  unit: string,
  id: string,
  status: PatientResult['status'] = 'final',
) {
  const n = normaliseObservation({
    code,
    system: 'LN',
    valueType: 'NM',
    value,
    comparator: null,
    unit,
    referenceRange: null,
  });
  return lab(n.analyte!, n.value, DAY, { id, status, range: 'none' });
}

describe('absolute counts from a differential in percent (clinical rules §4.1: ANC = WBC × %/100)', () => {
  it('derives the ANC from the WBC and the neutrophil % of one specimen, and says how', () => {
    const { derived, skipped } = deriveAbsoluteCounts([
      sent('6690-2', 1.5, '10*9/L', 'wbc'),
      sent('770-8', 20, '%', 'pct'),
    ]);
    expect(skipped).toEqual([]);
    expect(derived).toEqual([
      {
        analyte: 'neutrophils',
        value: 0.3,
        comparator: null,
        status: 'final',
        range: { low: 1.5, high: null, source: 'fallback' },
        fromResultIds: ['wbc', 'pct'],
        text: 'ANC 0.3 ×10⁹/L, derived from WBC 1.5 ×10⁹/L and neutrophils 20 % (same specimen)',
      },
    ]);
  });

  it.each`
    wbc     | wbcUnit       | percent | code         | analyte          | value
    ${1500} | ${'/uL'}      | ${20}   | ${'770-8'}   | ${'neutrophils'} | ${0.3}
    ${4.2}  | ${'x10E3/uL'} | ${55.5} | ${'23761-0'} | ${'neutrophils'} | ${2.331}
    ${4.2}  | ${'K/uL'}     | ${31}   | ${'736-9'}   | ${'lymphocytes'} | ${1.302}
    ${3}    | ${'G/L'}      | ${0}    | ${'26511-6'} | ${'neutrophils'} | ${0}
    ${3}    | ${'10*9/L'}   | ${100}  | ${'26478-8'} | ${'lymphocytes'} | ${3}
  `(
    'WBC $wbc $wbcUnit with $percent % ($code) → $analyte $value ×10⁹/L',
    ({ wbc, wbcUnit, percent, code, analyte, value }) => {
      const { derived } = deriveAbsoluteCounts([
        sent('6690-2', wbc, wbcUnit, 'w'),
        sent(code, percent, '%', 'p'),
      ]);
      expect(derived.map((d) => [d.analyte, d.value])).toEqual([[analyte, value]]);
    },
  );

  it('derives nothing when the lab measured the count itself, or when a part is missing', () => {
    expect(
      deriveAbsoluteCounts([
        sent('6690-2', 1.5, '10*9/L', 'w'),
        sent('770-8', 20, '%', 'p'),
        sent('751-8', 0.31, '10*9/L', 'anc'),
      ]).derived,
    ).toEqual([]);
    expect(deriveAbsoluteCounts([sent('770-8', 20, '%', 'p')]).derived).toEqual([]);
    expect(deriveAbsoluteCounts([sent('6690-2', 1.5, '10*9/L', 'w')]).derived).toEqual([]);
  });

  it('uses neither held nor deleted inputs, nor what was itself derived', () => {
    const wbc = sent('6690-2', 1.5, '10*9/L', 'w');
    const pct = sent('770-8', 20, '%', 'p');
    expect(deriveAbsoluteCounts([{ ...wbc, quality: 'held' }, pct]).derived).toEqual([]);
    expect(deriveAbsoluteCounts([{ ...wbc, status: 'deleted' }, pct]).derived).toEqual([]);
    const derivedAnc = { ...lab('neutrophils', 0.3, DAY), qualityFlags: ['derived' as const] };
    // A derived ANC is not a measured one: the derivation stands (the caller keeps one per specimen).
    expect(deriveAbsoluteCounts([wbc, pct, derivedAnc]).derived).toHaveLength(1);
  });

  it('takes the weakest status: a preliminary WBC makes a preliminary ANC; a correction a corrected one', () => {
    const pct = sent('770-8', 20, '%', 'p');
    expect(
      deriveAbsoluteCounts([sent('6690-2', 1.5, '10*9/L', 'w', 'preliminary'), pct]).derived[0].status,
    ).toBe('preliminary');
    expect(
      deriveAbsoluteCounts([sent('6690-2', 1.5, '10*9/L', 'w', 'corrected'), pct]).derived[0].status,
    ).toBe('corrected');
  });

  it('carries a censored input through (<0.5 × 20 % is <0.1), refuses nonsense', () => {
    const pct = sent('770-8', 20, '%', 'p');
    const low = { ...sent('6690-2', 0.5, '10*9/L', 'w'), comparator: '<' as const };
    expect(deriveAbsoluteCounts([low, pct]).derived[0]).toMatchObject({
      value: 0.1,
      comparator: '<',
      text: 'ANC <0.1 ×10⁹/L, derived from WBC <0.5 ×10⁹/L and neutrophils 20 % (same specimen)',
    });
    const high = { ...pct, comparator: '>' as const };
    expect(deriveAbsoluteCounts([low, high])).toEqual({
      derived: [],
      skipped: [
        {
          analyte: 'neutrophils',
          percentResultId: 'p',
          reason: 'the WBC and the percentage are censored in opposite directions',
        },
      ],
    });
    expect(
      deriveAbsoluteCounts([sent('6690-2', 1.5, '10*9/L', 'w'), { ...pct, value: 120 }]).skipped,
    ).toEqual([
      { analyte: 'neutrophils', percentResultId: 'p', reason: 'neutrophils 120 % is not a percentage' },
    ]);
  });

  it('holds a percentage sent without its unit (never guessed a fraction or a percent)', () => {
    const n = normaliseObservation({
      code: '770-8',
      system: 'LN',
      valueType: 'NM',
      value: 0.2,
      comparator: null,
      unit: null,
      referenceRange: null,
    });
    expect(n).toMatchObject({ analyte: 'neutrophils-percent', quality: 'held' });
  });
});
