import { type Hl7Party, parseOruR01 } from '@alem/hl7';
import { checkBuiltEvent, type LabResultEvent, parseLabResultEvent } from '@alem/events';
import { CONTENT_TYPES, HEADERS, type InboundMessage } from '@alem/messaging';

/** The original message behind the events, kept when it holds results of enrolled patients (HL7 only). */
export interface DecodedSource {
  sender: string;
  controlId: string;
  contentType: string;
  body: string;
}

export type DecodedMessage =
  | {
      ok: true;
      /** The events of enrolled patients. */
      events: LabResultEvent[];
      /** How many results of patients who are not enrolled the message held. */
      notEnrolled: number;
      contentType: string;
      /** The sending lab (`application^facility`), when it could be read: its feed is alive. */
      sender?: string;
      source?: DecodedSource;
      /** Why part of the message could not be taken (OBX segments refused): dead-lettered beside the rest. */
      partial?: string;
    }
  | { ok: false; reason: string; contentType: string | null };

export type EnrolmentCheck = (patient: { id: string; authority: string }) => boolean;

export interface DecodeOptions {
  isEnrolled: EnrolmentCheck;
  /** Time zone of HL7 timestamps sent without an offset, for senders `hl7TimeZoneFor` does not place. */
  hl7DefaultTimeZone?: string;
  /** The most OBX one HL7 message may carry (the gateway's limit; the parser's default otherwise). */
  hl7MaxObservations?: number;
  /** The sender's registered time zone (MSH-3^MSH-4), if it has one. */
  hl7TimeZoneFor?: (sender: Hl7Party) => string | undefined;
}

const HL7_TYPES = new Set<string>([CONTENT_TYPES.hl7v2, 'x-application/hl7-v2+er7', 'application/x-hl7']);

/**
 * Turns one Kafka message into the lab-result events of enrolled patients, or a reason to dead-letter it.
 * Takes JSON `LabResult` events and raw HL7 v2 ORU^R01 (`content-type: application/hl7-v2`). Never throws: a
 * message that cannot be taken is a DLQ record, not a stuck partition.
 *
 * Most of a lab feed concerns patients who are not enrolled. For JSON, enrolment is read from the event body
 * (never from the Kafka key, which a producer could get wrong) right after JSON parsing, and only events of
 * enrolled patients go through full schema validation; an event whose patient cannot be read is validated,
 * and dead-lettered with the reason.
 */
export function decodeMessage(message: InboundMessage, options: DecodeOptions): DecodedMessage {
  const contentType = message.headers[HEADERS.contentType] ?? null;
  if (!message.value || message.value.length === 0)
    return { ok: false, reason: 'empty message', contentType };
  const authenticated = authenticatedSenderOf(message);
  if (authenticated === 'invalid') {
    return { ok: false, reason: `invalid ${HEADERS.authenticatedSender} header`, contentType };
  }
  let decoded: DecodedMessage;
  if (contentType !== null && HL7_TYPES.has(contentType)) {
    decoded = decodeHl7(message, contentType, {
      ...options,
      // The registration the gateway authenticated is the one whose zone applies.
      ...(authenticated && options.hl7TimeZoneFor
        ? { hl7TimeZoneFor: () => options.hl7TimeZoneFor!(authenticated) }
        : {}),
    });
  } else if (
    contentType === null ||
    contentType === CONTENT_TYPES.labResultJson ||
    contentType === 'application/json'
  ) {
    decoded = decodeJson(message, contentType, options);
  } else {
    return { ok: false, reason: `unsupported content-type ${contentType}`, contentType };
  }
  return authenticated && decoded.ok ? asAuthenticated(decoded, authenticated) : decoded;
}

/**
 * The sender the ingest gateway authenticated (client certificate, source address or API key) and checked the
 * message's own header against; absent on messages from producers inside the trust boundary (replays, tools).
 */
