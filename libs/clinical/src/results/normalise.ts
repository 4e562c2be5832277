import { analyteByLoinc, type Analyte, type DDimerBasis } from '../analytes/analyte-catalogue';
import { ANALYTE_UNITS } from '../units/analyte-units';
import { dDimerBasisOfLoinc, splitDDimerBasis } from '../units/d-dimer-basis';
import { dipstickGrade } from '../units/dipstick-ordinal';
import { unitConversion } from '../units/unit-conversion';
import { analyteOfMapping, type CodeMapping, type CodeMappingTable } from './code-mapping';
import { convertRange, roundCanonical } from './reference-range';
import {
  type Comparator,
  type NormalisedObservation,
  type ObservationInput,
  type QualityFlag,
} from './result';

export { parseRangeText, referenceRange } from './reference-range';

/** What the normaliser needs to know beyond the observation itself. */
export interface NormalisationContext {
  /** The sender, as `senderKey(event.sender)` builds it; needed to look up local codes. */
  sender?: string;
  /**
   * Every form the sender may be registered under in the mapping table (`senderForms` in @alem/events: the
   * whole hierarchic designators, their namespace ids, their universal ids), most specific first; defaults to
   * `sender` alone.
   */
  senderForms?: readonly string[];
  /** Per-sender local code → LOINC mappings (see `createCodeMappingTable`). */
  mappings?: CodeMappingTable;
}

const LOINC_SYSTEMS = new Set(['LN', 'LOINC', 'http://loinc.org']);
const NUMERIC_TEXT = /^(<=|>=|<|>|≤|≥)?\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))$/;
const RANGE_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s*(?:-|–|to)\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/i;

/**
 * Maps an observation to its analyte and converts its value and reference range to the analyte's canonical
 * unit (clinical rules §4). Pure; never throws.
 *
 * Code: a row of the sender's mapping table wins (so a lab's misused code can be corrected); otherwise a
 * LOINC code is looked up in the catalogue. A local code without a mapping is `unmapped`; a LOINC code the
 * rules do not use is `not-watched`.
 *
 * Quantitative analytes: the unit must be one the analyte accepts (`ANALYTE_UNITS`); the value and the lab's
 * range are multiplied by the same factor. A missing value, a missing unit (unless the mapping supplies one
 * or the analyte is dimensionless), an unknown unit or an implausible one gives `held` with a reason: it is
 * kept and never graded. A text value that is a plain number (`"5.2"`, `"<5"`) is read and flagged; a range
 * result (`"3-5"`) is held, since no single number represents it safely for every rule. The comparator is
 * kept. Without a lab range the catalogue's fallback range is used (§5).
 *
 * D-dimer (§4.2, DD-4): the basis comes from the LOINC code or the unit text (`ug/mL FEU`, `mg/L{FEU}`) and
 * is never converted; a conflict between them is held. Accepted units are ng/mL, µg/mL, mg/L, µg/L and
 * nmol/L (FEU only, flagged); anything else (ng/dL: the seed case) is held. Without any basis the result
 * stays `ok` with `basis: null` and the flag `d-dimer-basis-unknown`, for the DDU cut-off; the FEU fallback
 * range is then not applied.
 *
 * Dipsticks: the grade goes to `ordinal` (negative 0, trace 0.5, 1+ … 4+); anything else is held.
 *
 * Findings (urine casts, dysmorphic red cells): a count is kept unconverted, text as sent; the rules read them.
 *
 * `reportedUnit` keeps the UCUM code the value was reported in, so that a threshold written in that unit system
 * too is judged in it (clinical rules §2: 26.5 µmol/L beside 0.3 mg/dL).
 */
export function normaliseObservation(
  input: ObservationInput,
  context: NormalisationContext = {},
): NormalisedObservation {
  const flags: QualityFlag[] = [];
  const mapping = findMapping(input, context);
  const isLoinc = LOINC_SYSTEMS.has(input.system);
  const analyte = mapping ? analyteOfMapping(mapping) : isLoinc ? analyteByLoinc(input.code) : undefined;
  const base: NormalisedObservation = {
    analyte: analyte?.id ?? null,
    loinc: mapping ? mapping.loinc : isLoinc ? input.code : null,
    value: null,
    unit: analyte?.canonicalUnit ?? null,
    comparator: input.comparator,
    ordinal: null,
    text: typeof input.value === 'string' ? input.value : null,
    range: { low: null, high: null, source: 'none' },
    basis: null,
    quality: 'ok',
    qualityReason: null,
    qualityFlags: flags,
  };
  if (!mapping && !isLoinc) {
    const from = context.sender ? ` from ${context.sender}` : '';
    return {
      ...base,
      quality: 'unmapped',
      qualityReason: `no LOINC mapping for ${input.system} code ${input.code}${from}`,
    };
  }
  if (!analyte) return { ...base, quality: 'not-watched' };
  const held = (reason: string): NormalisedObservation => ({
    ...base,
    quality: 'held',
    qualityReason: reason,
  });

  if (analyte.scale === 'ordinal') {
    const grade = input.value === 0 ? 0 : typeof input.value === 'string' ? dipstickGrade(input.value) : null;
    if (grade === null) {
      return held(
        input.value === null
          ? `no result for ${analyte.name}`
          : `${analyte.name} result ${JSON.stringify(String(input.value))} is not a known dipstick grade`,
      );
    }
    return { ...base, ordinal: grade };
  }
  if (analyte.scale === 'nominal') return base;
  if (analyte.scale === 'finding') {
    // Seen or not (urine casts, dysmorphic red cells): a count is kept as it was sent, never converted (its field
    // or percentage only says how many; any count above 0 is a finding), text is read by the rules.
    if (input.value === null) return held(`no result for ${analyte.name}`);
    const { range } = convertRange(analyte, input.referenceRange, 1, false);
    return { ...base, value: typeof input.value === 'number' ? input.value : null, range };
  }
  return normaliseQuantity(input, analyte, mapping, base, flags, held);
}

