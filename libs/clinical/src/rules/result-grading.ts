import { analyteById, D_DIMER_BASIS_BY_LOINC, type DDimerBasis } from '../analytes/analyte-catalogue';
import { type BaselineReference } from '../context/baseline';
import { type CalendarDay, daysBetween } from '../courses/calendar';
import { ageInYearsOn } from '../context/patient-context';
import { type Comparator, type RangeSource } from '../results/result';
import { dipstickGrade } from '../units/dipstick-ordinal';
import { displayUnit, formatNumber } from './explanation-template';
import { normaliseText } from '../units/result-text';
import { unitConversion } from '../units/unit-conversion';
import {
  castTypeFinding,
  countFinding,
  type FindingReading,
  mentionFinding,
  presenceFinding,
  type UrineFinding,
} from '../units/urine-sediment';
import { type RuleInputResult } from './evaluation-input';
import { type PatientHistory } from './patient-history';
import { type NumberRef, type PredicateSpec, type RuleSpec, type ThresholdOp } from './rule-set.schema';

/** Three-valued truth: a test can be unanswerable (no range, no baseline, a censored value). */
export type Truth = 'true' | 'false' | 'unknown';

/**
 * Why a test could not be answered. `no-limit` and `unreadable` on the graded result itself make it ungradable
 * (DQ-1); `censored` on it is graded by its worse case where that is safe (`ConditionScope.conservative`) and
 * ungradable otherwise; a missing baseline or previous value is ordinary (first result, baseline not drawn).
 */
export type UnknownReason = 'no-limit' | 'unreadable' | 'censored' | 'no-baseline' | 'no-previous';

export interface Unanswered {
  reason: UnknownReason;
  resultId: string;
  detail: string;
  /**
   * `censored` only: what conservative grading assumes and says in the explanation when it takes the tier as met
   * ("reported as <30 ×10⁹/L: may be below 25; graded as if it is (conservative)").
   */
  assumption?: string;
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
  /** The baseline (or post-course stand-in) a baseline-relative test judged the result against. */
  reference?: BaselineReference<RuleInputResult>;
}

