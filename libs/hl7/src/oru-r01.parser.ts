import { LAB_RESULT_LIMITS } from '@alem/events';
import { type Hl7Segment } from '@medplum/core';
import { type Zone } from 'luxon';
import { type Hl7Document } from './hl7-document';
import { type MshFields } from './hl7-header';
import {
  headerOf,
  type Hl7Patient,
  internalError,
  openMessage,
  receivedIso,
  selectPatient,
  senderClock,
} from './hl7-message';
import {
  DEFAULT_MAX_OBSERVATIONS,
  type Hl7Parse,
  type LabResultEvent,
  type OruParseOptions,
  type RefusedObservation,
} from './hl7-parse.types';
import { parseHl7Timestamp } from './hl7-timestamp';
import { readObxValue } from './obx-value.reader';

/** HL7 versions whose ORU^R01 (and pharmacy) layouts the parsers were written and tested against. */
export { SUPPORTED_HL7_VERSIONS } from './hl7-message';

// The lab-result.v1 event's field limits: a value that does not fit is refused here, with a reason, rather than
// producing an event the processor would dead-letter.
const {
  id: MAX_ID,
  subId: MAX_SUB_ID,
  display: MAX_DISPLAY,
  unit: MAX_UNIT,
  range: MAX_RANGE,
  flag: MAX_FLAG,
  flags: MAX_FLAGS,
} = LAB_RESULT_LIMITS;

const STATUS_BY_CODE: Readonly<Record<string, LabResultEvent['status']>> = {
  F: 'final',
  C: 'corrected',
  P: 'preliminary',
  X: 'not-obtainable',
  D: 'deleted',
  // W: the result was wrong (posted for the wrong patient, say) and is withdrawn; a replacement, if any, comes
  // on its own. It retracts the earlier result exactly as D does.
  W: 'deleted',
  // Results entered but not verified (R), partial (S) and in process (I) are not final: preliminary.
  R: 'preliminary',
  S: 'preliminary',
  I: 'preliminary',
};

const LOINC_SYSTEM = /^(LN|LOINC)$/i;

type Patient = Hl7Patient;

interface Order {
  orderId: string;
  observedAt: string;
}

interface Draft {
  event: LabResultEvent;
  position: number;
  subIdSent: string;
}

/**
 * Parses an HL7 v2 ORU^R01 message (v2.3 to 2.5.1) into one `lab-result.v1` event per OBX. Never throws.
 *
 * Whole-message refusals (`ok: false`, with the ACK code to answer): not HL7, bad MSH-1/MSH-2, a message type
 * other than ORU^R01 (`AR`), an unsupported version (`AR`), more OBX than `maxObservations` (`AR`), no MSH-10
 * or sender, a PID without an identifier that has an assigning authority (PID-3.4; patients are never matched
 * by name), OBR/OBX out of order, a last OBX that ends before OBX-11 (a truncated message), or no OBX at all.
 *
 * Per-OBX refusals (skipped with a warning and listed in `refused`, the rest of the message goes on): an OBX
 * without OBX-11 that is not the last segment, an NM value that is not a number (or beyond the range of a
 * double), an unknown OBX-11 status, no observation time, a value type or field the event cannot carry.
 *
 * Senders (MSH-3/MSH-4) and assigning authorities (PID-3.4) are hierarchic designators, read whole (`hdText`):
 * a lab that names itself by universal id only (`^05D0000000^CLIA`) is read, not refused.
 *
 * Mapping: patient = the PID-3 repetition with an assigning authority, preferring type MR; code = OBX-3.1/3.3,
 * or the alternate OBX-3.4/3.6 when that one is LOINC and the primary is not; an empty OBX-3.3 without a
 * LOINC alternate becomes `L` (HL7 table 0396 "local"); unit = OBX-6.1 (else OBX-6.2); observation time =
 * OBX-14, else OBR-7 (in the sender's zone, `timeZoneFor`, else `defaultTimeZone`, when one is sent without an
 * offset); order = OBR-3.1 filler number, else OBR-2.1 placer number; sub-id = OBX-4. The identity of an
 * observation (order, code, sub-id) must not drift between the preliminary, final and corrected reports of one
 * order, which may carry more or fewer OBX: when a code repeats in one order under one sub-id, the first keeps
 * the plain identity and the n-th gets `#n` after its sub-id (its occurrence among those OBX, never its position
 * in the message or OBX-1, which shift when the final report adds a line). Labs that repeat a code should send
 * OBX-4.
 */
export function parseOruR01(text: string, options: OruParseOptions = {}): Hl7Parse {
  try {
    return parse(text, options);
  } catch {
    return internalError();
  }
}

