import { analyteById, type AnalyteId } from '../analytes/analyte-catalogue';
import { isUsableResult } from '../context/result-usability';
import { displayUnit, formatNumber } from '../rules/explanation-template';
import { roundCanonical } from './reference-range';
import { type Comparator, type PatientResult, type ReferenceRange, type ResultStatus } from './result';

/**
 * Absolute counts derived from a differential in percent (clinical rules §4.1: "If only % neutrophils is given,
 * compute ANC = WBC × %/100"), so that ANC-1, CYTO-1 and HLH-2 (and LYM-1) see a count that the lab sent only as
 * a percentage. Pure: the caller gathers the results of ONE specimen (same patient, same collection time, same
 * order) and stores what this returns as results of their own, marked derived.
 */
export type DerivedAnalyte = 'neutrophils' | 'lymphocytes';

const SOURCES: ReadonlyArray<{ target: DerivedAnalyte; percent: AnalyteId; label: string; short: string }> = [
  { target: 'neutrophils', percent: 'neutrophils-percent', label: 'ANC', short: 'neutrophils' },
  { target: 'lymphocytes', percent: 'lymphocytes-percent', label: 'Lymphocytes', short: 'lymphocytes' },
];

/**
 * The reference limits a derived count is judged against: the lab sends none for a count it did not report.
 * - ANC: lower limit 1.5 ×10⁹/L [P], the CTCAE v5.0 grade 2 boundary. Every adult laboratory's LLN is at or above
 *   it, so "below the LLN" is never claimed falsely, and every count below it is below the lab's LLN (what
 *   CYTO-1 and ANC-1 in W0-60 need). A count between 1.5 and the lab's own LLN is not called low.
 * - Lymphocytes: the catalogue's fallback (§5), as for a measured count sent without a range.
 * Both are marked `fallback`, so the explanation says the limit is not the lab's.
 */
const DERIVED_LIMITS: Readonly<Record<DerivedAnalyte, ReferenceRange>> = {
  neutrophils: { low: 1.5, high: null, source: 'fallback' },
  lymphocytes: {
    low: analyteById('lymphocytes').fallbackRange?.low ?? null,
    high: analyteById('lymphocytes').fallbackRange?.high ?? null,
    source: 'fallback',
  },
};

export interface DerivedCount {
  analyte: DerivedAnalyte;
  /** ×10⁹/L, the canonical unit of both counts. */
  value: number;
  comparator: Comparator | null;
  status: ResultStatus;
  range: ReferenceRange;
  /** The WBC and the percentage it was computed from (their result ids), in that order. */
  fromResultIds: [string, string];
  /** "ANC 0.3 ×10⁹/L, derived from WBC 1.5 ×10⁹/L and neutrophils 20 % (same specimen)". */
  text: string;
}

/** Why a percentage of the specimen gave no count (for the log; nothing is guessed). */
export interface DerivationSkipped {
  analyte: DerivedAnalyte;
  percentResultId: string;
  reason: string;
}

/**
 * The absolute counts one specimen's results call for: for each percentage (neutrophils, lymphocytes) with a
 * usable WBC of the same specimen and no count of that kind measured by the lab, WBC × % / 100. The latest of
 * each kind is used when a specimen carries several (the caller passes current results only: corrections and
 * deletions already reconciled). Results already derived are inputs to nothing.
 *
 * A censored input (`<0.5`) gives a censored count when the direction is unambiguous (`<0.5` × 20 % → `<0.1`);
 * a percentage outside 0–100 or a negative WBC gives nothing. The status is the weakest of the inputs'
 * (preliminary, else corrected, else final), so a preliminary WBC makes a preliminary ANC.
 */
export function deriveAbsoluteCounts(specimen: readonly PatientResult[]): {
  derived: DerivedCount[];
  skipped: DerivationSkipped[];
} {
  const usable = specimen.filter(
    (r) => isUsableResult(r) && r.value !== null && !(r.qualityFlags ?? []).includes('derived'),
  );
  const latest = (analyte: AnalyteId) =>
    usable
      .filter((r) => r.analyte === analyte)
      .reduce<PatientResult | null>(
        (a, r) =>
          !a ||
          r.observedAt.getTime() > a.observedAt.getTime() ||
          (r.observedAt.getTime() === a.observedAt.getTime() && Number(r.resultId) > Number(a.resultId))
            ? r
            : a,
        null,
      );
  const wbc = latest('wbc');
  const derived: DerivedCount[] = [];
  const skipped: DerivationSkipped[] = [];
  for (const source of SOURCES) {
    const percent = latest(source.percent);
    if (!percent || !wbc) continue;
    if (usable.some((r) => r.analyte === source.target)) continue; // the lab measured it: nothing to derive
    const skip = (reason: string) =>
      skipped.push({ analyte: source.target, percentResultId: percent.resultId, reason });
    if (percent.value! < 0 || percent.value! > 100) {
      skip(`${source.short} ${formatNumber(percent.value!)} % is not a percentage`);
      continue;
    }
    if (wbc.value! < 0) {
      skip(`WBC ${formatNumber(wbc.value!)} is negative`);
      continue;
    }
    const comparator = combine(wbc.comparator, percent.comparator);
    if (comparator === 'conflict') {
      skip('the WBC and the percentage are censored in opposite directions');
      continue;
    }
    const value = roundCanonical((wbc.value! * percent.value!) / 100);
    const unit = displayUnit(analyteById(source.target).canonicalUnit);
    const shown = (r: PatientResult) => `${r.comparator ?? ''}${formatNumber(r.value!)}`;
    derived.push({
      analyte: source.target,
      value,
      comparator,
      status: weakest([wbc.status, percent.status]),
      range: DERIVED_LIMITS[source.target],
      fromResultIds: [wbc.resultId, percent.resultId],
      text:
        `${source.label} ${comparator ?? ''}${formatNumber(value)} ${unit}, derived from WBC ${shown(wbc)} ${unit} ` +
        `and ${source.short} ${shown(percent)} % (same specimen)`,
    });
  }
  return { derived, skipped };
}

/** The comparator of a product of two non-negative censored factors. */
function combine(a: Comparator | null, b: Comparator | null): Comparator | null | 'conflict' {
  if (!a) return b;
  if (!b) return a;
  const below = (c: Comparator) => c === '<' || c === '<=';
  if (below(a) !== below(b)) return 'conflict';
  return a === b ? a : below(a) ? '<' : '>';
}

function weakest(statuses: readonly ResultStatus[]): ResultStatus {
  if (statuses.includes('preliminary')) return 'preliminary';
  if (statuses.includes('corrected')) return 'corrected';
  return 'final';
}
