import { analyteById, D_DIMER_BASIS_BY_LOINC, type DDimerBasis } from '../analytes/analyte-catalogue';
import { type CalendarDay, daysBetween } from '../courses/calendar';
import { ageInYearsOn } from '../context/patient-context';
import { type Comparator, type RangeSource } from '../results/result';
import { dipstickGrade } from '../units/dipstick-ordinal';
import { type RuleInputResult } from './evaluation-input';
import { type PatientHistory } from './patient-history';
import { type NumberRef, type PredicateSpec, type ThresholdOp } from './rule-set.schema';

/** Three-valued truth: a test can be unanswerable (no range, no baseline, a censored value). */
export type Truth = 'true' | 'false' | 'unknown';

/**
 * Why a test could not be answered. `no-limit`, `unreadable` and `censored` on the graded result itself make it
 * ungradable (DQ-1); a missing baseline or previous value is ordinary (first result, baseline not drawn).
 */
export type UnknownReason = 'no-limit' | 'unreadable' | 'censored' | 'no-baseline' | 'no-previous';

export interface Unanswered {
  reason: UnknownReason;
  resultId: string;
  detail: string;
}

/** A reference limit in canonical units and where it came from. */
export interface ResolvedLimit {
  value: number;
  source: RangeSource;
}

/** The D-dimer cut-off a test used (clinical rules §4.2). */
export interface DDimerCutoff {
  value: number;
  basis: DDimerBasis;
  basisAssumed: boolean;
  ageAdjusted: boolean;
}

export interface PredicateOutcome {
  truth: Truth;
  unanswered: Unanswered[];
  notes: string[];
  /** A catalogue fallback limit was used (the lab sent none on that side). */
  fallbackRange: boolean;
  /** Earlier results the test read besides the graded one (the previous sample of a consecutive rule). */
  alsoUsed: RuleInputResult[];
  cutoff?: DDimerCutoff;
}

/** What a predicate needs besides the result. */
export interface GradingScope {
  history: PatientHistory;
  thresholds: Readonly<Record<string, number>>;
  textCategories: Readonly<Record<string, readonly string[]>> | undefined;
  birthDate: CalendarDay | null;
}

/** Removes binary floating-point noise before comparing (1.2 − 0.9 = 0.29999999999999993 → 0.3). */
export function tidy(value: number): number {
  return Number.isInteger(value) ? value : Number(value.toPrecision(12));
}

export function resolveNumber(ref: NumberRef, thresholds: Readonly<Record<string, number>>): number {
  if (typeof ref === 'number') return ref;
  const value = thresholds[ref];
  if (value === undefined) throw new Error(`unknown threshold ${ref}`);
  return value;
}

/** The set of true values a reported value stands for: "<0.01" is any value below 0.01. */
interface Interval {
  lo: number;
  loOpen: boolean;
  hi: number;
  hiOpen: boolean;
}

function intervalOf(value: number, comparator: Comparator | null): Interval {
  switch (comparator) {
    case '<':
      return { lo: -Infinity, loOpen: true, hi: value, hiOpen: true };
    case '<=':
      return { lo: -Infinity, loOpen: true, hi: value, hiOpen: false };
    case '>':
      return { lo: value, loOpen: true, hi: Infinity, hiOpen: true };
    case '>=':
      return { lo: value, loOpen: false, hi: Infinity, hiOpen: true };
    default:
      return { lo: value, loOpen: false, hi: value, hiOpen: false };
  }
}

/** Maps an interval through a monotone function. */
function mapInterval(iv: Interval, f: (x: number) => number, increasing: boolean): Interval {
  const a = Number.isFinite(iv.lo) ? tidy(f(iv.lo)) : increasing ? -Infinity : Infinity;
  const b = Number.isFinite(iv.hi) ? tidy(f(iv.hi)) : increasing ? Infinity : -Infinity;
  return increasing
    ? { lo: a, loOpen: iv.loOpen, hi: b, hiOpen: iv.hiOpen }
    : { lo: b, loOpen: iv.hiOpen, hi: a, hiOpen: iv.loOpen };
}

