import { UcumLhcUtils } from '@lhncbc/ucum-lhc';

let utils: UcumLhcUtils | undefined;

function ucum(): UcumLhcUtils {
  // Loaded on first use: the definitions table takes a few milliseconds to unpack.
  utils ??= UcumLhcUtils.getInstance();
  return utils;
}

/**
 * The factor that turns a value in UCUM unit `from` into UCUM unit `to` (value × factor), or null when UCUM
 * cannot convert them: not commensurable, arbitrary units (`[IU]`), mass ↔ molar (needs a molar mass), or
 * a string UCUM only accepts after guessing (ucum-lhc reads `IU` as `[IU]` with a message; we refuse that).
 * The factor is rounded to 12 significant digits (UCUM gives 0.0009999999999999998 for `/uL` → `10*9/L`).
 */
export function ucumFactor(from: string, to: string): number | null {
  const result = ucum().convertUnitTo(from, 1, to);
  if (result.status !== 'succeeded' || result.msg.length > 0 || result.toVal === null) return null;
  if (!Number.isFinite(result.toVal) || result.toVal <= 0) return null;
  return Number(result.toVal.toPrecision(12));
}

/** Whether a string is a valid UCUM expression exactly as written (no substitutions). */
export function isUcum(unit: string): boolean {
  const result = ucum().validateUnitString(unit);
  return result.status === 'valid' && result.msg.length === 0;
}
