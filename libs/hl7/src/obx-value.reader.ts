import { type Hl7Segment } from '@medplum/core';
import { type Hl7Document } from './hl7-document';
import { type LabResultEvent } from './hl7-parse.types';

export type EventValueType = LabResultEvent['valueType'];
export type EventComparator = NonNullable<LabResultEvent['comparator']>;

export type ValueRead =
  | {
      ok: true;
      valueType: EventValueType;
      value: number | string | null;
      comparator?: EventComparator;
      /** Set when the value had to be carried in another type than OBX-2 says. */
      note?: string;
    }
  | { ok: false; reason: string };

/** HL7 NM: optional sign, digits, optional decimal point. No exponent, no thousands separator. */
const HL7_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;
/** An NM written with a comparator, as labs do (`<7`, `>= 1000`): read as SN would be. */
const NM_WITH_COMPARATOR = /^(<=|>=|<|>)\s*([+-]?(?:\d+\.?\d*|\.\d+))$/;
const MAX_TEXT = 4000;

type NumberRead = { ok: true; value: number } | { ok: false; reason: string };

/**
 * An HL7 number, or why not. Digits beyond the range of a double (300 and more) are a number in HL7's grammar
 * but not one any result can be: refused rather than read as Infinity.
 */
function hl7Number(text: string, what: string): NumberRead {
  if (!HL7_NUMBER.test(text)) return { ok: false, reason: `${what} is not a number` };
  const value = Number(text);
  if (!Number.isFinite(value)) return { ok: false, reason: `${what} is beyond the range of a number` };
  return { ok: true, value };
}

/**
 * Reads OBX-5 according to OBX-2 into the event's value fields.
 *
 * - NM: one number, or the OBX is refused (a value that is not a number is never guessed at). A number with a
 *   comparator (`<7`, `>=1000`), which labs send in NM too, is read as SN `<^7` would be, with a note.
 * - SN: `<^50`, `>=^50`, `=^5`, `^5` give a number with its comparator. Ranges (`^10^-^20`), ratios
 *   (`^1^:^128`) and categories (`^2^+`) cannot be a number: they are carried as ST text (`10-20`, `1:128`,
 *   `2+`) with a note, so the value reaches the record intact and is never graded as a single number.
 * - ST, TX: the text; repetitions are lines joined with `\n`.
 * - CE, CWE: the text component (CE.2) when present, else the code (CE.1), else the alternate text or code,
 *   so a dipstick `1+^1+^L` or `260385009^Negative^SCT` reads as `1+` / `Negative`.
 *
 * An empty OBX-5 is a null value, allowed only with status not-obtainable or deleted; for those two, an
 * unreadable value (or value type) also becomes null, with a note, so that a deletion is never lost.
 */
export function readObxValue(
  document: Hl7Document,
  obx: Hl7Segment,
  status: LabResultEvent['status'],
): ValueRead {
  const read = readDeclaredValue(document, obx, status);
  if (read.ok || (status !== 'deleted' && status !== 'not-obtainable')) return read;
  // A deletion must still reach the record (it retracts the earlier value), and a not-obtainable result says
  // what it says without a value: keep them, with a null value, rather than drop them over a bad OBX-5.
  const declared = document.text(obx, 2, 1).toUpperCase();
  return {
    ok: true,
    valueType: isEventValueType(declared) ? declared : 'ST',
    value: null,
    note: `${read.reason}; value left null for a ${status} result`,
  };
}

