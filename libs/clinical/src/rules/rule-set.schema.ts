import { z } from 'zod';
import { ANALYTES, type AnalyteId } from '../analytes/analyte-catalogue';
import { CLINICAL_WINDOW_IDS, type ClinicalWindowId } from '../context/clinical-windows';
import { PATIENT_FLAGS, type PatientFlag } from '../context/patient-context';
import { type QualityFlag } from '../results/result';
import { type UrineFinding } from '../units/urine-sediment';

/** The normaliser's quality flags a data-quality rule can test (`results/result.ts`). */
export const QUALITY_FLAGS = [
  'd-dimer-basis-unknown',
  'd-dimer-molar-unit',
  'unit-from-mapping',
  'value-from-text',
  'reference-range-unreadable',
] as const satisfies readonly QualityFlag[];

/**
 * The rule-set file format (`rule-sets/*.rule-set.json`): versioned data, validated by {@link ruleSetSchema}
 * here and by the semantic checks of `rule-set.loader.ts`. Every number is in the analyte's canonical unit
 * (`analytes/analyte-catalogue.ts`).
 */

export type ThresholdOp = '<' | '<=' | '>' | '>=';

/** A literal number, or the name of one of the rule's `thresholds` (the names site overrides can change). */
export type NumberRef = number | string;

/** A test of one result. */
export type PredicateSpec =
  /** canonical value `op` threshold */
  | { kind: 'value'; op: ThresholdOp; threshold: NumberRef }
  /**
   * value `op` factor × the lab's LLN (`low`) or ULN (`high`); the catalogue's fallback limit when the lab sent
   * none. `baselineIfAbnormal`: when the baseline was outside the range on that side, multiples of the baseline
   * replace multiples of the limit (LFT-1).
   */
  | {
      kind: 'limit';
      limit: 'low' | 'high';
      op: ThresholdOp;
      factor?: NumberRef;
      baselineIfAbnormal?: boolean;
    }
  | { kind: 'in-range' }
  | { kind: 'outside-range' }
  /** change against the previous usable result of the same analyte: `fall` = previous − value. */
  | {
      kind: 'previous-change';
      direction: 'fall' | 'rise';
      mode: 'percent' | 'difference';
      op: ThresholdOp;
      threshold: NumberRef;
    }
  /** change against the baseline of the course in effect. */
  | {
      kind: 'baseline-change';
      direction: 'fall' | 'rise';
      mode: 'percent' | 'difference';
      op: ThresholdOp;
      threshold: NumberRef;
    }
  /** value ÷ baseline `op` threshold. */
  | { kind: 'baseline-ratio'; op: ThresholdOp; threshold: NumberRef }
  /** the baseline itself; `whenAbsent` says what a missing baseline means. */
  | { kind: 'baseline-value'; op: ThresholdOp; threshold: NumberRef; whenAbsent: 'met' | 'not-met' }
  /** this result and the `count − 1` usable results of the same analyte before it all pass `test` (URBC-2). */
  | { kind: 'consecutive'; count: number; test: PredicateSpec }
  /** dipstick grade: negative 0, trace 0.5, 1+ 1, 2+ 2, 3+ 3, 4+ 4. */
  | { kind: 'ordinal'; op: ThresholdOp; threshold: NumberRef }
  /** nominal text in one of the rule's `textCategories`; text in none of them cannot be graded. */
  | { kind: 'text'; category: string }
  /** any value at all (informational rules without a threshold: IL6-1). */
  | { kind: 'present' }
  /**
   * D-dimer against `multiple` × the cut-off of its basis (clinical rules §4.2): FEU `cutoffFeu`, DDU
   * `cutoffDdu`; an unknown basis is graded against the (lower) DDU cut-off. `ageAdjusted`: FEU cut-off
   * age/100 mg/L above 50 years.
   */
  | {
      kind: 'd-dimer-cutoff';
      op: ThresholdOp;
      multiple: NumberRef;
      ageAdjusted: boolean;
      cutoffFeu: NumberRef;
      cutoffDdu: NumberRef;
    }
  /** data-quality only: the normaliser held the result (unknown or implausible unit). */
  | { kind: 'held' }
  /** data-quality only: a D-dimer whose FEU/DDU basis is unknown. */
  | { kind: 'basis-unknown' }
  /** data-quality only: value ÷ previous (or previous ÷ value) ≥ factor, previous within `withinDays`. */
  | { kind: 'jump'; factor: NumberRef; withinDays: NumberRef }
  /** data-quality only: the normaliser flagged the result (e.g. a D-dimer converted from nmol/L). */
  | { kind: 'flagged'; flag: (typeof QUALITY_FLAGS)[number] }
  /**
   * A urine sediment finding seen (RENAL-1: red cell casts, dysmorphic red cells): a count above 0, a presence
   * word or code, a cast type that names it, or free text that mentions it without a negation
   * (`units/urine-sediment.ts`).
   */
  | { kind: 'finding'; finding: UrineFinding }
  /**
   * data-quality only: the result falls in a course whose baseline of its analyte is missing: no usable result in
   * the `lookbackDays` before the course's first infusion. The rule set's one `no-baseline` test also sets the
   * look-back of every baseline the rules read (clinical rules §1.2; [P] 180 days, the REMS's 30 the strict
   * setting).
   */
  | { kind: 'no-baseline'; lookbackDays: NumberRef };