function parse(text: string, options: OruParseOptions): Hl7Parse {
  const opened = openMessage(text, options, (msh) => msh.messageCode === 'ORU' && msh.triggerEvent === 'R01');
  if (!opened.ok) return opened.failure;
  const message = opened.message;
  const { document, msh, fail } = message;
  const maxObservations = options.maxObservations ?? DEFAULT_MAX_OBSERVATIONS;
  const observationCount = document.segments.reduce((n, segment) => n + (segment.name === 'OBX' ? 1 : 0), 0);
  if (observationCount > maxObservations) {
    return fail(
      `${observationCount} OBX in one message; at most ${maxObservations} are taken: send the report in parts`,
      '207',
      'AR',
    );
  }
  // Every time the message sends without an offset, MSH-7 included, is read in the sender's own zone.
  const clocked = senderClock(message, options);
  if (!clocked.ok) return clocked.failure;
  const clock = clocked.clock;
  const { zone, zoneName } = clock;

  const warnings: string[] = [];
  const drafts: Draft[] = [];
  const refused: RefusedObservation[] = [];
  const receivedAt = receivedIso(options.receivedAt, warnings);

  let patient: Patient | null = null;
  let order: Order | null = null;
  let obxPosition = 0;
  const lastIndex = document.segments.length - 1;
  for (const [index, segment] of document.segments.entries()) {
    switch (segment.name) {
      case 'MSH':
        if (index > 0) return fail('more than one MSH segment: one message expected', '100');
        break;
      case 'PID': {
        const selected = selectPatient(document, segment);
        if (!selected.ok) return fail(selected.reason, '101');
        patient = selected.patient;
        order = null;
        break;
      }
      case 'ORC':
        // A new order group starts; its OBX must follow its own OBR.
        order = null;
        break;
      case 'OBR':
        if (!patient) return fail('OBR segment before any PID segment', '100');
        order = {
          orderId: document.text(segment, 3, 1) || document.text(segment, 2, 1),
          observedAt: document.text(segment, 7, 1),
        };
        break;
      case 'OBX': {
        obxPosition += 1;
        if (!patient) return fail('OBX segment before any PID segment', '100');
        if (!order) return fail(`OBX ${obxPosition} is not inside an order (no OBR before it)`, '100');
        // Only the last segment of a message can be cut short by a transmission; a short OBX elsewhere is that
        // OBX's problem, and the results around it (a critical platelet count among them) are still taken.
        if (document.fieldCount(segment) < 11 && index === lastIndex) {
          return fail(`OBX ${obxPosition} ends before OBX-11 result status (message truncated?)`, '101');
        }
        const mapped = mapObservation(document, segment, {
          patient,
          order,
          msh,
          zone,
          zoneName,
          receivedAt,
        });
        const label = `OBX ${obxPosition}${mapped.code ? ` (${mapped.code})` : ''}`;
        for (const note of mapped.notes) warnings.push(`${label}: ${note}`);
        if (mapped.event) {
          drafts.push({
            event: mapped.event,
            position: obxPosition,
            subIdSent: mapped.event.observation.subId ?? '',
          });
        } else {
          warnings.push(`${label}: skipped, ${mapped.reason}`);
          refused.push({ position: obxPosition, patient, reason: `${label}: ${mapped.reason}` });
        }
        break;
      }
      default:
        // NTE, SPM, PV1, TQ1, CTD, Z-segments...: not needed for a result event.
        break;
    }
  }
  if (!patient) return fail('no PID segment', '101');
  if (obxPosition === 0) return fail('no OBX segment: the message carries no observation', '101');

  const events: LabResultEvent[] = [];
  for (const draft of distinctObservations(drafts, warnings)) {
    if (draft.ok) events.push(draft.event);
    else {
      const label = `OBX ${draft.position} (${draft.event.observation.code}^${draft.event.observation.system})`;
      warnings.push(`${label}: skipped, ${draft.reason}`);
      refused.push({
        position: draft.position,
        patient: draft.event.patient,
        reason: `${label}: ${draft.reason}`,
      });
    }
  }
  refused.sort((a, b) => a.position - b.position);
  return {
    ok: true,
    header: headerOf(message, clock),
    events,
    warnings,
    skipped: refused.length,
    refused,
  };
}

interface ObservationContext {
  patient: Patient;
  order: Order;
  msh: MshFields;
  zone: Zone;
  zoneName: string;
  receivedAt: string | undefined;
}

interface MappedObservation {
  /** `code^system` for warnings, when readable. */
  code: string;
  event?: LabResultEvent;
  reason?: string;
  notes: string[];
}

