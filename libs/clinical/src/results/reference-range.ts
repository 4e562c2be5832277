import { type Analyte } from '../analytes/analyte-catalogue';
import { type ReferenceRange } from './result';

const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)`;
const BETWEEN = new RegExp(String.raw`^(${NUMBER})\s*(?:-|–|to)\s*(${NUMBER})$`, 'i');
const BOUND = new RegExp(String.raw`^(<=|>=|<|>|≤|≥)\s*(${NUMBER})$`);

/**
 * Parses an OBX-7 style range as the lab wrote it: `150-400`, `0.5 - 1.2`, `3.5 to 5.0`, `<5`, `<=5`, `≤5`,
 * `>60` (optionally in parentheses). Returns null for anything else (text such as `NEG`, ranges with units
 * or sex-specific ranges), and for a range whose low end is above its high end.
 */
export function parseRangeText(text: string | null): { low: number | null; high: number | null } | null {
  if (!text) return null;
  const t = text
    .trim()
    .replace(/^\((.*)\)$/, '$1')
    .trim();
  const between = BETWEEN.exec(t);
  if (between) {
    const low = Number(between[1]);
    const high = Number(between[2]);
    return low <= high ? { low, high } : null;
  }
  const bound = BOUND.exec(t);
  if (bound) {
    const v = Number(bound[2]);
    return bound[1].startsWith('<') || bound[1] === '≤' ? { low: null, high: v } : { low: v, high: null };
  }
  return null;
}

/**
 * The reference range in the canonical unit: the lab's range converted with the same factor as the value,
 * else (§5, only when the lab sent none) the catalogue's fallback marked `source: 'fallback'`.
 * `unreadable` tells that the lab did send a range, but not one that could be read; the fallback is then
 * used too, and the caller flags it.
 */
export function convertRange(
  analyte: Analyte,
  text: string | null,
  factor: number,
  fallback: boolean = true,
): { range: ReferenceRange; unreadable: boolean } {
  const parsed = parseRangeText(text);
  if (parsed) {
    return {
      range: {
        low: parsed.low === null ? null : roundCanonical(parsed.low * factor),
        high: parsed.high === null ? null : roundCanonical(parsed.high * factor),
        source: 'lab',
      },
      unreadable: false,
    };
  }
  const unreadable = text !== null && text.trim() !== '';
  if (fallback && analyte.fallbackRange)
    return { range: { ...analyte.fallbackRange, source: 'fallback' }, unreadable };
  return { range: { low: null, high: null, source: 'none' }, unreadable };
}

/** Parses an OBX-7 range into canonical units, or falls back to the catalogue range (§5). */
export function referenceRange(analyte: Analyte, text: string | null, factor: number): ReferenceRange {
  return convertRange(analyte, text, factor).range;
}

/** Removes floating-point noise from unit conversion (0.15 * 1000 = 150.00000000000003). */
export function roundCanonical(value: number): number {
  return Number(value.toPrecision(12));
}