/**
 * A condition tree. A leaf `{ analyte, test }` is met when a result of one of the analytes passes the test: the
 * graded result itself for its own analyte, otherwise a usable result of the patient within the rule's
 * `pairingDays` (composites). `none` is an exclusion (met unless some result is known to pass); `flag` reads the
 * patient context; `rule` re-uses the tiers of another rule (RENAL-1 needs "a CREA-1 rise"); `signal` is for
 * data-quality rules.
 */
export type ConditionSpec =
  | { analyte: AnalyteId | AnalyteId[]; test: PredicateSpec }
  | { all: ConditionSpec[] }
  | { any: ConditionSpec[] }
  | { atLeast: number; of: ConditionSpec[] }
  | { none: ConditionSpec }
  | { flag: PatientFlag; is?: boolean }
  | { rule: string }
  | { signal: 'ungradable' };

const analyteIds = ANALYTES.map((a) => a.id) as [AnalyteId, ...AnalyteId[]];
const analyteId = z.enum(analyteIds);
const op = z.enum(['<', '<=', '>', '>=']);
const numberRef = z.union([z.number().finite(), z.string().min(1)]);
const severity = z.enum(['info', 'warning', 'critical']);
const windowId = z.enum(CLINICAL_WINDOW_IDS as [ClinicalWindowId, ...ClinicalWindowId[]]);
const flag = z.enum(PATIENT_FLAGS as [PatientFlag, ...PatientFlag[]]);

export const predicateSchema: z.ZodType<PredicateSpec> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('value'), op, threshold: numberRef }),
    z.strictObject({
      kind: z.literal('limit'),
      limit: z.enum(['low', 'high']),
      op,
      factor: numberRef.optional(),
      baselineIfAbnormal: z.boolean().optional(),
    }),
    z.strictObject({ kind: z.literal('in-range') }),
    z.strictObject({ kind: z.literal('outside-range') }),
    z.strictObject({
      kind: z.literal('previous-change'),
      direction: z.enum(['fall', 'rise']),
      mode: z.enum(['percent', 'difference']),
      op,
      threshold: numberRef,
    }),
    z.strictObject({
      kind: z.literal('baseline-change'),
      direction: z.enum(['fall', 'rise']),
      mode: z.enum(['percent', 'difference']),
      op,
      threshold: numberRef,
    }),
    z.strictObject({ kind: z.literal('baseline-ratio'), op, threshold: numberRef }),
    z.strictObject({
      kind: z.literal('baseline-value'),
      op,
      threshold: numberRef,
      whenAbsent: z.enum(['met', 'not-met']),
    }),
    z.strictObject({
      kind: z.literal('consecutive'),
      count: z.number().int().min(2),
      test: predicateSchema,
    }),
    z.strictObject({ kind: z.literal('ordinal'), op, threshold: numberRef }),
    z.strictObject({ kind: z.literal('text'), category: z.string().min(1) }),
    z.strictObject({ kind: z.literal('present') }),
    z.strictObject({
      kind: z.literal('d-dimer-cutoff'),
      op,
      multiple: numberRef,
      ageAdjusted: z.boolean(),
      cutoffFeu: numberRef,
      cutoffDdu: numberRef,
    }),
    z.strictObject({ kind: z.literal('held') }),
    z.strictObject({ kind: z.literal('basis-unknown') }),
    z.strictObject({ kind: z.literal('jump'), factor: numberRef, withinDays: numberRef }),
    z.strictObject({ kind: z.literal('flagged'), flag: z.enum(QUALITY_FLAGS) }),
    z.strictObject({ kind: z.literal('finding'), finding: z.enum(['rbc-casts', 'dysmorphic-rbc']) }),
    z.strictObject({ kind: z.literal('no-baseline'), lookbackDays: numberRef }),
  ]),
);

export const conditionSchema: z.ZodType<ConditionSpec> = z.lazy(() =>
  z.union([
    z.strictObject({ analyte: z.union([analyteId, z.array(analyteId).min(1)]), test: predicateSchema }),
    z.strictObject({ all: z.array(conditionSchema).min(1) }),
    z.strictObject({ any: z.array(conditionSchema).min(1) }),
    z.strictObject({ atLeast: z.number().int().min(1), of: z.array(conditionSchema).min(1) }),
    z.strictObject({ none: conditionSchema }),
    z.strictObject({ flag, is: z.boolean().optional() }),
    z.strictObject({ rule: z.string().min(1) }),
    z.strictObject({ signal: z.literal('ungradable') }),
  ]),
);

