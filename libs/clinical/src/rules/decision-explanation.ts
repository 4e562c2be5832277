import { analyteById } from '../analytes/analyte-catalogue';
import { type ExplainedValue } from '../alerts/alert-decision';
import { type RuleInputResult } from './evaluation-input';
import { displayUnit, formatNumber } from './explanation-template';
import { type BaselineReference } from '../context/baseline';
import { type PatientHistory } from './patient-history';
import { dDimerBasis, type DDimerCutoff, resolveLimit, tidy } from './result-grading';

/** A result as an explanation shows it: canonical value and unit, the lab's original, the range actually used. */
export function explainedValue(result: RuleInputResult): ExplainedValue {
  const low = resolveLimit(result, 'low');
  const high = resolveLimit(result, 'high');
  const usesFallback = low?.source === 'fallback' || high?.source === 'fallback';
  return {
    resultId: result.resultId,
    analyte: result.analyte,
    loinc: result.loinc,
    value: result.value ?? result.text ?? result.ordinal ?? null,
    unit: result.unit,
    original: result.original ?? null,
    range:
      low || high
        ? {
            low: low?.value ?? null,
            high: high?.value ?? null,
            source: usesFallback ? 'fallback' : result.range.source,
          }
        : { low: null, high: null, source: 'none' },
    observedAt: result.observedAt.toISOString(),
    status: result.status,
    comparator: result.comparator,
    basis: result.analyte === 'd-dimer' ? dDimerBasis(result) : null,
    quality: result.quality,
    qualityReason: result.qualityReason,
    ...(result.derivation ? { derivation: result.derivation.text } : {}),
  };
}

/** The value as reported, without its unit: "22", "<0.01", "2+", "Reactive". */
export function valueText(result: RuleInputResult): string {
  if (result.value !== null) return `${result.comparator ?? ''}${formatNumber(result.value)}`;
  if (result.text !== null) return result.text;
  if (result.ordinal !== null) return String(result.ordinal);
  return 'no value';
}

/** The value with its display unit: "22 ×10⁹/L", "<0.01 mIU/L", "2+". */
export function describeValue(result: RuleInputResult): string {
  const unit = result.value !== null ? displayUnit(result.unit) : '';
  return `${valueText(result)}${unit ? ` ${unit}` : ''}`;
}

function describeWithDay(result: RuleInputResult, history: PatientHistory): string {
  return `${describeValue(result)} (${history.day(result)})`;
}

/** The values a template can name, for the graded result. */
export function placeholderValues(args: {
  trigger: RuleInputResult;
  supporting: readonly RuleInputResult[];
  history: PatientHistory;
  thresholds: Readonly<Record<string, number>>;
  window: string | null;
  daysSinceLastInfusion: number | null;
  cutoff: DDimerCutoff | undefined;
  blocked: string | null;
  /** The baseline (or its post-course stand-in) the decision used, if any. */
  reference: BaselineReference<RuleInputResult> | null;
  /** The templates the values will fill (costly values are computed only when one of them names them). */
  templates: readonly string[];
}): Record<string, string | null> {
  const { trigger, history, reference } = args;
  const baseline = reference?.result ?? null;
  const course = history.course(trigger);
  const previous = history.previous(trigger)[0] ?? null;
  const low = resolveLimit(trigger, 'low');
  const high = resolveLimit(trigger, 'high');
  const v = trigger.value;
  const values: Record<string, string | null> = {
    analyte: trigger.analyte ? analyteById(trigger.analyte).name : null,
    value: valueText(trigger),
    unit: displayUnit(trigger.unit),
    lln: low ? formatNumber(low.value) : null,
    uln: high ? formatNumber(high.value) : null,
    xUln: v !== null && high && high.value > 0 ? (v / high.value).toFixed(1) : null,
    baseline: reference
      ? `${describeWithDay(reference.result, history)}${
          reference.source === 'pre-course'
            ? ''
            : ` (the ${reference.source === 'post-course-lowest' ? 'lowest' : 'highest'} since course ${reference.courseNumber}: no pre-course baseline)`
        }`
      : `none in the ${history.baselineLookbackDays} days before the course`,
    baselineDelta:
      v !== null && baseline && baseline.value !== null ? signed(tidy(v - baseline.value)) : null,
    baselineRatio: v !== null && baseline?.value ? formatNumber(tidy(v / baseline.value)) : null,
    previous: previous ? describeWithDay(previous, history) : 'none',
    change:
      v !== null && previous?.value
        ? `${signed(Number((((v - previous.value) / previous.value) * 100).toFixed(1)))}%`
        : null,
    cutoff: args.cutoff
      ? `${formatNumber(args.cutoff.value)} mg/L ${args.cutoff.basis}${args.cutoff.basisAssumed ? ' (basis unknown, DDU assumed)' : ''}${args.cutoff.ageAdjusted ? ' (age-adjusted)' : ''}`
      : null,
    basis: trigger.analyte === 'd-dimer' ? (dDimerBasis(trigger) ?? 'unknown') : null,
    supporting:
      args.supporting.length > 0
        ? args.supporting
            .map(
              (r) => `${r.analyte ? analyteById(r.analyte).name : 'result'} ${describeWithDay(r, history)}`,
            )
            .join('; ')
        : 'none',
    window: args.window,
    days: args.daysSinceLastInfusion === null ? null : String(args.daysSinceLastInfusion),
    qualityReason: trigger.qualityReason,
    blocked: args.blocked,
    observed: history.day(trigger),
    course: course ? String(course.courseNumber) : null,
    // Read by DQ-2's summary only, and a walk over the analyte's history: computed when asked for.
    baselineReference:
      course && args.templates.some((t) => t.includes('{baselineReference}'))
        ? sinceCourse(trigger, course.start, history)
        : null,
  };
  for (const [name, value] of Object.entries(args.thresholds)) values[name] = formatNumber(value);
  return values;
}

/** DQ-2: what stands in for a missing baseline, so far (the lowest and highest value since the course began). */
function sinceCourse(trigger: RuleInputResult, start: string, history: PatientHistory): string {
  if (trigger.analyte === null) return 'nothing';
  const values = history
    .since(trigger.analyte, start, trigger)
    .filter((r) => r.value !== null && (r.comparator === null || r.comparator === undefined));
  const what = 'the lowest value since the course began for a rise, the highest for a fall';
  if (values.length === 0) return `${what} (none yet before this one)`;
  const low = values.reduce((a, r) => (r.value! < a.value! ? r : a));
  const high = values.reduce((a, r) => (r.value! > a.value! ? r : a));
  const shown =
    low === high
      ? describeWithDay(low, history)
      : `lowest ${describeWithDay(low, history)}, highest ${describeWithDay(high, history)}`;
  return `${what} (so far ${shown})`;
}

function signed(value: number): string {
  return `${value > 0 ? '+' : ''}${formatNumber(value)}`;
}
