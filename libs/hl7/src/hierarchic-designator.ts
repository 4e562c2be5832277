import { type Hl7Segment } from '@medplum/core';
import { type Hl7Document } from './hl7-document';

/**
 * An HL7 hierarchic designator (HD): who assigned an identifier (PID-3.4) or who sent a message (MSH-3, MSH-4).
 * Public-health and reference laboratories often send only the universal id (`^05D0000000^CLIA`,
 * `&2.16.840.1.113883.19.5&ISO`); hospitals often only the namespace id (`CITYHOSP`).
 */
export interface HierarchicDesignator {
  namespaceId: string;
  universalId: string;
  universalIdType: string;
}

/**
 * An HD as one text, the form events, keys and registrations use: the namespace id when that is all that was
 * sent (`CITYHOSP`, so the common case reads as before), otherwise the whole HD with its parts joined by `&`
 * (`CITYHOSP&2.16.840.1.113883.19.5&ISO`, `&05D0000000&CLIA`). `hdForms` in @alem/events reads it back into
 * every form a registration may name. Empty when the HD is empty.
 */
export function hdText(hd: HierarchicDesignator): string {
  // A universal id type without the id says nothing.
  if (hd.universalId === '') return hd.namespaceId;
  return [hd.namespaceId, hd.universalId, hd.universalIdType].join('&');
}

/** An HD sent as a field of its own (MSH-3 to MSH-6): its components. */
export function readHdField(document: Hl7Document, segment: Hl7Segment, field: number): HierarchicDesignator {
  return {
    namespaceId: document.text(segment, field, 1),
    universalId: document.text(segment, field, 2),
    universalIdType: document.text(segment, field, 3),
  };
}

/** An HD sent as a component of another field (PID-3.4 of a CX): its sub-components. */
export function readHdComponent(
  document: Hl7Document,
  segment: Hl7Segment,
  field: number,
  component: number,
  repetition = 1,
): HierarchicDesignator {
  return {
    namespaceId: document.text(segment, field, component, 1, repetition),
    universalId: document.text(segment, field, component, 2, repetition),
    universalIdType: document.text(segment, field, component, 3, repetition),
  };
}
