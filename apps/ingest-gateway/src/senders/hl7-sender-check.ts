import { authorityRefusal, type SenderCheck, type SenderCredentials, senderOfMessage } from '@alem/access';
import { type Hl7Header, type Hl7ParseFailure } from '@alem/hl7';

/** Who a patient is, as every HL7 reader's events and refusals name them. */
interface AboutPatient {
  patient: { authority: string };
}

/**
 * What the sender check reads of a parse: MSH, and the patients of what was taken and refused. Both readers'
 * answers are of this shape (ORU^R01 `Hl7Parse`: OBX; pharmacy `PharmacyParse`: RXA / RXD / RXE).
 */
export type SenderCheckedParse =
  | {
      ok: true;
      header: Pick<Hl7Header, 'sender'>;
      events: readonly AboutPatient[];
      refused: readonly AboutPatient[];
    }
  | Hl7ParseFailure;

/**
 * Whether an HL7 message may be taken from a peer authenticated as `senders`: its MSH-3^MSH-4 must name one of
 * them, and every patient in it (accepted or refused OBX or RXA alike) must belong to an assigning authority
 * that sender is bound to. A message the parser could not read is checked on its sender alone (it is
 * dead-lettered as broken all the same, and holds nothing to store).
 */
export function hl7SenderCheck(
  senders: readonly SenderCredentials[],
  parse: SenderCheckedParse,
): SenderCheck {
  const named = parse.ok ? parse.header.sender : (parse.sender ?? null);
  const check = senderOfMessage(senders, named);
  if (!check.ok || !parse.ok) return check;
  const authorities = [...parse.events, ...parse.refused]
    .map((item) => item.patient.authority)
    .filter((authority) => authority !== '');
  const refusal = authorityRefusal(check.sender, authorities);
  return refusal ? { ok: false, reason: refusal } : check;
}