/** Whether every, no, or only some values of the interval satisfy `x op t`. */
function compareInterval(iv: Interval, op: ThresholdOp, t: number): Truth {
  let all: boolean;
  let none: boolean;
  switch (op) {
    case '<':
      all = iv.hi < t || (iv.hi === t && iv.hiOpen);
      none = iv.lo >= t;
      break;
    case '<=':
      all = iv.hi <= t;
      none = iv.lo > t || (iv.lo === t && iv.loOpen);
      break;
    case '>':
      all = iv.lo > t || (iv.lo === t && iv.loOpen);
      none = iv.hi <= t;
      break;
    case '>=':
      all = iv.lo >= t;
      none = iv.hi < t || (iv.hi === t && iv.hiOpen);
      break;
  }
  return all ? 'true' : none ? 'false' : 'unknown';
}

/** `value op threshold` for an exact value. */
export function compareExact(value: number, op: ThresholdOp, threshold: number): boolean {
  return compareInterval(intervalOf(tidy(value), null), op, tidy(threshold)) === 'true';
}

/**
 * The lab's limit on one side, or the catalogue's fallback limit when the lab sent none on that side
 * (clinical rules §5: fallbacks only when the lab sends nothing; the explanation marks it).
 */
export function resolveLimit(result: RuleInputResult, side: 'low' | 'high'): ResolvedLimit | null {
  const sent = result.range?.[side] ?? null;
  if (sent !== null && result.range.source !== 'none') return { value: sent, source: result.range.source };
  // The D-dimer fallback (≤0.5 mg/L) is an FEU cut-off: never lend it to a DDU or unknown-basis result.
  if (result.analyte === 'd-dimer' && dDimerBasis(result) !== 'FEU') return null;
  const fallback = result.analyte ? analyteById(result.analyte).fallbackRange?.[side] : null;
  return fallback === null || fallback === undefined ? null : { value: fallback, source: 'fallback' };
}

/** The D-dimer basis: as normalised, else implied by the LOINC code (§4.2), else unknown. */
export function dDimerBasis(result: RuleInputResult): DDimerBasis | null {
  return result.basis ?? (result.loinc ? (D_DIMER_BASIS_BY_LOINC[result.loinc] ?? null) : null);
}

/**
 * A dipstick grade: the normaliser's ordinal, or (defence in depth, should the normaliser leave it empty) the
 * dipstick grades the normaliser knows. Anything else is unreadable.
 */
export function ordinalOf(result: RuleInputResult): number | null {
  if (result.ordinal !== null && result.ordinal !== undefined) return result.ordinal;
  if (!result.text) return null;
  return dipstickGrade(normaliseText(result.text));
}

export function normaliseText(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[.!]+$/, '');
}

function outcome(truth: Truth, extra: Partial<PredicateOutcome> = {}): PredicateOutcome {
  return { truth, unanswered: [], notes: [], fallbackRange: false, alsoUsed: [], ...extra };
}

function unknown(reason: UnknownReason, result: RuleInputResult, detail: string): PredicateOutcome {
  return outcome('unknown', { unanswered: [{ reason, resultId: result.resultId, detail }] });
}

/** Compares a (possibly censored) numeric result after mapping it through a monotone function. */
function compareValue(
  result: RuleInputResult,
  op: ThresholdOp,
  threshold: number,
  what: string,
  map?: { f: (x: number) => number; increasing: boolean },
): PredicateOutcome {
  if (result.value === null || !Number.isFinite(result.value)) {
    return unknown('unreadable', result, `no numeric value for ${what}`);
  }
  let iv = intervalOf(tidy(result.value), result.comparator);
  if (map) iv = mapInterval(iv, map.f, map.increasing);
  const truth = compareInterval(iv, op, tidy(threshold));
  if (truth === 'unknown') {
    return unknown(
      'censored',
      result,
      `reported as ${result.comparator}${result.value}: cannot tell whether ${what} ${op} ${tidy(threshold)}`,
    );
  }
  return outcome(truth);
}

