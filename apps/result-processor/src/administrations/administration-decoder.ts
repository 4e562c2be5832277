import {
  MEDICATION_ADMINISTRATION_CONTENT_TYPE,
  type MedicationAdministrationEvent,
  parseMedicationAdministrationEvent,
} from '@alem/events';
import { HEADERS, type InboundMessage } from '@alem/messaging';

export type DecodedAdministration =
  | { ok: true; event: MedicationAdministrationEvent; sender: string }
  | { ok: false; reason: string; contentType: string | null };

/**
 * One message of `medication.administrations.v1` → its event, or the reason to dead-letter it; never throws.
 * The sender is the one the ingest gateway authenticated (`authenticated-sender`), never the body's alone: the
 * event is rewritten to name it, so that the idempotency key and the stored sender are who proved who they are.
 */
export function decodeAdministration(message: InboundMessage): DecodedAdministration {
  const contentType = message.headers[HEADERS.contentType] ?? null;
  if (contentType !== null && contentType !== MEDICATION_ADMINISTRATION_CONTENT_TYPE) {
    return { ok: false, reason: `unsupported content-type ${contentType}`, contentType };
  }
  if (!message.value || message.value.length === 0)
    return { ok: false, reason: 'empty message', contentType };
  let json: unknown;
  try {
    json = JSON.parse(message.value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `invalid JSON: ${(error as Error).message}`, contentType };
  }
  const parsed = parseMedicationAdministrationEvent(json);
  if (!parsed.ok) return { ok: false, reason: parsed.reason, contentType };
  const header = message.headers[HEADERS.authenticatedSender];
  if (header === undefined) {
    const { application, facility } = parsed.event.sender;
    return { ok: true, event: parsed.event, sender: `${application}^${facility}` };
  }
  const [application = '', facility = '', ...rest] = header.split('^');
  if (application === '' || facility === '' || rest.length > 0) {
    return { ok: false, reason: `invalid ${HEADERS.authenticatedSender} header`, contentType };
  }
  return { ok: true, event: { ...parsed.event, sender: { application, facility } }, sender: header };
}

/**
 * [P] A medication whose code is not mapped but whose code or name says alemtuzumab (or a brand of it) is not
 * another drug: it is dead-lettered, so that a person maps the code and replays it, rather than passed over.
 */
export function looksLikeAlemtuzumab(
  medication: MedicationAdministrationEvent['administration']['medication'],
): boolean {
  return /alemtuzumab|lemtrada|campath|mabcampath/i.test(`${medication.code} ${medication.display ?? ''}`);
}

/** The record's identity: one per sender, message, administration and status (a redelivery keeps nothing new). */
export function administrationKey(sender: string, event: MedicationAdministrationEvent): string {
  return [sender, event.messageControlId, event.administration.id, event.administration.status].join('|');
}
