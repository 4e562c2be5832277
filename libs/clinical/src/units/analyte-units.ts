import { type AnalyteId } from '../analytes/analyte-catalogue';

/** A unit a lab may report an analyte in, and how it becomes the analyte's canonical unit. */
export interface AcceptedUnit {
  /** UCUM code, exactly as the unit aliases produce it. */
  unit: string;
  /**
   * value(canonical) = value(unit) × factor. Given only where UCUM cannot convert: mass ↔ molar (needs the
   * molar mass), `[IU]` ↔ `U` (non-commensurable in UCUM, ×1 by convention) and other arbitrary units.
   * Without it, the factor comes from UCUM (ucum-lhc), e.g. `/uL` → `10*9/L` = 0.001.
   */
  factor?: number;
  /** D-dimer nmol/L (§4.2): the factor is defined for the FEU basis only. */
  feuOnly?: boolean;
}

export interface AnalyteUnits {
  accepted: readonly AcceptedUnit[];
  /** A dimensionless analyte whose results may come without a unit (INR). */
  unitOptional?: boolean;
}

const CELL_COUNT: AnalyteUnits = {
  // §4.1: 10*3/uL = 10*9/L = G/L = K/µL (×1); /uL and /mm3 ÷ 1000.
  accepted: [
    { unit: '10*9/L' },
    { unit: '10*3/uL' },
    { unit: '10*3/mm3' },
    { unit: '/uL' },
    { unit: '/mm3' },
  ],
};

/**
 * The units each quantitative analyte is accepted in (clinical rules §4.1 and §4.2). This is a list of
 * plausible reporting units, not of every commensurable UCUM unit: a unit a lab should never use for the
 * analyte (D-dimer in ng/dL, the seed case of DD-4) is held for review even though UCUM could convert it.
 */
export const ANALYTE_UNITS: Readonly<Partial<Record<AnalyteId, AnalyteUnits>>> = {
  platelets: CELL_COUNT,
  neutrophils: CELL_COUNT,
  lymphocytes: CELL_COUNT,
  wbc: CELL_COUNT,
  // §4.1: {cells}/uL = /uL = 10*6/L; 10*9/L × 1000 (CTCAE 200/mm³ = 0.2×10⁹/L).
  cd4: {
    accepted: [
      { unit: '/uL' },
      { unit: '/mm3' },
      { unit: '10*6/L' },
      { unit: '10*9/L' },
      { unit: '10*3/uL' },
    ],
  },
  'cd4-percent': { accepted: [{ unit: '%' }] },
  // §4.1: a differential in percent of leukocytes; the absolute count is derived from it with the WBC.
  'neutrophils-percent': { accepted: [{ unit: '%' }] },
  'lymphocytes-percent': { accepted: [{ unit: '%' }] },
  // §4.1: g/L ÷ 10; mmol/L ÷ 0.6206 (10.0 g/dL ≈ 6.2 mmol/L).
  haemoglobin: { accepted: [{ unit: 'g/dL' }, { unit: 'g/L' }, { unit: 'mmol/L', factor: 1 / 0.6206 }] },
  // §4.1: 1 mg/dL = 88.4 µmol/L.
  creatinine: { accepted: [{ unit: 'mg/dL' }, { unit: 'umol/L', factor: 1 / 88.4 }] },
  // §4.1: microscopy per high-power field and automated counts per µL are NOT interconvertible (URBC-1).
  'urine-rbc': { accepted: [{ unit: '/[HPF]' }] },
  'urine-rbc-automated': { accepted: [{ unit: '/uL' }, { unit: '/mm3' }] },
  // §4.1: mg/mmol × 8.84 (creatinine 113.12 g/mol; KDIGO's "× 0.113" the other way); g/g, mg/mg × 1000.
  upcr: {
    accepted: [{ unit: 'mg/g' }, { unit: 'mg/mmol', factor: 8.84 }, { unit: 'g/g' }, { unit: 'mg/mg' }],
  },
  // §4.1: u[IU]/mL × 1. mU/L and µU/mL are the same TSH numbers written with U for IU, as labs do.
  tsh: {
    accepted: [
      { unit: 'm[IU]/L' },
      { unit: 'u[IU]/mL', factor: 1 },
      { unit: 'mU/L', factor: 1 },
      { unit: 'uU/mL', factor: 1 },
    ],
  },
  // §4.1: pmol/L ÷ 12.87.
  ft4: { accepted: [{ unit: 'ng/dL' }, { unit: 'pmol/L', factor: 1 / 12.87 }] },
  ft3: { accepted: [{ unit: 'pg/mL' }, { unit: 'ng/L' }] },
  trab: { accepted: [{ unit: '[IU]/L' }, { unit: 'm[IU]/mL', factor: 1 }] },
  'tpo-ab': { accepted: [{ unit: '[IU]/mL' }, { unit: 'k[IU]/L', factor: 1 }] },
  // §4.1: [IU]/L × 1 by convention (UCUM will not); ukat/L × 60 (UCUM).
  alt: { accepted: [{ unit: 'U/L' }, { unit: '[IU]/L', factor: 1 }, { unit: 'ukat/L' }] },
  ast: { accepted: [{ unit: 'U/L' }, { unit: '[IU]/L', factor: 1 }, { unit: 'ukat/L' }] },
  alp: { accepted: [{ unit: 'U/L' }, { unit: '[IU]/L', factor: 1 }, { unit: 'ukat/L' }] },
  // §4.1: µmol/L ÷ 17.1.
  bilirubin: { accepted: [{ unit: 'mg/dL' }, { unit: 'umol/L', factor: 1 / 17.1 }] },
  // §4.1: ng/mL × 1; pmol/L ÷ 2.247.
  ferritin: { accepted: [{ unit: 'ug/L' }, { unit: 'ng/mL' }, { unit: 'pmol/L', factor: 1 / 2.247 }] },
  // §4.1: mmol/L × 88.5 (3.0 mmol/L ≈ 265 mg/dL, HLH-2004).
  triglycerides: { accepted: [{ unit: 'mg/dL' }, { unit: 'mmol/L', factor: 88.5 }] },
  // §4.1: mg/dL ÷ 100.
  fibrinogen: { accepted: [{ unit: 'g/L' }, { unit: 'mg/dL' }] },
  scd25: { accepted: [{ unit: 'U/mL' }] },
  aptt: { accepted: [{ unit: 's' }] },
  pt: { accepted: [{ unit: 's' }] },
  inr: { accepted: [{ unit: '{INR}' }, { unit: '1', factor: 1 }], unitOptional: true },
  // §4.1: [IU]/dL × 1; [IU]/mL × 100.
  'factor-viii': {
    accepted: [{ unit: '%' }, { unit: '[IU]/dL', factor: 1 }, { unit: '[IU]/mL', factor: 100 }],
  },
  'factor-viii-inhibitor': { accepted: [{ unit: "[arb'U]/mL" }, { unit: "[beth'U]/mL", factor: 1 }] },
  // §4.2 / DD-4: only ng/mL, µg/mL, mg/L, µg/L (+ nmol/L, flagged: µg/mL FEU × 5.476 = nmol/L).
  'd-dimer': {
    accepted: [
      { unit: 'mg/L' },
      { unit: 'ug/mL' },
      { unit: 'ng/mL' },
      { unit: 'ug/L' },
      { unit: 'nmol/L', factor: 1 / 5.476, feuOnly: true },
    ],
  },
  // §4.1: ng/L × 1.
  'il-6': { accepted: [{ unit: 'pg/mL' }, { unit: 'ng/L' }] },
};