/** One rung of a rule's ladder. The decision takes the worst tier met (after window adjustments). */
export const tierSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  severity,
  emergency: z.boolean().default(false),
  when: conditionSchema,
  /** Explanation template: `{value}`, `{unit}`, `{uln}` …, and the rule's threshold names. */
  summary: z.string().min(1),
  /** Overrides the rule's action for this tier (TSH-1 low vs high). */
  action: z.string().min(1).optional(),
  /**
   * Data-quality tiers only: when met, the result is held for review and no breach rule grades it (DD-4: an
   * implausible jump); a reviewer's release grades it once. Such a tier may not read the `ungradable` signal.
   */
  holds: z.boolean().default(false),
});

/**
 * The same thresholds written in another unit system (clinical rules §2 writes some in two: creatinine
 * +0.3 mg/dL and +26.5 µmol/L, UPCR 150/500 mg/g and 15/50 mg/mmol): a result of `analyte` reported in `unit`
 * (UCUM) is judged against these numbers in that unit, at the precision they were written in, instead of
 * against the canonical ones after conversion (which turns 70 → 96.5 µmol/L into a 0.2998 mg/dL rise).
 */
export const unitThresholdsSchema = z.strictObject({
  analyte: analyteId,
  unit: z.string().min(1),
  thresholds: z.record(z.string(), z.number().finite()),
});

/** Inside `window`, the listed tiers (default: all) take this severity/emergency/action; `note` explains why. */
export const windowAdjustmentSchema = z.strictObject({
  window: windowId,
  tiers: z.array(z.string()).min(1).optional(),
  severity: severity.optional(),
  emergency: z.boolean().optional(),
  action: z.string().min(1).optional(),
  note: z.string().min(1),
});

export const ruleSchema = z.strictObject({
  id: z.string().regex(/^[A-Z][A-Z0-9]*-[0-9]+$/),
  title: z.string().min(1),
  /** Evidence tags from the clinical rules ([FDA-L], [G], [P] …). */
  evidence: z.string().min(1),
  kind: z.enum(['breach', 'data-quality']),
  /** `not-lab`: kept in the set so it is visible and versioned, never evaluated on a result (VASC-0). */
  evaluation: z.enum(['lab', 'not-lab']).default('lab'),
  enabled: z.boolean().default(true),
  description: z.string().optional(),
  /** Parts of the clinical rule that lab data alone cannot decide, said out loud. */
  limitations: z.array(z.string()).default([]),
  /** Named numbers in canonical units; conditions refer to them by name; site overrides change them. */
  thresholds: z.record(z.string(), z.number().finite()).default({}),
  /** Named thresholds as written in another unit system (see {@link unitThresholdsSchema}). */
  unitThresholds: z.array(unitThresholdsSchema).default([]),
  /**
   * `per-patient` (default): one open alert per patient and rule. `once-per-course-and-analyte`: at most one alert
   * ever per patient, course and analyte (DQ-2: a missing baseline is said once, not on every result).
   */
  alertScope: z.enum(['per-patient', 'once-per-course-and-analyte']).default('per-patient'),
  /** Composite pairing window: partner results within ± this many calendar days of the graded result. */
  pairingDays: numberRef.optional(),
  /** The rule is evaluated only for results inside this window. */
  appliesIn: windowId.optional(),
  tiers: z.array(tierSchema).default([]),
  windows: z.array(windowAdjustmentSchema).default([]),
  /** Rules this rule suppresses for the same graded result, when its decision is at least as severe. */
  supersedes: z.array(z.string()).default([]),
  /** When a result is "back in range" for the rule: recorded on an open alert's timeline, never closing it. */
  recovery: z.strictObject({ when: conditionSchema, summary: z.string().min(1) }).optional(),
  textCategories: z.record(z.string(), z.array(z.string().min(1)).min(1)).optional(),
  action: z.string().min(1),
});

export const siteOverrideRecordSchema = z.strictObject({
  site: z.string(),
  baseVersion: z.string(),
  overrides: z.array(z.unknown()),
});

export const ruleSetSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/),
  /** `<id>-<year>.<n>`, plus `+<site>` once site overrides are applied. */
  version: z.string().regex(/^[a-z][a-z0-9-]*-[0-9]{4}\.[0-9]+(\+[a-z0-9][a-z0-9.-]*)?$/i),
  indication: z.enum(['MS', 'CLL']),
  title: z.string().min(1),
  source: z.string().min(1),
  notes: z.array(z.string()).default([]),
  site: siteOverrideRecordSchema.optional(),
  rules: z.array(ruleSchema).min(1),
});

export type TierSpec = z.infer<typeof tierSchema>;
export type WindowAdjustmentSpec = z.infer<typeof windowAdjustmentSchema>;
export type RuleSpec = z.infer<typeof ruleSchema>;
export type RuleSetSpec = z.infer<typeof ruleSetSchema>;
