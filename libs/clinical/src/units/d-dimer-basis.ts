import { D_DIMER_BASIS_BY_LOINC, type DDimerBasis } from '../analytes/analyte-catalogue';

/**
 * Splits the D-dimer basis off a lab's unit text (§4.2): `ug/mL FEU`, `mg/L{FEU}`, `ng/mL (DDU)`,
 * `ng/mL DDU` → the mass unit and the basis. UCUM ignores `{FEU}` annotations in conversion, so the basis
 * must be taken out before the unit is read. Text naming both bases yields `conflict`.
 */
export function splitDDimerBasis(unitText: string): { unit: string; basis: DDimerBasis | null | 'conflict' } {
  const found = new Set<DDimerBasis>();
  const unit = unitText
    .replace(/[{(\s]*\b(FEU|DDU)\b[})]?/gi, (_match, basis: string) => {
      found.add(basis.toUpperCase() as DDimerBasis);
      return '';
    })
    .trim();
  if (found.size > 1) return { unit, basis: 'conflict' };
  return { unit, basis: found.size === 1 ? [...found][0] : null };
}

/** The basis the LOINC code implies (FEU: 48065-7, 48067-3, 71427-9; DDU: 48066-5, 48058-2, 91556-1). */
export function dDimerBasisOfLoinc(loinc: string | null): DDimerBasis | null {
  return loinc === null ? null : (D_DIMER_BASIS_BY_LOINC[loinc] ?? null);
}