function authenticatedSenderOf(message: InboundMessage): Hl7Party | null | 'invalid' {
  const header = message.headers[HEADERS.authenticatedSender];
  if (header === undefined) return null;
  const [application = '', facility = '', ...rest] = header.split('^');
  return application === '' || rest.length > 0 ? 'invalid' : { application, facility };
}

/**
 * A message's identity is its authenticated sender, never its header alone (issue 14): the events carry the
 * registered name, so the idempotency key, the stored sender and the feed kept alive are the sender's who
 * proved who it is. The gateway has checked that the header names that sender (in some form of it).
 */
function asAuthenticated(decoded: Extract<DecodedMessage, { ok: true }>, sender: Hl7Party): DecodedMessage {
  const name = `${sender.application}^${sender.facility}`;
  return {
    ...decoded,
    events: decoded.events.map((event) => ({ ...event, sender: { ...sender } })),
    sender: name,
    ...(decoded.source ? { source: { ...decoded.source, sender: name } } : {}),
  };
}

function decodeJson(
  message: InboundMessage,
  contentType: string | null,
  options: DecodeOptions,
): DecodedMessage {
  let json: unknown;
  try {
    json = JSON.parse(message.value!.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `invalid JSON: ${(error as Error).message}`, contentType };
  }
  const type = contentType ?? CONTENT_TYPES.labResultJson;
  const body = json as {
    patient?: { id?: unknown; authority?: unknown };
    sender?: { application?: unknown; facility?: unknown };
  } | null;
  const from = body?.sender;
  const sender =
    typeof from?.application === 'string' && typeof from.facility === 'string'
      ? `${from.application.trim()}^${from.facility.trim()}`
      : undefined;
  const patient = body?.patient;
  if (typeof patient?.id === 'string' && typeof patient.authority === 'string') {
    if (!options.isEnrolled({ id: patient.id.trim(), authority: patient.authority.trim() })) {
      return { ok: true, events: [], notEnrolled: 1, contentType: type, ...(sender ? { sender } : {}) };
    }
  }
  const parsed = parseLabResultEvent(json);
  return parsed.ok
    ? { ok: true, events: [parsed.event], notEnrolled: 0, contentType: type, ...(sender ? { sender } : {}) }
    : { ok: false, reason: parsed.reason, contentType };
}

function decodeHl7(message: InboundMessage, contentType: string, options: DecodeOptions): DecodedMessage {
  const body = message.value!.toString('utf8');
  const parse = parseOruR01(body, {
    receivedAt: new Date(message.timestamp),
    defaultTimeZone: options.hl7DefaultTimeZone ?? 'UTC',
    ...(options.hl7MaxObservations ? { maxObservations: options.hl7MaxObservations } : {}),
    timeZoneFor: options.hl7TimeZoneFor,
  });
  if (!parse.ok)
    return { ok: false, reason: `HL7 message refused (${parse.ackCode}): ${parse.reason}`, contentType };
  const events: LabResultEvent[] = [];
  // Every refused result of an enrolled patient is dead-lettered with its reason: the OBX the parser refused,
  // and any event that does not pass the contract (none should: the parser builds them to it).
  const refused = parse.refused.filter((r) => options.isEnrolled(r.patient)).map((r) => r.reason);
  let notEnrolled = 0;
  for (const event of parse.events) {
    if (!options.isEnrolled(event.patient)) {
      notEnrolled++;
      continue;
    }
    const checked = checkBuiltEvent(event);
    if (checked.ok) events.push(checked.event);
    else refused.push(checked.reason);
  }
  const shown =
    refused.slice(0, 20).join('; ') + (refused.length > 20 ? `; and ${refused.length - 20} more` : '');
  const partial =
    refused.length > 0
      ? `${refused.length} OBX of HL7 message ${parse.header.controlId} not taken: ${shown}`
      : undefined;
  const sender = `${parse.header.sender.application}^${parse.header.sender.facility}`;
  return {
    ok: true,
    events,
    notEnrolled,
    contentType,
    sender,
    ...(events.length > 0
      ? { source: { sender, controlId: parse.header.controlId, contentType, body } }
      : {}),
    ...(partial ? { partial } : {}),
  };
}
