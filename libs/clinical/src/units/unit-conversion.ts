import { type Analyte } from '../analytes/analyte-catalogue';
import { ANALYTE_UNITS, type AcceptedUnit } from './analyte-units';
import { isUcum, ucumFactor } from './ucum';
import { ucumCodeForUnitText } from './unit-aliases';

export type UnitConversion =
  { ok: true; factor: number; unit: string; accepted: AcceptedUnit } | { ok: false; reason: string };

// Conversions are looked up per (analyte, unit text); the set of unit strings labs send is small, but a
// garbage feed must not grow the cache without bound.
const cache = new Map<string, UnitConversion>();
const CACHE_LIMIT = 2000;

/**
 * How a value reported in `unitText` becomes a value in the analyte's canonical unit (§4.1): the unit text
 * is read through the alias table into a UCUM code, which must be one of the analyte's accepted units
 * ({@link ANALYTE_UNITS}); the factor is the table's explicit one (mass ↔ molar, `[IU]` ↔ `U`) or UCUM's.
 *
 * Anything else is refused with a reason, never guessed: a unit that is not UCUM and has no alias, a UCUM
 * unit of another dimension, and a commensurable unit that is not a plausible reporting unit for the analyte
 * (D-dimer ng/dL: the 100-fold error of rule DD-4).
 */
export function unitConversion(analyte: Analyte, unitText: string): UnitConversion {
  const key = `${analyte.id}\u0000${unitText}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const result = computeConversion(analyte, unitText);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, result);
  return result;
}

function computeConversion(analyte: Analyte, unitText: string): UnitConversion {
  const canonical = analyte.canonicalUnit;
  const spec = ANALYTE_UNITS[analyte.id];
  if (canonical === null || !spec) return { ok: false, reason: `${analyte.name} has no unit table` };
  const code = ucumCodeForUnitText(unitText);
  const accepted = spec.accepted.find((a) => a.unit === code);
  const shown = JSON.stringify(unitText);
  if (accepted) {
    const factor = accepted.factor ?? (code === canonical ? 1 : ucumFactor(code, canonical));
    if (factor === null) return { ok: false, reason: `no conversion from ${code} to ${canonical}` };
    return { ok: true, factor, unit: code, accepted };
  }
  const list = spec.accepted.map((a) => a.unit).join(', ');
  if (!isUcum(code)) {
    return { ok: false, reason: `unit ${shown} is not recognised for ${analyte.name} (accepted: ${list})` };
  }
  if (ucumFactor(code, canonical) === null) {
    return { ok: false, reason: `unit ${shown} cannot be converted to ${canonical} for ${analyte.name}` };
  }
  return {
    ok: false,
    reason: `unit ${shown} is not a plausible unit for ${analyte.name}; not converted (accepted: ${list})`,
  };
}