/** Grades one result against one predicate of a rule. */
export function gradePredicate(
  predicate: PredicateSpec,
  result: RuleInputResult,
  scope: GradingScope,
): PredicateOutcome {
  const n = (ref: NumberRef) => resolveNumber(ref, scope.thresholds);
  switch (predicate.kind) {
    case 'value':
      return compareValue(result, predicate.op, n(predicate.threshold), 'the value');

    case 'limit': {
      const limit = resolveLimit(result, predicate.limit);
      const name = predicate.limit === 'high' ? 'ULN' : 'LLN';
      if (!limit) return unknown('no-limit', result, `no ${name} sent and no fallback`);
      const factor = n(predicate.factor ?? 1);
      let reference = limit.value;
      const notes: string[] = [];
      if (predicate.baselineIfAbnormal) {
        const baseline = scope.history.baseline(result);
        const baselineLimit = baseline ? (resolveLimit(baseline, predicate.limit) ?? limit) : null;
        if (baseline && baseline.value !== null && baselineLimit) {
          const abnormal =
            predicate.limit === 'high'
              ? baseline.value > baselineLimit.value
              : baseline.value < baselineLimit.value;
          if (abnormal) {
            reference = baseline.value;
            notes.push(
              `baseline ${baseline.value} was outside its range: multiples of the baseline are used`,
            );
          }
        }
      }
      const graded = compareValue(result, predicate.op, tidy(factor * reference), `${factor}× ${name}`);
      return { ...graded, notes, fallbackRange: limit.source === 'fallback' };
    }

    case 'in-range':
    case 'outside-range': {
      const low = resolveLimit(result, 'low');
      const high = resolveLimit(result, 'high');
      if (!low && !high) return unknown('no-limit', result, 'no reference range sent and no fallback');
      const parts = [
        low ? compareValue(result, '>=', low.value, 'LLN') : outcome('true'),
        high ? compareValue(result, '<=', high.value, 'ULN') : outcome('true'),
      ];
      const inside: Truth = parts.some((p) => p.truth === 'false')
        ? 'false'
        : parts.some((p) => p.truth === 'unknown')
          ? 'unknown'
          : 'true';
      const fallbackRange = low?.source === 'fallback' || high?.source === 'fallback';
      const unanswered = parts.flatMap((p) => p.unanswered);
      const truth: Truth =
        predicate.kind === 'in-range' || inside === 'unknown' ? inside : inside === 'true' ? 'false' : 'true';
      return outcome(truth, { unanswered: truth === 'unknown' ? unanswered : [], fallbackRange });
    }

    case 'previous-change':
    case 'baseline-change': {
      const isPrevious = predicate.kind === 'previous-change';
      const reference = isPrevious ? scope.history.previous(result)[0] : scope.history.baseline(result);
      const label = isPrevious ? 'previous value' : 'baseline';
      if (!reference || reference.value === null) {
        return unknown(isPrevious ? 'no-previous' : 'no-baseline', result, `no ${label}`);
      }
      const b = reference.value;
      if (predicate.mode === 'percent' && b <= 0) {
        return unknown(isPrevious ? 'no-previous' : 'no-baseline', result, `${label} is not positive`);
      }
      const rise = predicate.direction === 'rise';
      const f =
        predicate.mode === 'difference'
          ? (x: number) => (rise ? x - b : b - x)
          : (x: number) => ((rise ? x - b : b - x) / b) * 100;
      return compareValue(
        result,
        predicate.op,
        n(predicate.threshold),
        `${predicate.direction} from ${label}`,
        {
          f,
          increasing: rise,
        },
      );
    }

    case 'baseline-ratio': {
      const baseline = scope.history.baseline(result);
      if (!baseline || baseline.value === null || baseline.value <= 0) {
        return unknown('no-baseline', result, 'no positive baseline');
      }
      const b = baseline.value;
      return compareValue(result, predicate.op, n(predicate.threshold), 'the ratio to baseline', {
        f: (x) => x / b,
        increasing: true,
      });
    }

    case 'baseline-value': {
      const baseline = scope.history.baseline(result);
      if (!baseline || baseline.value === null) {
        return outcome(predicate.whenAbsent === 'met' ? 'true' : 'false', {
          notes: predicate.whenAbsent === 'met' ? ['no baseline: treated as not already abnormal'] : [],
        });
      }
      return outcome(compareExact(baseline.value, predicate.op, n(predicate.threshold)) ? 'true' : 'false');
    }

    case 'consecutive': {
      const own = gradePredicate(predicate.test, result, scope);
      const earlier = scope.history.previous(result, predicate.count - 1);
      // Fewer earlier samples than the run needs: not (yet) consecutive.
      if (earlier.length < predicate.count - 1) return outcome('false');
      const graded = [own, ...earlier.map((r) => gradePredicate(predicate.test, r, scope))];
      const truth: Truth = graded.some((g) => g.truth === 'false')
        ? 'false'
        : graded.some((g) => g.truth === 'unknown')
          ? 'unknown'
          : 'true';
      return outcome(truth, {
        unanswered: truth === 'unknown' ? graded.flatMap((g) => g.unanswered) : [],
        fallbackRange: graded.some((g) => g.fallbackRange),
        alsoUsed: truth === 'true' ? earlier : [],
      });
    }

    case 'ordinal': {
      const grade = ordinalOf(result);
      if (grade === null)
        return unknown('unreadable', result, `dipstick grade not readable: ${result.text ?? ''}`);
      return outcome(compareExact(grade, predicate.op, n(predicate.threshold)) ? 'true' : 'false');
    }

    case 'text': {
      const categories = scope.textCategories ?? {};
      if (!result.text) return unknown('unreadable', result, 'no text result');
      const text = normaliseText(result.text);
      const found = Object.entries(categories).find(([, words]) =>
        words.some((w) => normaliseText(w) === text),
      );
      if (!found) return unknown('unreadable', result, `result text "${result.text}" is not a known reading`);
      return outcome(found[0] === predicate.category ? 'true' : 'false');
    }

    case 'present':
      return outcome(
        result.value !== null || result.text !== null || result.ordinal !== null ? 'true' : 'false',
      );

    case 'd-dimer-cutoff': {
      const basis = dDimerBasis(result);
      const feu = n(predicate.cutoffFeu);
      let value = basis === 'FEU' ? feu : n(predicate.cutoffDdu);
      let ageAdjusted = false;
      if (predicate.ageAdjusted && basis === 'FEU') {
        const age = ageInYearsOn(scope.birthDate, scope.history.day(result));
        // Age-adjusted FEU cut-off above 50 years: age/100 mg/L (Davis); never below the standard cut-off.
        if (age !== null && age > 50 && age / 100 > feu) {
          value = tidy(age / 100);
          ageAdjusted = true;
        }
      }
      const cutoff: DDimerCutoff = {
        value,
        basis: basis ?? 'DDU',
        basisAssumed: basis === null,
        ageAdjusted,
      };
      const multiple = n(predicate.multiple);
      const graded = compareValue(result, predicate.op, tidy(multiple * value), `${multiple}× the cut-off`);
      const notes = basis === null ? ['basis (FEU/DDU) unknown: graded against the DDU cut-off (DD-4)'] : [];
      if (ageAdjusted) notes.push(`age-adjusted cut-off ${value} mg/L FEU`);
      return { ...graded, notes, cutoff };
    }

    case 'held':
      return outcome(result.quality === 'held' ? 'true' : 'false');

    case 'basis-unknown':
      return outcome(result.quality === 'ok' && dDimerBasis(result) === null ? 'true' : 'false');

    case 'flagged':
      return outcome((result.qualityFlags ?? []).includes(predicate.flag) ? 'true' : 'false');

    case 'jump': {
      const previous = scope.history.previous(result)[0];
      if (!previous || previous.value === null || result.value === null) return outcome('false');
      if (previous.value <= 0 || result.value <= 0) return outcome('false');
      const gap = daysBetween(scope.history.day(previous), scope.history.day(result));
      if (gap > n(predicate.withinDays)) return outcome('false');
      const ratio = Math.max(result.value / previous.value, previous.value / result.value);
      return outcome(compareExact(ratio, '>=', n(predicate.factor)) ? 'true' : 'false', {
        alsoUsed: [previous],
      });
    }
  }
}