function mapObservation(
  document: Hl7Document,
  obx: Hl7Segment,
  context: ObservationContext,
): MappedObservation {
  const notes: string[] = [];
  const coded = readCode(document, obx);
  if (!coded.ok) return { code: '', reason: coded.reason, notes };
  const code = `${coded.code}^${coded.system}`;
  const refuse = (reason: string): MappedObservation => ({ code, reason, notes });
  if (coded.note) notes.push(coded.note);

  const statusCode = document.text(obx, 11, 1).toUpperCase();
  const status = STATUS_BY_CODE[statusCode];
  if (!status) return refuse(`OBX-11 result status "${statusCode}" is not supported`);

  const value = readObxValue(document, obx, status);
  if (!value.ok) return refuse(value.reason);
  if (value.note) notes.push(value.note);

  const time = observationTime(document, obx, context, notes);
  if (!time.ok) return refuse(time.reason);

  const subId = document.joined(obx, 4);
  if (subId.length > MAX_SUB_ID) return refuse(`OBX-4 sub-id is longer than ${MAX_SUB_ID} characters`);
  if (context.order.orderId.length > MAX_ID)
    return refuse(`order number is longer than ${MAX_ID} characters`);

  const unitRead = readUnit(document, obx);
  if (!unitRead.ok) return refuse(unitRead.reason);
  if (unitRead.note) notes.push(unitRead.note);
  const unit = unitRead.unit;

  let range = document.joinedRepetitions(obx, 7);
  if (range.length > MAX_RANGE) {
    notes.push(`OBX-7 reference range is longer than ${MAX_RANGE} characters; left out`);
    range = '';
  }

  const flags: string[] = [];
  for (let r = 1; r <= document.repetitions(obx, 8); r++) {
    const flag = document.text(obx, 8, 1, 1, r);
    if (flag === '') continue;
    if (flag.length > MAX_FLAG || flags.length === MAX_FLAGS) {
      notes.push(
        `OBX-8 abnormal flag left out (longer than ${MAX_FLAG} characters or more than ${MAX_FLAGS})`,
      );
      continue;
    }
    flags.push(flag);
  }

  const event: LabResultEvent = {
    schema: 'lab-result.v1',
    patient: { id: context.patient.id, authority: context.patient.authority },
    sender: { application: context.msh.sender.application, facility: context.msh.sender.facility },
    messageControlId: context.msh.controlId,
    observation: {
      code: coded.code,
      system: coded.system,
      ...(coded.display ? { display: coded.display } : {}),
      ...(subId ? { subId } : {}),
      ...(context.order.orderId ? { orderId: context.order.orderId } : {}),
    },
    valueType: value.valueType,
    value: value.value,
    ...(value.comparator ? { comparator: value.comparator } : {}),
    ...(unit ? { unit } : {}),
    ...(range ? { referenceRange: range } : {}),
    ...(flags.length > 0 ? { flags } : {}),
    status,
    observedAt: time.iso,
    ...(context.receivedAt ? { receivedAt: context.receivedAt } : {}),
  };
  return { code, event, notes };
}

function readCode(
  document: Hl7Document,
  obx: Hl7Segment,
):
  { ok: true; code: string; system: string; display: string; note?: string } | { ok: false; reason: string } {
  const primary = {
    code: document.text(obx, 3, 1),
    text: document.text(obx, 3, 2),
    system: document.text(obx, 3, 3),
  };
  const alternate = {
    code: document.text(obx, 3, 4),
    text: document.text(obx, 3, 5),
    system: document.text(obx, 3, 6),
  };
  let chosen: { code: string; system: string; display: string; note?: string };
  if (primary.code && LOINC_SYSTEM.test(primary.system)) {
    chosen = { code: primary.code, system: primary.system, display: primary.text || alternate.text };
  } else if (alternate.code && LOINC_SYSTEM.test(alternate.system)) {
    // The lab states the LOINC itself: more reliable than a per-sender mapping of its local code.
    chosen = { code: alternate.code, system: alternate.system, display: alternate.text || primary.text };
  } else if (primary.code) {
    chosen = primary.system
      ? { code: primary.code, system: primary.system, display: primary.text }
      : {
          code: primary.code,
          system: 'L',
          display: primary.text,
          note: 'OBX-3.3 coding system empty; L (local) used',
        };
  } else {
    return { ok: false, reason: 'OBX-3 observation code is missing' };
  }
  if (chosen.code.length > MAX_ID || chosen.system.length > MAX_ID) {
    return { ok: false, reason: `OBX-3 code or coding system is longer than ${MAX_ID} characters` };
  }
  return { ok: true, ...chosen, display: chosen.display.slice(0, MAX_DISPLAY) };
}

