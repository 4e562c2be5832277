import { hdText, readHdField } from './hierarchic-designator';
import { Hl7Document, stripFraming } from './hl7-document';
import { type Hl7Encoding } from './hl7-encoding';
import { type Hl7Party } from './hl7-parse.types';

/** MSH fields as far as they can be read; every value may be empty. */
export interface MshFields {
  sender: Hl7Party;
  receiver: Hl7Party;
  controlId: string;
  version: string;
  messageType: string;
  messageCode: string;
  triggerEvent: string;
  processingId: string;
  /** MSH-7 as sent: a local time is read in the sender's zone, which only MSH-3/4 tell (the parser does). */
  sent: string;
}

/** Reads MSH leniently, so that even a refused message can be answered with an ACK that echoes MSH-10. */
export function readMsh(document: Hl7Document): MshFields {
  const msh = document.msh;
  const messageCode = document.text(msh, 9, 1);
  const triggerEvent = document.text(msh, 9, 2);
  return {
    sender: { application: hd(document, 3), facility: hd(document, 4) },
    receiver: { application: hd(document, 5), facility: hd(document, 6) },
    controlId: document.text(msh, 10, 1),
    version: document.text(msh, 12, 1),
    messageType: [messageCode, triggerEvent].filter((part) => part !== '').join('^'),
    messageCode,
    triggerEvent,
    processingId: document.text(msh, 11, 1),
    sent: document.text(msh, 7, 1),
  };
}

/** MSH-3 to MSH-6 are hierarchic designators: the namespace id, or the whole HD when a universal id came. */
function hd(document: Hl7Document, field: number): string {
  return hdText(readHdField(document, document.msh, field));
}

/**
 * The MSH of a message read from its first line alone, for answering a message that may not parse as a whole
 * (the rest may be what is wrong with it); null when even that line is not an MSH.
 */
export function readLeadingMsh(raw: string): { msh: MshFields; encoding: Hl7Encoding } | null {
  if (typeof raw !== 'string') return null;
  const read = Hl7Document.parse(stripFraming(raw).split(/[\r\n]/, 1)[0] ?? '');
  return read.ok ? { msh: readMsh(read.document), encoding: read.document.encoding } : null;
}
