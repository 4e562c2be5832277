import { Hl7Context } from '@medplum/core';

/** The delimiters a message declares in MSH-1 and MSH-2. */
export interface Hl7Encoding {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
}

export const STANDARD_ENCODING: Hl7Encoding = {
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
};

export type EncodingRead = { ok: true; encoding: Hl7Encoding } | { ok: false; reason: string };

/**
 * Reads MSH-1 (field separator) and MSH-2 (component, repetition, escape, subcomponent characters) from the
 * start of a message. Medplum's `Hl7Message.parse` takes characters 3 to 7 blindly; a short or repeated MSH-2
 * would then silently split fields on the wrong character, so the declaration is checked here first.
 */
export function readEncoding(text: string): EncodingRead {
  if (!text.startsWith('MSH'))
    return { ok: false, reason: 'not an HL7 v2 message: it does not start with MSH' };
  const field = text.charAt(3);
  if (field === '' || /[\sA-Za-z0-9]/.test(field)) {
    return { ok: false, reason: 'MSH-1 field separator is missing or invalid' };
  }
  const end = text.indexOf(field, 4);
  const msh2 = end === -1 ? '' : text.slice(4, end);
  // v2.7 adds a fifth character (truncation); versions 2.3 to 2.5.1 declare exactly four.
  if (msh2.length < 4 || msh2.length > 5) {
    return { ok: false, reason: 'MSH-2 encoding characters are missing or incomplete' };
  }
  const [component, repetition, escape, subcomponent] = [...msh2];
  const all = [field, ...msh2];
  if (new Set(all).size !== all.length || all.some((c) => /[\sA-Za-z0-9]/.test(c))) {
    return { ok: false, reason: 'MSH-2 encoding characters are repeated or invalid' };
  }
  return { ok: true, encoding: { field, component, repetition, escape, subcomponent } };
}

/** The Medplum parsing context for an encoding; segments are split by us (see `splitSegments`). */
export function toHl7Context(encoding: Hl7Encoding): Hl7Context {
  return new Hl7Context(
    '\r',
    encoding.field,
    encoding.component,
    encoding.repetition,
    encoding.escape,
    encoding.subcomponent,
  );
}
