import { type AnalyteId, type DDimerBasis } from '../analytes/analyte-catalogue';

/** Result status, from HL7 OBX-11 (F, C, P, X, D) or the JSON event. */
export type ResultStatus = 'final' | 'corrected' | 'preliminary' | 'not-obtainable' | 'deleted';

export type Comparator = '<' | '<=' | '>' | '>=';

/** Where a result's reference range came from. */
export type RangeSource = 'lab' | 'fallback' | 'none';

export interface ReferenceRange {
  low: number | null;
  high: number | null;
  source: RangeSource;
}

/**
 * Whether a result can be graded:
 * - `ok`: normalised to the canonical unit (or ordinal/text that needs none);
 * - `held`: the unit is unknown or implausible for the analyte; kept, never graded, raises a data-quality alert;
 * - `unmapped`: a local code with no LOINC mapping for its sender; kept and flagged;
 * - `not-watched`: a code the alemtuzumab rules do not use; kept for the record only.
 */
export type ResultQuality = 'ok' | 'held' | 'unmapped' | 'not-watched';

/** One observation as the lab sent it, before normalisation. */
export interface ObservationInput {
  /** Observation code (OBX-3.1) and its coding system (OBX-3.3): `LN` for LOINC, otherwise a local system. */
  code: string;
  system: string;
  /** HL7 value type (OBX-2): NM, SN, ST, TX, CE, CWE. */
  valueType: string;
  /** A number for NM and SN, a string (code or text) otherwise; null when there is no value. */
  value: number | string | null;
  comparator: Comparator | null;
  /** OBX-6 unit as sent (UCUM or free text). */
  unit: string | null;
  /** OBX-7 reference range as sent ("150-400", "<5", ">60"). */
  referenceRange: string | null;
}

/**
 * Facts about a normalised result that the rule engine must see even when the quality is `ok`:
 * - `d-dimer-basis-unknown`: neither the LOINC code nor the unit names FEU or DDU (DD-4: grade against the DDU
 *   cut-off, conservatively, and flag it);
 * - `d-dimer-molar-unit`: converted from nmol/L (§4.2: accepted, but flagged);
 * - `unit-from-mapping`: the lab sent no unit; the per-sender code mapping supplied it;
 * - `value-from-text`: a number read from a text value (`"5.2"`, `"<5"`);
 * - `reference-range-unreadable`: the lab sent a range that could not be read; the fallback (if any) is used;
 * - `derived`: not sent by the lab but computed from results of the same specimen (an ANC from the WBC and the
 *   neutrophil percentage, clinical rules §4.1); `derivation` says how.
 */
export type QualityFlag =
  | 'derived'
  | 'd-dimer-basis-unknown'
  | 'd-dimer-molar-unit'
  | 'unit-from-mapping'
  | 'value-from-text'
  | 'reference-range-unreadable';

/** A result after code mapping and unit normalisation: everything in the analyte's canonical unit. */
export interface NormalisedObservation {
  analyte: AnalyteId | null;
  loinc: string | null;
  /** Value in the canonical unit (quantitative analytes). */
  value: number | null;
  unit: string | null;
  comparator: Comparator | null;
  /** Ordinal grade for dipsticks: negative 0, trace 0.5, 1+ 1, 2+ 2, 3+ 3, 4+ 4. */
  ordinal: number | null;
  text: string | null;
  range: ReferenceRange;
  basis: DDimerBasis | null;
  quality: ResultQuality;
  qualityReason: string | null;
  /** See {@link QualityFlag}; always set by `normaliseObservation` (empty when there is nothing to flag). */
  qualityFlags?: QualityFlag[];
  /**
   * The UCUM code of the unit the lab reported a quantitative value in (after the alias table), when the value
   * was converted from it. A threshold that clinical rules §2 writes in that unit system too is judged in it, at
   * the precision it was written in (26.5 µmol/L beside 0.3 mg/dL; rule `unitThresholds`).
   */
  reportedUnit?: string | null;
}

/** How a derived result was computed, for the explanation (clinical rules §4.1: ANC = WBC × %/100). */
export interface Derivation {
  /** One sentence: "ANC 0.3 ×10⁹/L, derived from WBC 1.5 ×10⁹/L and neutrophils 20 %". */
  text: string;
  /** The stored results it was computed from (same specimen). */
  fromResultIds: string[];
}

/** A stored, normalised result as the rule engine sees it. */
export interface PatientResult extends NormalisedObservation {
  resultId: string;
  patientId: string;
  status: ResultStatus;
  observedAt: Date;
  /** Set on a derived result (quality flag `derived`); null or absent for what the lab sent. */
  derivation?: Derivation | null;
  /**
   * A reviewer released this result from a data-quality hold (DD-4, an implausible jump): it is graded like any
   * other result and never held again.
   */
  released?: boolean;
}
