/**
 * The analytes the alemtuzumab rules and the monitoring schedule speak about, with their LOINC codes and
 * canonical units (`docs/clinical-rules.md` §2 and §4). Every comparison in the system happens in the
 * canonical unit given here.
 *
 * LOINC codes marked "corroborated" in §6.3 of the clinical rules are not yet checked against the official
 * LOINC release; they are listed so that results carrying them are recognised.
 */

export type AnalyteId =
  | 'platelets'
  | 'neutrophils'
  | 'neutrophils-percent'
  | 'lymphocytes'
  | 'lymphocytes-percent'
  | 'wbc'
  | 'haemoglobin'
  | 'cd4'
  | 'cd4-percent'
  | 'creatinine'
  | 'urine-rbc'
  | 'urine-rbc-automated'
  | 'urine-blood-dipstick'
  | 'urine-protein-dipstick'
  | 'urine-rbc-casts'
  | 'urine-dysmorphic-rbc'
  | 'urine-sediment-finding'
  | 'upcr'
  | 'tsh'
  | 'ft4'
  | 'ft3'
  | 'trab'
  | 'tpo-ab'
  | 'alt'
  | 'ast'
  | 'alp'
  | 'bilirubin'
  | 'ferritin'
  | 'triglycerides'
  | 'fibrinogen'
  | 'scd25'
  | 'aptt'
  | 'pt'
  | 'inr'
  | 'factor-viii'
  | 'factor-viii-inhibitor'
  | 'd-dimer'
  | 'il-6'
  | 'hiv-screen';

/**
 * How a result of the analyte is expressed. `finding`: something seen or not (urine casts, dysmorphic red cells),
 * reported as a count (any count above 0 is "seen", whatever its unit: never converted), a presence word, a coded
 * value or free text; see `units/urine-sediment.ts`.
 */
export type AnalyteScale = 'quantitative' | 'ordinal' | 'nominal' | 'finding';

/** D-dimer basis: fibrinogen-equivalent units or D-dimer units (clinical rules §4.2). */
export type DDimerBasis = 'FEU' | 'DDU';

export interface ReferenceLimits {
  low: number | null;
  high: number | null;
}

export interface Analyte {
  id: AnalyteId;
  name: string;
  /** LOINC codes that identify this analyte. The first is the preferred code. */
  loinc: readonly string[];
  scale: AnalyteScale;
  /** UCUM code of the canonical unit; null for ordinal and nominal analytes. */
  canonicalUnit: string | null;
  /**
   * Fallback reference limits in the canonical unit, used only when the lab sends no range
   * (clinical rules §5: example values, marked as fallback on every result that uses them).
   */
  fallbackRange?: ReferenceLimits;
}