/** What a predicate needs besides the result. */
export interface GradingScope {
  history: PatientHistory;
  thresholds: Readonly<Record<string, number>>;
  /** The rule's thresholds as written in other unit systems (clinical rules §2). */
  unitThresholds?: RuleSpec['unitThresholds'];
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

function outcome(truth: Truth, extra: Partial<PredicateOutcome> = {}): PredicateOutcome {
  return { truth, unanswered: [], notes: [], fallbackRange: false, alsoUsed: [], ...extra };
}

function unknown(reason: UnknownReason, result: RuleInputResult, detail: string): PredicateOutcome {
  return outcome('unknown', { unanswered: [{ reason, resultId: result.resultId, detail }] });
}

const OP_WORDS: Record<ThresholdOp, string> = {
  '<': 'below',
  '<=': 'at or below',
  '>': 'above',
  '>=': 'at or above',
};

/** How a conservative note names what a censored value may be: "may be below 25", "the fall … may be ≥ 50%". */
interface Phrasing {
  /** The quantity compared when it is not the value itself ("the fall from the baseline"). */
  quantity?: string;
  /** What the threshold is ("3× ULN"), shown after its number. */
  named?: string;
  /** Written after the threshold's number ("%", " mmol/L"). */
  suffix?: string;
}

/** The value as the lab reported it, comparator kept: "<30 ×10⁹/L". */
function reported(result: RuleInputResult): string {
  const unit = displayUnit(result.unit);
  return `${result.comparator ?? ''}${formatNumber(result.value!)}${unit ? ` ${unit}` : ''}`;
}

/** The note of a tier graded as met because a censored value may meet it (clinical rules §2: the worse case). */
export function conservativeNote(result: RuleInputResult, possibility: string): string {
  return `reported as ${reported(result)}: ${possibility}; graded as if it is (conservative)`;
}

/** Compares a (possibly censored) numeric result after mapping it through a monotone function. */
function compareValue(
  result: RuleInputResult,
  op: ThresholdOp,
  threshold: number,
  what: string,
  map?: { f: (x: number) => number; increasing: boolean },
  phrasing: Phrasing = {},
): PredicateOutcome {
  if (result.value === null || !Number.isFinite(result.value)) {
    return unknown('unreadable', result, `no numeric value for ${what}`);
  }
  let iv = intervalOf(tidy(result.value), result.comparator);
  if (map) iv = mapInterval(iv, map.f, map.increasing);
  const truth = compareInterval(iv, op, tidy(threshold));
  if (truth === 'unknown') {
    const t = `${formatNumber(tidy(threshold))}${phrasing.suffix ?? ''}${phrasing.named ? ` (${phrasing.named})` : ''}`;
    const possibility = `${phrasing.quantity ? `${phrasing.quantity} ` : ''}may be ${OP_WORDS[op]} ${t}`;
    return outcome('unknown', {
      unanswered: [
        {
          reason: 'censored',
          resultId: result.resultId,
          detail: `reported as ${result.comparator}${result.value}: cannot tell whether ${what} ${op} ${tidy(threshold)}`,
          assumption: conservativeNote(result, possibility),
        },
      ],
    });
  }
  return outcome(truth);
}

/** A named threshold as written in the unit system the result was reported in, when the rule gives it. */
interface ReportedUnitThreshold {
  threshold: number;
  unit: string;
  /** canonical value → the value in the reported unit, at the precision a lab reports (10 digits). */
  toReported: (canonical: number) => number;
}

function thresholdInReportedUnit(
  ref: NumberRef,
  result: RuleInputResult,
  scope: GradingScope,
): ReportedUnitThreshold | null {
  if (typeof ref !== 'string' || !result.reportedUnit || result.analyte === null) return null;
  const alt = scope.unitThresholds?.find(
    (a) => a.analyte === result.analyte && a.unit === result.reportedUnit,
  );
  const threshold = alt?.thresholds[ref];
  if (threshold === undefined) return null;
  const conversion = unitConversion(analyteById(result.analyte), result.reportedUnit);
  if (!conversion.ok) return null;
  const factor = conversion.factor;
  // Undo the conversion exactly as far as a lab's number goes: 96.5 µmol/L stored as 1.09162895928 mg/dL is
  // 96.5 again, not 96.50000000035.
  return { threshold, unit: result.reportedUnit, toReported: (x) => Number((x / factor).toPrecision(10)) };
}

/** Whether a urine sediment result shows the finding (`units/urine-sediment.ts`). */
function findingOf(result: RuleInputResult, finding: UrineFinding): FindingReading | 'not-mentioned' {
  const own =
    (finding === 'rbc-casts' && result.analyte === 'urine-rbc-casts') ||
    (finding === 'dysmorphic-rbc' && result.analyte === 'urine-dysmorphic-rbc');
  if (own) {
    // A dysmorphic fraction from an analyser is a finding above the analyser's ULN (red cell casts are never
    // normal: any cast counted is one).
    const uln = finding === 'dysmorphic-rbc' && result.range.source === 'lab' ? result.range.high : null;
    if (result.value !== null && uln !== null) {
      const truth = compareValue(result, '>', uln, "the analyser's ULN").truth;
      return truth === 'true' ? 'present' : truth === 'false' ? 'absent' : 'unreadable';
    }
    if (result.value !== null) return countFinding(result.value, result.comparator);
    return result.text === null ? 'unreadable' : presenceFinding(result.text, finding);
  }
  if (result.analyte === 'urine-sediment-finding' && result.text !== null) {
    // A cast-type list ("Hyaline, RBC") names red cell casts without the word "cast"; free text must say it.
    if (finding === 'rbc-casts') {
      const listed = castTypeFinding(result.text);
      return listed === 'present' ? 'present' : mentionFinding(result.text, finding);
    }
    return mentionFinding(result.text, finding);
  }
  if (result.analyte === 'urine-sediment-finding') return 'unreadable';
  return 'not-mentioned';
}

/** Grades one result against one predicate of a rule. */
export function gradePredicate(
  predicate: PredicateSpec,
  result: RuleInputResult,
  scope: GradingScope,
): PredicateOutcome {
  const n = (ref: NumberRef) => resolveNumber(ref, scope.thresholds);
  switch (predicate.kind) {
    case 'value': {
      const alt = thresholdInReportedUnit(predicate.threshold, result, scope);
      if (alt) {
        return compareValue(
          result,
          predicate.op,
          alt.threshold,
          `the value in ${alt.unit}`,
          { f: alt.toReported, increasing: true },
          { quantity: `the value in ${displayUnit(alt.unit)}`, suffix: ` ${displayUnit(alt.unit)}` },
        );
      }
      return compareValue(result, predicate.op, n(predicate.threshold), 'the value');
    }

    case 'limit': {
      const limit = resolveLimit(result, predicate.limit);
      const name = predicate.limit === 'high' ? 'ULN' : 'LLN';
      if (!limit) return unknown('no-limit', result, `no ${name} sent and no fallback`);
      const factor = n(predicate.factor ?? 1);
      let reference = limit.value;
      const notes: string[] = [];
      if (predicate.baselineIfAbnormal) {
        const baseline = scope.history.reference(result, 'baseline')?.result ?? null;
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
      const graded = compareValue(
        result,
        predicate.op,
        tidy(factor * reference),
        `${factor}× ${name}`,
        undefined,
        { named: `${factor === 1 ? '' : `${factor}× `}${notes.length > 0 ? 'the baseline' : name}` },
      );
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
      const truth: Truth =
        predicate.kind === 'in-range' || inside === 'unknown' ? inside : inside === 'true' ? 'false' : 'true';
      const bounds = `${low ? formatNumber(low.value) : '…'}–${high ? formatNumber(high.value) : '…'}`;
      const possibility = `may be ${predicate.kind === 'in-range' ? 'within' : 'outside'} the reference range (${bounds})`;
      const unanswered = parts
        .flatMap((p) => p.unanswered)
        .map((u) =>
          u.reason === 'censored' ? { ...u, assumption: conservativeNote(result, possibility) } : u,
        );
      return outcome(truth, { unanswered: truth === 'unknown' ? unanswered : [], fallbackRange });
    }

    case 'previous-change':
    case 'baseline-change': {
      const isPrevious = predicate.kind === 'previous-change';
      const rise = predicate.direction === 'rise';
      const baseline = isPrevious
        ? undefined
        : (scope.history.reference(result, predicate.direction) ?? undefined);
      const reference = isPrevious ? scope.history.previous(result)[0] : baseline?.result;
      const label = isPrevious ? 'previous value' : 'baseline';
      if (!reference || reference.value === null) {
        return unknown(isPrevious ? 'no-previous' : 'no-baseline', result, `no ${label}`);
      }
      const b = reference.value;
      if (predicate.mode === 'percent' && b <= 0) {
        return unknown(isPrevious ? 'no-previous' : 'no-baseline', result, `${label} is not positive`);
      }
      // A difference written in the unit system the result came in is taken in that unit (CREA-1: +26.5 µmol/L).
      const alt =
        predicate.mode === 'difference' ? thresholdInReportedUnit(predicate.threshold, result, scope) : null;
      const to = alt ? alt.toReported : (x: number) => x;
      const bb = to(b);
      const f =
        predicate.mode === 'difference'
          ? (x: number) => (rise ? to(x) - bb : bb - to(x))
          : (x: number) => ((rise ? x - b : b - x) / b) * 100;
      const graded = compareValue(
        result,
        predicate.op,
        alt ? alt.threshold : n(predicate.threshold),
        `${predicate.direction} from ${label}${alt ? ` in ${alt.unit}` : ''}`,
        { f, increasing: rise },
        {
          quantity: `the ${predicate.direction} from the ${label} (${formatNumber(b)})`,
          suffix: predicate.mode === 'percent' ? '%' : alt ? ` ${displayUnit(alt.unit)}` : '',
        },
      );
      return baseline ? { ...graded, reference: baseline } : graded;
    }

    case 'baseline-ratio': {
      const baseline = scope.history.reference(result, 'rise');
      if (!baseline || baseline.result.value === null || baseline.result.value <= 0) {
        return unknown('no-baseline', result, 'no positive baseline');
      }
      const b = baseline.result.value;
      const graded = compareValue(
        result,
        predicate.op,
        n(predicate.threshold),
        'the ratio to baseline',
        { f: (x) => x / b, increasing: true },
        { quantity: `the ratio to the baseline (${formatNumber(b)})` },
      );
      return { ...graded, reference: baseline };
    }

    case 'baseline-value': {
      const baseline = scope.history.reference(result, 'baseline');
      if (!baseline || baseline.result.value === null) {
        return outcome(predicate.whenAbsent === 'met' ? 'true' : 'false', {
          notes: predicate.whenAbsent === 'met' ? ['no baseline: treated as not already abnormal'] : [],
        });
      }
      const b = baseline.result;
      const alt = thresholdInReportedUnit(predicate.threshold, b, scope);
      const met = alt
        ? compareExact(alt.toReported(b.value!), predicate.op, alt.threshold)
        : compareExact(b.value!, predicate.op, n(predicate.threshold));
      return outcome(met ? 'true' : 'false', { reference: baseline });
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
        // Also when unknown: a run that conservative grading takes as met (the graded result censored) used them.
        alsoUsed: truth === 'false' ? [] : earlier,
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
      const graded = compareValue(
        result,
        predicate.op,
        tidy(multiple * value),
        `${multiple}× the cut-off`,
        undefined,
        { named: multiple === 1 ? 'the cut-off' : `${multiple}× the cut-off` },
      );
      const notes = basis === null ? ['basis (FEU/DDU) unknown: graded against the DDU cut-off (DD-4)'] : [];
      if (ageAdjusted) notes.push(`age-adjusted cut-off ${value} mg/L FEU`);
      return { ...graded, notes, cutoff };
    }

    case 'finding': {
      const reading = findingOf(result, predicate.finding);
      if (reading === 'present') return outcome('true');
      if (reading === 'absent' || reading === 'not-mentioned') return outcome('false');
      return unknown(
        'unreadable',
        result,
        `cannot tell whether ${predicate.finding === 'rbc-casts' ? 'red cell casts' : 'dysmorphic red cells'} were seen: ${JSON.stringify(result.text ?? `${result.comparator ?? ''}${result.value}`)}`,
      );
    }

    case 'no-baseline': {
      const course = scope.history.course(result);
      if (!course) return outcome('false');
      return outcome(scope.history.reference(result, 'baseline') ? 'false' : 'true');
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
