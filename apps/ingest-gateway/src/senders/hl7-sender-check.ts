import { authorityRefusal, type SenderCheck, type SenderCredentials, senderOfMessage } from '@alem/access';
import { type Hl7Parse } from '@alem/hl7';

/**
 * Whether an HL7 message may be taken from a peer authenticated as `senders`: its MSH-3^MSH-4 must name one of
 * them, and every patient in it (accepted or refused OBX alike) must belong to an assigning authority that
 * sender is bound to. A message the parser could not read is checked on its sender alone (it is dead-lettered
 * as broken all the same, and holds no result to store).
 */
export function hl7SenderCheck(senders: readonly SenderCredentials[], parse: Hl7Parse): SenderCheck {
  const named = parse.ok ? parse.header.sender : (parse.sender ?? null);
  const check = senderOfMessage(senders, named);
  if (!check.ok || !parse.ok) return check;
  const authorities = [...parse.events, ...parse.refused]
    .map((item) => item.patient.authority)
    .filter((authority) => authority !== '');
  const refusal = authorityRefusal(check.sender, authorities);
  return refusal ? { ok: false, reason: refusal } : check;
}
