/**
 * Explanation templates: `{name}` is replaced by a value the engine computed for the graded result, or by one
 * of the rule's thresholds. Unknown names are rejected when the rule set loads.
 */
export const TEMPLATE_PLACEHOLDERS: readonly string[] = [
  /** analyte name, e.g. "Platelets" */
  'analyte',
  /** the value as reported (comparator kept: "<0.01"), or its text */
  'value',
  /** display unit, e.g. "×10⁹/L" */
  'unit',
  'lln',
  'uln',
  /** value ÷ ULN, one decimal */
  'xUln',
  'baseline',
  /** value − baseline, signed */
  'baselineDelta',
  /** value ÷ baseline */
  'baselineRatio',
  'previous',
  /** % change from the previous value, signed */
  'change',
  /** D-dimer cut-off used, with its basis */
  'cutoff',
  'basis',
  /** the other results a composite used */
  'supporting',
  /** the clinical window the rule applied in */
  'window',
  /** days since the last infusion */
  'days',
  'qualityReason',
  /** DQ-1: what could not be graded */
  'blocked',
  /** observed day in the site zone */
  'observed',
  /** the number of the course in effect on the result's day */
  'course',
  /** DQ-2: what baseline-relative rules judge against while there is no baseline */
  'baselineReference',
];

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

export function templatePlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

/** Fills a template; a value the engine could not compute reads "n/a" rather than leaving a brace behind. */
export function renderTemplate(template: string, values: Readonly<Record<string, string | null>>): string {
  return template.replace(PLACEHOLDER, (_, name: string) => values[name] ?? 'n/a');
}

/** Numbers for people: at most six significant digits, no float noise (0.30000000000000004 → "0.3"). */
export function formatNumber(value: number): string {
  return String(Number(value.toPrecision(6)));
}

const DISPLAY_UNITS: Readonly<Record<string, string>> = {
  '10*9/L': '×10⁹/L',
  'm[IU]/L': 'mIU/L',
  'ug/L': 'µg/L',
  '/[HPF]': '/HPF',
  '/uL': '/µL',
  "[arb'U]/mL": 'BU/mL',
  '[IU]/L': 'IU/L',
  '[IU]/mL': 'IU/mL',
  '{INR}': '',
};

/** A UCUM unit as a clinician writes it. */
export function displayUnit(unit: string | null): string {
  if (unit === null) return '';
  return DISPLAY_UNITS[unit] ?? unit;
}