function findMapping(input: ObservationInput, context: NormalisationContext): CodeMapping | undefined {
  if (!context.mappings) return undefined;
  for (const sender of context.senderForms ?? (context.sender ? [context.sender] : [])) {
    const mapping = context.mappings.find(sender, input.system, input.code);
    if (mapping) return mapping;
  }
  return undefined;
}

function normaliseQuantity(
  input: ObservationInput,
  analyte: Analyte,
  mapping: CodeMapping | undefined,
  base: NormalisedObservation,
  flags: QualityFlag[],
  held: (reason: string) => NormalisedObservation,
): NormalisedObservation {
  const number = readNumber(input);
  if (!number.ok) return held(number.reason);
  if (number.fromText) flags.push('value-from-text');

  let unitText = input.unit?.trim() ?? '';
  if (unitText === '' && mapping?.unit) {
    unitText = mapping.unit;
    flags.push('unit-from-mapping');
  }
  if (unitText === '' && ANALYTE_UNITS[analyte.id]?.unitOptional && analyte.canonicalUnit) {
    unitText = analyte.canonicalUnit;
  }
  if (unitText === '') return held(`no unit sent for ${analyte.name}; not graded`);

  let basis: DDimerBasis | null = null;
  if (analyte.id === 'd-dimer') {
    const fromUnit = splitDDimerBasis(unitText);
    const fromLoinc = dDimerBasisOfLoinc(base.loinc);
    if (fromUnit.basis === 'conflict')
      return held(`D-dimer unit ${JSON.stringify(unitText)} names both FEU and DDU (DD-4)`);
    if (fromUnit.basis && fromLoinc && fromUnit.basis !== fromLoinc) {
      return held(`D-dimer unit says ${fromUnit.basis} but LOINC ${base.loinc} is ${fromLoinc} (DD-4)`);
    }
    basis = fromLoinc ?? fromUnit.basis;
    unitText = fromUnit.unit;
    if (unitText === '')
      return held(`D-dimer unit ${JSON.stringify(input.unit ?? '')} has no mass unit (DD-4)`);
  }

  const conversion = unitConversion(analyte, unitText);
  if (!conversion.ok)
    return held(analyte.id === 'd-dimer' ? `${conversion.reason} (DD-4)` : conversion.reason);
  if (conversion.accepted.feuOnly) {
    if (basis !== 'FEU')
      return held(`D-dimer in ${conversion.unit} converts only on the FEU basis (§4.2, DD-4)`);
    flags.push('d-dimer-molar-unit');
  }
  if (analyte.id === 'd-dimer' && basis === null) flags.push('d-dimer-basis-unknown');

  // The §5 D-dimer fallback (≤0.5 mg/L) is an FEU cut-off: never lend it to a DDU or unknown-basis result.
  const fallback = analyte.id !== 'd-dimer' || basis === 'FEU';
  const { range, unreadable } = convertRange(analyte, input.referenceRange, conversion.factor, fallback);
  if (unreadable) flags.push('reference-range-unreadable');
  return {
    ...base,
    value: roundCanonical(number.value * conversion.factor),
    comparator: number.comparator,
    range,
    basis,
    reportedUnit: conversion.unit,
  };
}

function readNumber(
  input: ObservationInput,
):
  | { ok: true; value: number; comparator: Comparator | null; fromText: boolean }
  | { ok: false; reason: string } {
  if (typeof input.value === 'number') {
    return Number.isFinite(input.value)
      ? { ok: true, value: input.value, comparator: input.comparator, fromText: false }
      : { ok: false, reason: 'value is not a finite number' };
  }
  if (input.value === null) return { ok: false, reason: 'no numeric value' };
  const text = input.value.trim();
  const numeric = NUMERIC_TEXT.exec(text);
  if (numeric) {
    const sign = numeric[1];
    const comparator: Comparator | null =
      sign === undefined
        ? input.comparator
        : sign === '≤'
          ? '<='
          : sign === '≥'
            ? '>='
            : (sign as Comparator);
    return { ok: true, value: Number(numeric[2]), comparator, fromText: true };
  }
  if (RANGE_TEXT.test(text)) {
    return { ok: false, reason: `range result ${JSON.stringify(text)} cannot be graded as one number` };
  }
  return { ok: false, reason: 'no numeric value' };
}