/**
 * OBX-6 is a CE: the unit is its identifier (OBX-6.1), else its text (OBX-6.2). Labs often send `10^9/L`
 * without escaping the caret, which splits into `10` and `9/L`; that exact shape is read back as `10^9/L`
 * (a bare `10` is never a unit a lab means). A repeated OBX-6 means an unescaped repetition character: the
 * unit cannot be known, so the OBX is refused rather than graded against a fragment.
 */
function readUnit(
  document: Hl7Document,
  obx: Hl7Segment,
): { ok: true; unit: string; note?: string } | { ok: false; reason: string } {
  if (document.repetitions(obx, 6) > 1)
    return { ok: false, reason: 'OBX-6 unit repeats (unescaped delimiter?)' };
  const identifier = document.text(obx, 6, 1);
  const text = document.text(obx, 6, 2);
  let unit = identifier || text;
  let note: string | undefined;
  if (/^[x×]?10$/i.test(identifier) && /^\d{1,2}\/[A-Za-z0-9.[\]]+$/.test(text)) {
    unit = `${identifier}^${text}`;
    note = `OBX-6 read as ${unit} (unescaped ^ in the unit)`;
  }
  if (unit.length > MAX_UNIT)
    return { ok: false, reason: `OBX-6 unit is longer than ${MAX_UNIT} characters` };
  return note ? { ok: true, unit, note } : { ok: true, unit };
}

function observationTime(
  document: Hl7Document,
  obx: Hl7Segment,
  context: ObservationContext,
  notes: string[],
): { ok: true; iso: string } | { ok: false; reason: string } {
  const own = document.text(obx, 14, 1);
  const source = own ? 'OBX-14' : 'OBR-7';
  const raw = own || context.order.observedAt;
  if (!raw) return { ok: false, reason: 'no observation time (OBX-14 and OBR-7 are empty)' };
  // An unreadable OBX-14 is not replaced by OBR-7: a garbled time says something is wrong with the segment.
  const read = parseHl7Timestamp(raw, context.zone);
  if (!read.ok) return { ok: false, reason: `${source} observation time unreadable: ${read.reason}` };
  if (read.dateOnly) notes.push(`${source} has a date but no time; midnight in ${context.zoneName} used`);
  if (read.shiftedByDst)
    notes.push(`${source} local time does not exist in ${context.zoneName} (DST); moved forward`);
  return { ok: true, iso: read.iso };
}

/**
 * Makes (order, code, system, sub-id) unique within the message, in one pass. The first OBX of an identity keeps
 * it; the n-th OBX with the same order, code and sub-id gets `#n` after its sub-id: its occurrence among them,
 * which stays the same when a later report of the order adds or drops other lines. An OBX whose identity still
 * collides (a lab that sends `#2` itself) or grows too long is refused, never merged into another.
 */
function distinctObservations(
  drafts: readonly Draft[],
  warnings: string[],
): Array<
  { ok: true; event: LabResultEvent } | { ok: false; event: LabResultEvent; position: number; reason: string }
> {
  // Per patient: a message may carry several PATIENT_RESULT groups, and one patient's lines never number another's.
  const identity = (e: LabResultEvent, subId: string) =>
    [
      e.observation.system,
      e.observation.code,
      e.observation.orderId ?? '',
      subId,
      e.patient.authority,
      e.patient.id,
    ].join('\u0000');
  const occurrences = new Map<string, number>();
  const taken = new Set<string>();
  const repeated = new Map<string, number[]>();
  const out: ReturnType<typeof distinctObservations> = [];
  for (const d of drafts) {
    const o = d.event.observation;
    const sent = identity(d.event, d.subIdSent);
    const n = (occurrences.get(sent) ?? 0) + 1;
    occurrences.set(sent, n);
    if (n > 1) {
      const subId = `${d.subIdSent}#${n}`;
      if (subId.length > MAX_SUB_ID) {
        out.push({
          ok: false,
          event: d.event,
          position: d.position,
          reason: `OBX-4 sub-id is too long to tell this repeated code apart`,
        });
        continue;
      }
      o.subId = subId;
      const positions = repeated.get(sent);
      if (positions) positions.push(d.position);
      else repeated.set(sent, [d.position]);
    }
    const final = identity(d.event, o.subId ?? '');
    if (taken.has(final)) {
      out.push({
        ok: false,
        event: d.event,
        position: d.position,
        reason: 'same code and sub-id as another OBX of this order; cannot be told apart',
      });
      continue;
    }
    taken.add(final);
    out.push({ ok: true, event: d.event });
  }
  for (const [key, positions] of repeated) {
    const [system, code] = key.split('\u0000');
    warnings.push(
      `OBX ${positions.join(', ')} (${code}^${system}): code repeated in one order without a distinct OBX-4; ` +
        'told apart by their order of occurrence (#2, #3, ...)',
    );
  }
  return out;
}
