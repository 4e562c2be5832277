import { ANALYTE_UNITS } from './analyte-units';

/**
 * Unit strings labs send that are not UCUM, or are UCUM with another meaning, mapped to the UCUM code they
 * stand for. Matched case-sensitively first: `G/L` (giga per litre; UCUM would read Gauss) must not meet
 * `g/L` (grams per litre).
 */
const EXACT_ALIASES: Readonly<Record<string, string>> = {
  'G/L': '10*9/L',
};

/**
 * Matched after folding case, white space removed and `µ` written `u`. Every entry is one a lab plausibly
 * sends; none folds two meanings together (`m`/`M` prefixes of these units are never mega).
 */
const FOLDED_ALIASES: Readonly<Record<string, string>> = {
  // Thousands per microlitre (§4.1 "x10E3/uL", "K/uL").
  'k/ul': '10*3/uL',
  'k/mm3': '10*3/mm3',
  'thou/ul': '10*3/uL',
  'thou/mm3': '10*3/mm3',
  'x10e3/ul': '10*3/uL',
  '10e3/ul': '10*3/uL',
  'x10^3/ul': '10*3/uL',
  '10^3/ul': '10*3/uL',
  'x10*3/ul': '10*3/uL',
  '10^3/mm3': '10*3/mm3',
  'x10^3/mm3': '10*3/mm3',
  // 10⁹ per litre.
  '10^9/l': '10*9/L',
  'x10^9/l': '10*9/L',
  '10e9/l': '10*9/L',
  'x10e9/l': '10*9/L',
  'x10*9/l': '10*9/L',
  // Millions per microlitre (red cell counts: "mill/mm3").
  'mill/mm3': '10*6/uL',
  'mil/mm3': '10*6/uL',
  'mill/ul': '10*6/uL',
  'x10e6/ul': '10*6/uL',
  '10^6/ul': '10*6/uL',
  'x10^6/ul': '10*6/uL',
  '10^6/l': '10*6/L',
  // Cells per microlitre or cubic millimetre (§4.1: UCUM ignores {cells}).
  'cells/ul': '/uL',
  'cell/ul': '/uL',
  '{cells}/ul': '/uL',
  '#/ul': '/uL',
  'cells/mm3': '/mm3',
  'cells/cumm': '/mm3',
  '/cumm': '/mm3',
  '/cmm': '/mm3',
  // Per high-power field (microscopy).
  '/hpf': '/[HPF]',
  hpf: '/[HPF]',
  'rbc/hpf': '/[HPF]',
  'cells/hpf': '/[HPF]',
  '#/hpf': '/[HPF]',
  perhpf: '/[HPF]',
  '{rbc}/[hpf]': '/[HPF]',
  '{cells}/[hpf]': '/[HPF]',
  // Time.
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  // International and enzyme units written without UCUM brackets.
  'iu/l': '[IU]/L',
  'iu/ml': '[IU]/mL',
  'iu/dl': '[IU]/dL',
  'miu/l': 'm[IU]/L',
  'miu/ml': 'm[IU]/mL',
  'uiu/ml': 'u[IU]/mL',
  'kiu/l': 'k[IU]/L',
  'mu/l': 'mU/L',
  'uu/ml': 'uU/mL',
  // Bethesda units (factor VIII inhibitor).
  'bu/ml': "[beth'U]/mL",
  bu: "[beth'U]/mL",
  // Mass and molar concentrations in the case labs type them.
  'g/100ml': 'g/dL',
  'mg/100ml': 'mg/dL',
  // Ratios and percent.
  percent: '%',
  ratio: '1',
  inr: '{INR}',
};

function fold(text: string): string {
  return text.toLowerCase();
}

/**
 * The folded form of every accepted UCUM code (`MG/DL` → `mg/dL`), built from the analyte table so that new
 * units are found in every case without a new alias. A folded form shared by two codes is left out.
 */
const FOLDED_ACCEPTED: ReadonlyMap<string, string> = (() => {
  const byFold = new Map<string, Set<string>>();
  for (const spec of Object.values(ANALYTE_UNITS)) {
    for (const { unit } of spec?.accepted ?? []) {
      byFold.set(fold(unit), (byFold.get(fold(unit)) ?? new Set()).add(unit));
    }
  }
  const out = new Map<string, string>();
  for (const [key, codes] of byFold) if (codes.size === 1) out.set(key, [...codes][0]);
  return out;
})();

/** Tidies the text of a unit: trims, removes inner white space, reads `µ`/`μ`/`mc` as `u` and `×` as `x`. */
export function tidyUnitText(raw: string): string {
  return raw
    .trim()
    .replace(/\s+/g, '')
    .replace(/[\u00b5\u03bc]/g, 'u')
    .replace(/\u00d7/g, 'x')
    .replace(/mc(?=g|mol|kat|L|l\b)/g, 'u');
}

/**
 * The UCUM code a lab's unit text stands for: an exact alias, an accepted code, a case-folded alias or
 * accepted code, in that order; otherwise the tidied text itself (which may or may not be UCUM).
 */
export function ucumCodeForUnitText(raw: string): string {
  const text = tidyUnitText(raw);
  const exact = EXACT_ALIASES[text];
  if (exact) return exact;
  if (FOLDED_ACCEPTED.get(fold(text)) === text) return text;
  return FOLDED_ALIASES[fold(text)] ?? FOLDED_ACCEPTED.get(fold(text)) ?? text;
}