export const ANALYTES: readonly Analyte[] = [
  {
    id: 'platelets',
    name: 'Platelets',
    loinc: ['777-3', '26515-7', '778-1', '49497-1'],
    scale: 'quantitative',
    canonicalUnit: '10*9/L',
    fallbackRange: { low: 150, high: 450 },
  },
  {
    id: 'neutrophils',
    name: 'Neutrophils (absolute)',
    loinc: ['751-8', '26499-4', '753-4'],
    scale: 'quantitative',
    canonicalUnit: '10*9/L',
  },
  // §4.1: "If only % neutrophils is given, compute ANC = WBC × %/100." The percentages are graded by no rule
  // themselves; the processor derives the absolute count from them and the WBC of the same specimen. All
  // neutrophils only: automated (770-8, in §6.3's verified list), manual (23761-0), unspecified (26511-6).
  // Segmented-only and band-only percentages (769-0, 764-1 …) are not the ANC on their own and are not listed.
  {
    id: 'neutrophils-percent',
    name: 'Neutrophils (% of leukocytes)',
    loinc: ['770-8', '23761-0', '26511-6'],
    scale: 'quantitative',
    canonicalUnit: '%',
  },
  {
    id: 'lymphocytes',
    name: 'Lymphocytes (absolute)',
    loinc: ['731-0', '26474-7', '732-8'],
    scale: 'quantitative',
    canonicalUnit: '10*9/L',
    fallbackRange: { low: 1.0, high: 4.8 },
  },
  {
    id: 'lymphocytes-percent',
    name: 'Lymphocytes (% of leukocytes)',
    loinc: ['736-9', '737-7', '26478-8'],
    scale: 'quantitative',
    canonicalUnit: '%',
  },
  {
    id: 'wbc',
    name: 'Leukocytes',
    loinc: ['6690-2', '26464-8', '804-5'],
    scale: 'quantitative',
    canonicalUnit: '10*9/L',
  },
  { id: 'haemoglobin', name: 'Haemoglobin', loinc: ['718-7'], scale: 'quantitative', canonicalUnit: 'g/dL' },
  {
    id: 'cd4',
    name: 'CD4+ T cells (absolute)',
    loinc: ['24467-3'],
    scale: 'quantitative',
    canonicalUnit: '/uL',
  },
  {
    id: 'cd4-percent',
    name: 'CD4+ T cells (percent)',
    loinc: ['8123-2'],
    scale: 'quantitative',
    canonicalUnit: '%',
  },
  {
    id: 'creatinine',
    name: 'Creatinine (serum)',
    loinc: ['2160-0', '14682-9', '77140-2'],
    scale: 'quantitative',
    canonicalUnit: 'mg/dL',
  },
  {
    id: 'urine-rbc',
    name: 'Urine red cells (microscopy)',
    loinc: ['13945-1'],
    scale: 'quantitative',
    canonicalUnit: '/[HPF]',
  },
  // Automated urine RBC counts are not interconvertible with microscopy (§4.1): a separate analyte whose codes
  // come from the per-sender mapping table.
  {
    id: 'urine-rbc-automated',
    name: 'Urine red cells (automated count)',
    loinc: [],
    scale: 'quantitative',
    canonicalUnit: '/uL',
  },
  {
    id: 'urine-blood-dipstick',
    name: 'Urine blood (dipstick)',
    loinc: ['5794-3'],
    scale: 'ordinal',
    canonicalUnit: null,
  },
  {
    id: 'urine-protein-dipstick',
    name: 'Urine protein (dipstick)',
    loinc: ['5804-0'],
    scale: 'ordinal',
    canonicalUnit: null,
  },
  // RENAL-1's second arm (§2): "RBC casts or dysmorphic RBCs at any time". Counts are findings, never converted:
  // any red cell cast counted is a cast seen. Codes checked against LOINC tables (check digits too): RBC casts
  // per LPF 5807-3 and per HPF 51790-4 (light microscopy), presence 33804-6 (light microscopy) and 53278-8
  // (computer assisted), per volume 107173-7 (computer assisted).
  {
    id: 'urine-rbc-casts',
    name: 'Urine red cell casts',
    loinc: ['5807-3', '51790-4', '33804-6', '53278-8', '107173-7'],
    scale: 'finding',
    canonicalUnit: null,
  },
  // Dysmorphic red cells have LOINC codes only for analysers: 99598-5 (dysmorphic/all erythrocytes, automated, %)
  // and 99864-1 (per volume, computer assisted). Such a number is a finding when it is above the analyser's ULN,
  // or above 0 when none was sent; light microscopy reports them as text under the sediment codes below, or under
  // a local code a site maps here.
  {
    id: 'urine-dysmorphic-rbc',
    name: 'Urine dysmorphic red cells',
    loinc: ['99598-5', '99864-1'],
    scale: 'finding',
    canonicalUnit: null,
  },
  // Observations whose value NAMES what the microscopist saw: 12235-8 "Microscopic observation [Identifier] in
  // Urine sediment by Light microscopy" (a coded or listed finding) and 11279-7 "Urine sediment comments by Light
  // microscopy Narrative". Read for a mention of red cell casts or dysmorphic red cells, negations ("no RBC casts
  // seen") read as absent. LOINC has no "casts [type]" code; a site maps its local one here.
  {
    id: 'urine-sediment-finding',
    name: 'Urine sediment finding',
    loinc: ['12235-8', '11279-7'],
    scale: 'finding',
    canonicalUnit: null,
  },
  {
    id: 'upcr',
    name: 'Urine protein/creatinine ratio',
    loinc: ['2890-2'],
    scale: 'quantitative',
    canonicalUnit: 'mg/g',
  },
  { id: 'tsh', name: 'TSH', loinc: ['3016-3'], scale: 'quantitative', canonicalUnit: 'm[IU]/L' },
  { id: 'ft4', name: 'Free T4', loinc: ['3024-7'], scale: 'quantitative', canonicalUnit: 'ng/dL' },
  { id: 'ft3', name: 'Free T3', loinc: ['3051-0'], scale: 'quantitative', canonicalUnit: 'pg/mL' },
  {
    id: 'trab',
    name: 'TSH receptor antibodies',
    loinc: ['5385-0'],
    scale: 'quantitative',
    canonicalUnit: '[IU]/L',
  },
  {
    id: 'tpo-ab',
    name: 'Thyroid peroxidase antibodies',
    loinc: ['8099-4'],
    scale: 'quantitative',
    canonicalUnit: '[IU]/mL',
  },
  {
    id: 'alt',
    name: 'ALT',
    loinc: ['1742-6', '1743-4', '1744-2'],
    scale: 'quantitative',
    canonicalUnit: 'U/L',
  },
  {
    id: 'ast',
    name: 'AST',
    loinc: ['1920-8', '30239-8', '88112-8'],
    scale: 'quantitative',
    canonicalUnit: 'U/L',
  },
  // ALP is named by LFT-2 ("ALP not markedly raised"); its code is not among those checked in §6.3.
  { id: 'alp', name: 'Alkaline phosphatase', loinc: ['6768-6'], scale: 'quantitative', canonicalUnit: 'U/L' },
  {
    id: 'bilirubin',
    name: 'Total bilirubin',
    loinc: ['1975-2'],
    scale: 'quantitative',
    canonicalUnit: 'mg/dL',
  },
  { id: 'ferritin', name: 'Ferritin', loinc: ['2276-4'], scale: 'quantitative', canonicalUnit: 'ug/L' },
  {
    id: 'triglycerides',
    name: 'Triglycerides',
    loinc: ['2571-8'],
    scale: 'quantitative',
    canonicalUnit: 'mg/dL',
  },
  { id: 'fibrinogen', name: 'Fibrinogen', loinc: ['3255-7'], scale: 'quantitative', canonicalUnit: 'g/L' },
  // sCD25 has no LOINC code in the clinical rules; sites map their local code to it.
  {
    id: 'scd25',
    name: 'Soluble IL-2 receptor (sCD25)',
    loinc: [],
    scale: 'quantitative',
    canonicalUnit: 'U/mL',
  },
  {
    id: 'aptt',
    name: 'aPTT',
    loinc: ['3173-2', '14979-9'],
    scale: 'quantitative',
    canonicalUnit: 's',
    fallbackRange: { low: 25, high: 35 },
  },
  { id: 'pt', name: 'Prothrombin time', loinc: ['5902-2'], scale: 'quantitative', canonicalUnit: 's' },
  { id: 'inr', name: 'INR', loinc: ['6301-6'], scale: 'quantitative', canonicalUnit: '{INR}' },
  {
    id: 'factor-viii',
    name: 'Factor VIII activity',
    loinc: ['3209-4'],
    scale: 'quantitative',
    canonicalUnit: '%',
    fallbackRange: { low: 50, high: 150 },
  },
  {
    id: 'factor-viii-inhibitor',
    name: 'Factor VIII inhibitor (Bethesda)',
    loinc: ['3204-5'],
    scale: 'quantitative',
    canonicalUnit: "[arb'U]/mL",
  },
  {
    id: 'd-dimer',
    name: 'D-dimer',
    loinc: ['48065-7', '48067-3', '71427-9', '48066-5', '48058-2', '91556-1', '7799-0', '3246-6'],
    scale: 'quantitative',
    canonicalUnit: 'mg/L',
    // ≤0.5 mg/L FEU (§5); DDU results are graded against their own cut-off, see D_DIMER_BASIS_BY_LOINC.
    fallbackRange: { low: null, high: 0.5 },
  },
  { id: 'il-6', name: 'Interleukin-6', loinc: ['26881-3'], scale: 'quantitative', canonicalUnit: 'pg/mL' },
  // HIV screening is a site code (clinical rules HIV-1); mapped per sender.
  { id: 'hiv-screen', name: 'HIV screening', loinc: [], scale: 'nominal', canonicalUnit: null },
];

/** D-dimer basis implied by the LOINC code (§4.2); codes not listed here carry no basis. */
export const D_DIMER_BASIS_BY_LOINC: Readonly<Record<string, DDimerBasis>> = {
  '48065-7': 'FEU',
  '48067-3': 'FEU',
  '71427-9': 'FEU',
  '48066-5': 'DDU',
  '48058-2': 'DDU',
  '91556-1': 'DDU',
};

const byId = new Map<AnalyteId, Analyte>(ANALYTES.map((a) => [a.id, a]));
const byLoinc = new Map<string, Analyte>();
for (const analyte of ANALYTES) for (const code of analyte.loinc) byLoinc.set(code, analyte);

export function analyteById(id: AnalyteId): Analyte {
  const analyte = byId.get(id);
  if (!analyte) throw new Error(`Unknown analyte ${id}`);
  return analyte;
}

/** The analyte a LOINC code identifies, or undefined when the code is not one the system watches. */
export function analyteByLoinc(loinc: string): Analyte | undefined {
  return byLoinc.get(loinc);
}