function readDeclaredValue(
  document: Hl7Document,
  obx: Hl7Segment,
  status: LabResultEvent['status'],
): ValueRead {
  const declared = document.text(obx, 2, 1).toUpperCase();
  const repetitions = document.repetitions(obx, 5);
  let empty = true;
  for (let r = 1; r <= repetitions; r++) if (document.joined(obx, 5, r) !== '') empty = false;
  if (empty) {
    if (status !== 'not-obtainable' && status !== 'deleted') {
      return { ok: false, reason: 'OBX-5 has no value' };
    }
    // OBX-2 may be empty when there is no value; the event still needs a type.
    if (declared === '') return { ok: true, valueType: 'ST', value: null };
    if (!isEventValueType(declared)) return { ok: false, reason: `value type ${declared} is not supported` };
    return { ok: true, valueType: declared, value: null };
  }
  switch (declared) {
    case 'NM':
      return readNumeric(document, obx, repetitions);
    case 'SN':
      return readStructuredNumeric(document, obx, repetitions);
    case 'ST':
    case 'TX': {
      const lines: string[] = [];
      for (let r = 1; r <= repetitions; r++) lines.push(document.joined(obx, 5, r));
      return textValue(declared, lines.join('\n'));
    }
    case 'CE':
    case 'CWE': {
      if (repetitions > 1)
        return { ok: false, reason: `${declared} value repeats; one coded value expected` };
      const coded =
        document.text(obx, 5, 2) ||
        document.text(obx, 5, 1) ||
        document.text(obx, 5, 5) ||
        document.text(obx, 5, 4);
      if (coded === '') return { ok: false, reason: 'OBX-5 has no value' };
      return textValue(declared, coded);
    }
    case '':
      return { ok: false, reason: 'OBX-2 value type is missing' };
    default:
      return { ok: false, reason: `value type ${declared} is not supported` };
  }
}

function readNumeric(document: Hl7Document, obx: Hl7Segment, repetitions: number): ValueRead {
  if (repetitions > 1) return { ok: false, reason: 'NM value repeats; one number expected' };
  const whole = document.joined(obx, 5);
  const censored = NM_WITH_COMPARATOR.exec(whole);
  if (censored) {
    const number = hl7Number(censored[2]!, 'NM value');
    if (!number.ok) return number;
    return {
      ok: true,
      valueType: 'SN',
      value: number.value,
      comparator: censored[1] as EventComparator,
      note: `NM value ${censored[1]}${censored[2]} read as SN (a number with a comparator)`,
    };
  }
  const number = hl7Number(whole, 'NM value');
  if (!number.ok) return number;
  return { ok: true, valueType: 'NM', value: number.value };
}

function readStructuredNumeric(document: Hl7Document, obx: Hl7Segment, repetitions: number): ValueRead {
  if (repetitions > 1) return { ok: false, reason: 'SN value repeats; one value expected' };
  const comparator = document.text(obx, 5, 1);
  const first = document.text(obx, 5, 2);
  const separator = document.text(obx, 5, 3);
  const second = document.text(obx, 5, 4);
  const read1 = hl7Number(first, 'SN.2');
  if (!read1.ok) {
    return {
      ok: false,
      reason: HL7_NUMBER.test(first) ? `SN value: ${read1.reason}` : 'SN value has no number in SN.2',
    };
  }
  const n1 = read1.value;
  if (separator === '' && second === '') {
    if (comparator === '' || comparator === '=') return { ok: true, valueType: 'SN', value: n1 };
    if (comparator === '<' || comparator === '>' || comparator === '<=' || comparator === '>=') {
      return { ok: true, valueType: 'SN', value: n1, comparator };
    }
    return { ok: false, reason: `SN comparator ${comparator} cannot be represented` };
  }
  if (comparator !== '' && comparator !== '=') {
    return { ok: false, reason: 'SN value has both a comparator and a separator' };
  }
  if (separator === '+' && second === '') {
    return { ok: true, valueType: 'ST', value: `${first}+`, note: 'SN category carried as ST text' };
  }
  const read2 = hl7Number(second, 'SN.4');
  if (!read2.ok) {
    return {
      ok: false,
      reason: HL7_NUMBER.test(second)
        ? `SN value: ${read2.reason}`
        : 'SN value has a separator but no number in SN.4',
    };
  }
  if (separator === '-') {
    return { ok: true, valueType: 'ST', value: `${first}-${second}`, note: 'SN range carried as ST text' };
  }
  if (separator === ':' || separator === '/') {
    return {
      ok: true,
      valueType: 'ST',
      value: `${first}${separator}${second}`,
      note: 'SN ratio carried as ST text',
    };
  }
  return { ok: false, reason: `SN separator ${separator} is not supported` };
}

function textValue(valueType: EventValueType, text: string): ValueRead {
  if (text.length > MAX_TEXT)
    return { ok: false, reason: `OBX-5 text is longer than ${MAX_TEXT} characters` };
  return { ok: true, valueType, value: text };
}

function isEventValueType(code: string): code is EventValueType {
  return ['NM', 'SN', 'ST', 'TX', 'CE', 'CWE'].includes(code);
}
