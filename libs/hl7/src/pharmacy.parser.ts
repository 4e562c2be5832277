import {
  LAB_RESULT_LIMITS,
  type MedicationAdministrationEvent,
  MEDICATION_ADMINISTRATION_SCHEMA,
  parseMedicationAdministrationEvent,
  RXNORM_SYSTEM,
} from '@alem/events';
import { type Hl7Segment } from '@medplum/core';
import { DateTime } from 'luxon';
import { type Hl7Document } from './hl7-document';
import { type MshFields } from './hl7-header';
import {
  headerOf,
  type Hl7Patient,
  internalError,
  openMessage,
  type OpenedMessage,
  receivedIso,
  selectPatient,
  type SenderClock,
  senderClock,
} from './hl7-message';
import { type Hl7Header, type Hl7ParseFailure, type OruParseOptions } from './hl7-parse.types';
import { parseHl7Timestamp } from './hl7-timestamp';

/**
 * HL7 v2 pharmacy messages → `medication-administration.v1` events (issue 18): `RAS^O17` (one event per RXA),
 * `RDS^O13` (one per RXD: a dispense), `RDE^O11` (an encoded order: one per ordered day, evidence `ordered`).
 */
export const PHARMACY_MESSAGE_TYPES = ['RAS^O17', 'RDS^O13', 'RDE^O11'] as const;
export type PharmacyMessageType = (typeof PHARMACY_MESSAGE_TYPES)[number];

export interface PharmacyParseOptions extends Pick<
  OruParseOptions,
  'receivedAt' | 'defaultTimeZone' | 'timeZoneFor'
> {
  /** The most administrations (RXA / RXD / ordered days) one message may carry; more refuses it whole (AR). */
  maxAdministrations?: number;
}

export const DEFAULT_MAX_ADMINISTRATIONS = 1000;

/** The most calendar days one RXE (TQ1-7 to TQ1-8) may order; a longer order is refused on its own. */
export const MAX_ORDERED_DAYS = 31;

/** An RXA / RXD / RXE refused on its own (the rest was taken), with the patient it was about. */
export interface RefusedAdministration {
  /** Its position among the message's RXA / RXD / RXE, from 1. */
  position: number;
  patient: { id: string; authority: string };
  /** Why, with the segment named; no patient data. */
  reason: string;
}

export interface PharmacyParseSuccess {
  ok: true;
  header: Hl7Header;
  messageType: PharmacyMessageType;
  /** One event per taken RXA / RXD / ordered day, in message order. */
  events: MedicationAdministrationEvent[];
  /** Segments skipped or adjusted, and why (no patient data). */
  warnings: string[];
  /** How many RXA / RXD / RXE were refused (each has a `skipped` warning and an entry in `refused`). */
  skipped: number;
  refused: RefusedAdministration[];
}

export type PharmacyParse = PharmacyParseSuccess | Hl7ParseFailure;

/** Whether MSH-9 names a pharmacy message this parser takes (reads MSH only; never throws). */
export function isPharmacyMessage(text: string): boolean {
  const msh = /^\s*MSH(.)/.exec(text);
  if (!msh) return false;
  const separator = msh[1]!;
  const line = text.trimStart().split(/\r\n|\r|\n/, 1)[0] ?? '';
  const fields = line.split(separator);
  const components = (fields[8] ?? '').split(fields[1]?.[0] ?? '^');
  const type = `${components[0] ?? ''}^${components[1] ?? ''}`;
  return (PHARMACY_MESSAGE_TYPES as readonly string[]).includes(type);
}

const { id: MAX_ID, hd: MAX_HD, display: MAX_DISPLAY } = LAB_RESULT_LIMITS;

/** The segment that carries one administration, dispense or order in each message type. */
const ITEM_SEGMENT = { 'RAS^O17': 'RXA', 'RDS^O13': 'RXD', 'RDE^O11': 'RXE' } as const;
type ItemSegment = (typeof ITEM_SEGMENT)[PharmacyMessageType];

/** ORC-1 order control codes (HL7 table 0119) that withdraw the order: cancelled, discontinued. */
const WITHDRAWING_CONTROL = new Set(['CA', 'CR', 'DC', 'DR', 'OC', 'OD']);

const RXNORM = /^(RXNORM|RXN)$/i;

/** Mass units a dose is read in, as a factor to mg (UCUM `mg`, `g`, `ug`, and the spellings pharmacies use). */
const MG_PER_UNIT: Readonly<Record<string, number>> = {
  mg: 1,
  milligram: 1,
  milligrams: 1,
  g: 1000,
  gm: 1000,
  gram: 1000,
  grams: 1000,
  ug: 0.001,
  '\u00b5g': 0.001,
  '\u03bcg': 0.001,
  mcg: 0.001,
  microgram: 0.001,
  micrograms: 0.001,
};

function messageTypeOf(msh: MshFields): PharmacyMessageType | undefined {
  const type = `${msh.messageCode}^${msh.triggerEvent}`;
  return PHARMACY_MESSAGE_TYPES.find((t) => t === type);
}

/**
 * Parses a pharmacy message; never throws.
 *
 * Whole-message refusals (`ok: false`, as `parseOruR01` answers them): not HL7, another message type (AR 200),
 * an unsupported version (AR 203), no MSH-10/MSH-3/MSH-4 or too long, more administrations than
 * `maxAdministrations` (AR 207), no PID or a PID-3 without an identifier that has an assigning authority (the
 * message has one patient and nobody to file its administrations under), an RXA / RXD / RXE before any PID
 * or outside an ORC group, or none at all.
 *
 * Per-segment refusals (listed in `refused`, with a `skipped` warning; the rest is taken): no medication code,
 * no order number (ORC-3 / ORC-2) to identify it, a given administration or dispense without a date, an
 * unreadable date, an unknown RXA-20 / RXA-21 code, an order without TQ1-7 start or over
 * {@link MAX_ORDERED_DAYS} days, an id that repeats another in the message, a value too long for the event.
 *
 * Mapping: patient = PID-3 as `parseOruR01` chooses it; order number = ORC-3.1 filler, else ORC-2.1 placer;
 * status = `entered-in-error` for RXA-21 D, `cancelled` for ORC-1 CA/CR/DC/DR/OC/OD or RXA-20 NA/RE, else
 * `given`; medication = the CWE triplet (RXA-5, RXD-2, RXE-2) that is RxNorm (system `RXNORM`/`RxNorm`/`RXN`,
 * written `RXNORM`), else the first (empty system → `L`, local); dose = amount and units (RXA-6/7, RXD-4/5,
 * RXE-3/5) converted to mg from mg, g, µg (other units: no dose, with a warning); a date without a time is a
 * `day`, a date with a time an instant `at` (read in the sender's zone when sent without an offset);
 * recordedAt = MSH-7; location = PV1-3.1, else ORC-17.1, else ORC-21.1.
 */
export function parsePharmacyMessage(text: string, options: PharmacyParseOptions = {}): PharmacyParse {
  try {
    return parse(text, options);
  } catch {
    return internalError();
  }
}

interface Order {
  id: string;
  control: string;
  location: string;
  /** A TQ1 of the ORDER group's own TIMING (before its RXE). */
  timing?: Hl7Segment;
  /** RXD counted within this order, for an RXD without RXD-1. */
  dispenses: number;
}

interface Item {
  segment: Hl7Segment;
  name: ItemSegment;
  position: number;
  /** Position among the RXD of its order (RDS). */
  inOrder: number;
  patient: Hl7Patient;
  order: Order;
  location: string;
  /** RDE: the TQ1 of its TIMING_ENCODED group (after the RXE). */
  timing?: Hl7Segment;
  extraTimings: number;
}

interface Context {
  document: Hl7Document;
  msh: MshFields;
  clock: SenderClock;
  receivedAt: string | undefined;
}

interface Mapped {
  /** `code^system`, when readable, for the label. */
  code: string;
  events: MedicationAdministrationEvent[];
  reason?: string;
  notes: string[];
}

function parse(text: string, options: PharmacyParseOptions): PharmacyParse {
  const opened = openMessage(text, options, (msh) => messageTypeOf(msh) !== undefined);
  if (!opened.ok) return opened.failure;
  const message: OpenedMessage = opened.message;
  const { document, msh, fail } = message;
  const messageType = messageTypeOf(msh)!;
  const itemName = ITEM_SEGMENT[messageType];
  const maxAdministrations = options.maxAdministrations ?? DEFAULT_MAX_ADMINISTRATIONS;
  const itemCount = document.segments.reduce((n, s) => n + (s.name === itemName ? 1 : 0), 0);
  if (itemCount > maxAdministrations) {
    return fail(
      `${itemCount} ${itemName} in one message; at most ${maxAdministrations} are taken: send it in parts`,
      '207',
      'AR',
    );
  }
  const clocked = senderClock(message, options);
  if (!clocked.ok) return clocked.failure;
  const clock = clocked.clock;

  const warnings: string[] = [];
  const receivedAt = receivedIso(options.receivedAt, warnings);
  const items: Item[] = [];
  let patient: Hl7Patient | null = null;
  let visitLocation = '';
  let order: Order | null = null;
  let lastItem: Item | null = null;
  for (const [index, segment] of document.segments.entries()) {
    switch (segment.name) {
      case 'MSH':
        if (index > 0) return fail('more than one MSH segment: one message expected', '100');
        break;
      case 'PID': {
        const selected = selectPatient(document, segment);
        if (!selected.ok) return fail(selected.reason, '101');
        patient = selected.patient;
        visitLocation = '';
        order = null;
        lastItem = null;
        break;
      }
      case 'PV1':
        visitLocation = document.text(segment, 3, 1);
        break;
      case 'ORC':
        if (!patient) return fail('ORC segment before any PID segment', '100');
        order = {
          id: document.text(segment, 3, 1) || document.text(segment, 2, 1),
          control: document.text(segment, 1, 1).toUpperCase(),
          location: document.text(segment, 17, 1) || document.text(segment, 21, 1),
          dispenses: 0,
        };
        lastItem = null;
        break;
      case 'TQ1':
        if (messageType !== 'RDE^O11' || !order) break;
        if (lastItem) {
          if (lastItem.timing) lastItem.extraTimings += 1;
          else lastItem.timing = segment;
        } else {
          order.timing ??= segment;
        }
        break;
      case itemName: {
        const position = items.length + 1;
        if (!patient) return fail(`${itemName} segment before any PID segment`, '100');
        if (!order) return fail(`${itemName} ${position} is not inside an order (no ORC before it)`, '100');
        if (itemName === 'RXD') order.dispenses += 1;
        lastItem = {
          segment,
          name: itemName,
          position,
          inOrder: order.dispenses,
          patient,
          order,
          location: visitLocation || order.location,
          extraTimings: 0,
        };
        items.push(lastItem);
        break;
      }
      default:
        // RXR, RXC, RXO, NTE, OBX, PV2, Z-segments...: nothing an administration event carries.
        break;
    }
  }
  if (!patient) return fail('no PID segment', '101');
  if (items.length === 0) return fail(`no ${itemName} segment: the message carries no administration`, '101');

  const context: Context = { document, msh, clock, receivedAt };
  const events: MedicationAdministrationEvent[] = [];
  const refused: RefusedAdministration[] = [];
  const taken = new Map<string, number>();
  for (const item of items) {
    const mapped =
      item.name === 'RXA'
        ? mapAdministration(item, context)
        : item.name === 'RXD'
          ? mapDispense(item, context)
          : mapOrder(item, context);
    const label = `${item.name} ${item.position}${mapped.code ? ` (${mapped.code})` : ''}`;
    for (const note of mapped.notes) warnings.push(`${label}: ${note}`);
    let reason = mapped.reason;
    if (reason === undefined) reason = checkEvents(mapped.events, item, taken);
    if (reason !== undefined) {
      warnings.push(`${label}: skipped, ${reason}`);
      refused.push({ position: item.position, patient: item.patient, reason: `${label}: ${reason}` });
      continue;
    }
    for (const event of mapped.events) {
      taken.set(identity(event), item.position);
      events.push(event);
    }
  }
  if (events.length > maxAdministrations) {
    return fail(
      `${events.length} ordered days in one message; at most ${maxAdministrations} are taken: send it in parts`,
      '207',
      'AR',
    );
  }
  return {
    ok: true,
    header: headerOf(message, clock),
    messageType,
    events,
    warnings,
    skipped: refused.length,
    refused,
  };
}

const identity = (event: MedicationAdministrationEvent) =>
  [event.patient.authority, event.patient.id, event.administration.id].join('\u0000');

/** Every event of an item holds to the contract and has an id no earlier segment of the message took. */
function checkEvents(
  events: readonly MedicationAdministrationEvent[],
  item: Item,
  taken: ReadonlyMap<string, number>,
): string | undefined {
  const seen = new Set<string>();
  for (const event of events) {
    const key = identity(event);
    const earlier = taken.get(key);
    if (earlier !== undefined || seen.has(key)) {
      return `same administration id as ${item.name} ${earlier ?? item.position}; cannot be told apart`;
    }
    seen.add(key);
    const checked = parseMedicationAdministrationEvent(event);
    if (!checked.ok) return checked.reason;
  }
  return undefined;
}

function mapAdministration(item: Item, context: Context): Mapped {
  const { document } = context;
  const rxa = item.segment;
  const notes: string[] = [];
  const coded = readMedication(document, rxa, 5, 'RXA-5');
  if (!coded.ok) return { code: '', events: [], reason: coded.reason, notes };
  if (coded.note) notes.push(coded.note);
  const code = `${coded.medication.code}^${coded.medication.system}`;
  const refuse = (reason: string): Mapped => ({ code, events: [], reason, notes });

  const action = document.text(rxa, 21, 1).toUpperCase();
  const completion = document.text(rxa, 20, 1).toUpperCase();
  if (!['', 'A', 'U', 'D'].includes(action)) return refuse(`RXA-21 action code "${action}" is not supported`);
  if (!['', 'CP', 'PA', 'NA', 'RE'].includes(completion)) {
    return refuse(`RXA-20 completion status "${completion}" is not supported`);
  }
  const status: Status =
    action === 'D'
      ? 'entered-in-error'
      : WITHDRAWING_CONTROL.has(item.order.control) || completion === 'NA' || completion === 'RE'
        ? 'cancelled'
        : 'given';

  if (item.order.id === '') return refuse(ORDER_NUMBER_MISSING);
  const id = `${item.order.id}|${document.text(rxa, 1, 1)}|${document.text(rxa, 2, 1)}`;
  const when = readWhen(document.text(rxa, 3, 1), 'RXA-3 start date/time', status, context, notes);
  if (!when.ok) return refuse(when.reason);
  const dose = readDose(document, rxa, 6, 7, 'RXA-6', 'RXA-7', notes);
  return build(item, context, { id, status, evidence: 'administered', ...when.when, ...dose }, coded, notes);
}

function mapDispense(item: Item, context: Context): Mapped {
  const { document } = context;
  const rxd = item.segment;
  const notes: string[] = [];
  const coded = readMedication(document, rxd, 2, 'RXD-2');
  if (!coded.ok) return { code: '', events: [], reason: coded.reason, notes };
  if (coded.note) notes.push(coded.note);
  const code = `${coded.medication.code}^${coded.medication.system}`;
  const refuse = (reason: string): Mapped => ({ code, events: [], reason, notes });
  const status: Status = WITHDRAWING_CONTROL.has(item.order.control) ? 'cancelled' : 'given';
  if (item.order.id === '') return refuse(ORDER_NUMBER_MISSING);
  const id = `${item.order.id}|D|${document.text(rxd, 1, 1) || String(item.inOrder)}`;
  const when = readWhen(document.text(rxd, 3, 1), 'RXD-3 date/time dispensed', status, context, notes);
  if (!when.ok) return refuse(when.reason);
  const dose = readDose(document, rxd, 4, 5, 'RXD-4', 'RXD-5', notes);
  return build(item, context, { id, status, evidence: 'dispensed', ...when.when, ...dose }, coded, notes);
}

/** RXE: one event per calendar day from TQ1-7 to TQ1-8 (RXE-1.4/1.5 in a v2.3/2.4 order without TQ1). */
function mapOrder(item: Item, context: Context): Mapped {
  const { document, clock } = context;
  const rxe = item.segment;
  const notes: string[] = [];
  const coded = readMedication(document, rxe, 2, 'RXE-2');
  if (!coded.ok) return { code: '', events: [], reason: coded.reason, notes };
  if (coded.note) notes.push(coded.note);
  const code = `${coded.medication.code}^${coded.medication.system}`;
  const refuse = (reason: string): Mapped => ({ code, events: [], reason, notes });
  if (item.order.id === '') return refuse(ORDER_NUMBER_MISSING);
  const status: Status = WITHDRAWING_CONTROL.has(item.order.control) ? 'cancelled' : 'given';

  const tq1 = item.timing ?? item.order.timing;
  if (item.extraTimings > 0) notes.push('more than one TQ1 after the RXE; only the first is read');
  const [startName, endName] = tq1 ? ['TQ1-7', 'TQ1-8'] : ['RXE-1.4', 'RXE-1.5'];
  const startRaw = tq1 ? document.text(tq1, 7, 1) : document.text(rxe, 1, 4);
  const endRaw = tq1 ? document.text(tq1, 8, 1) : document.text(rxe, 1, 5);
  if (startRaw === '') {
    return refuse(`${startName} start date/time is missing: the ordered days cannot be known`);
  }
  const start = localDay(startRaw, clock);
  if (!start.ok) return refuse(`${startName} start date/time unreadable: ${start.reason}`);
  const end = endRaw === '' ? start : localDay(endRaw, clock);
  if (!end.ok) return refuse(`${endName} end date/time unreadable: ${end.reason}`);
  const first = DateTime.fromISO(start.day, { zone: 'UTC' });
  const count = Math.round(DateTime.fromISO(end.day, { zone: 'UTC' }).diff(first, 'days').days) + 1;
  if (count < 1) return refuse(`${endName} end is before ${startName} start`);
  if (count > MAX_ORDERED_DAYS) {
    return refuse(
      `${startName} to ${endName} spans ${count} days; at most ${MAX_ORDERED_DAYS} ordered days are taken from one RXE`,
    );
  }
  const dose = readDose(document, rxe, 3, 5, 'RXE-3', 'RXE-5', notes);
  const events: MedicationAdministrationEvent[] = [];
  for (let n = 0; n < count; n++) {
    const day = first.plus({ days: n }).toISODate()!;
    const built = build(
      item,
      context,
      { id: `${item.order.id}|O|${day}`, status, evidence: 'ordered', day, ...dose },
      coded,
      notes,
    );
    if (built.reason !== undefined) return built;
    events.push(...built.events);
  }
  return { code, events, notes };
}

type Status = MedicationAdministrationEvent['administration']['status'];
type Medication = MedicationAdministrationEvent['administration']['medication'];

const ORDER_NUMBER_MISSING =
  'ORC-3 filler and ORC-2 placer order numbers are empty: the administration has no identity to correct it by';

function build(
  item: Item,
  context: Context,
  administration: Omit<MedicationAdministrationEvent['administration'], 'medication'>,
  coded: { medication: Medication },
  notes: string[],
): Mapped {
  const { msh, clock, receivedAt } = context;
  const code = `${coded.medication.code}^${coded.medication.system}`;
  if (administration.id.length > MAX_HD) {
    return {
      code,
      events: [],
      reason: `administration id (order number and sub-ids) is longer than ${MAX_HD} characters`,
      notes,
    };
  }
  let location = item.location;
  if (location.length > MAX_ID) {
    const note = `location (PV1-3.1, ORC-17.1 or ORC-21.1) is longer than ${MAX_ID} characters; left out`;
    if (!notes.includes(note)) notes.push(note);
    location = '';
  }
  const event: MedicationAdministrationEvent = {
    schema: MEDICATION_ADMINISTRATION_SCHEMA,
    patient: { id: item.patient.id, authority: item.patient.authority },
    sender: { application: msh.sender.application, facility: msh.sender.facility },
    messageControlId: msh.controlId,
    administration: { ...administration, medication: coded.medication },
    ...(location ? { location } : {}),
    ...(clock.sent.ok ? { recordedAt: clock.sent.iso } : {}),
    ...(receivedAt ? { receivedAt } : {}),
  };
  return { code, events: [event], notes };
}

/**
 * A CWE medication code (`code^text^system^alt code^alt text^alt system`): the RxNorm triplet when one of the
 * two is RxNorm, else the primary (else the alternate when the primary has no code).
 */
function readMedication(
  document: Hl7Document,
  segment: Hl7Segment,
  field: number,
  name: string,
): { ok: true; medication: Medication; note?: string } | { ok: false; reason: string } {
  const triplet = (first: number) => ({
    code: document.text(segment, field, first),
    text: document.text(segment, field, first + 1),
    system: document.text(segment, field, first + 2),
  });
  const primary = triplet(1);
  const alternate = triplet(4);
  const chosen =
    primary.code && RXNORM.test(primary.system)
      ? primary
      : alternate.code && RXNORM.test(alternate.system)
        ? alternate
        : primary.code
          ? primary
          : alternate.code
            ? alternate
            : null;
  if (!chosen) return { ok: false, reason: `${name} medication code is missing` };
  let note: string | undefined;
  let system = chosen.system;
  if (RXNORM.test(system)) system = RXNORM_SYSTEM;
  else if (system === '') {
    system = 'L';
    note = `${name} coding system empty; L (local) used`;
  }
  if (chosen.code.length > MAX_ID)
    return { ok: false, reason: `${name} code is longer than ${MAX_ID} characters` };
  if (system.length > MAX_HD) {
    return { ok: false, reason: `${name} coding system is longer than ${MAX_HD} characters` };
  }
  const display = chosen.text.slice(0, MAX_DISPLAY);
  const medication: Medication = { code: chosen.code, system, ...(display ? { display } : {}) };
  return note ? { ok: true, medication, note } : { ok: true, medication };
}

/**
 * A date (`YYYYMMDD`: the day as written) or a date and time (the instant, with the sender's offset when it sent
 * none). A given administration needs one; a withdrawn one may come without.
 */
function readWhen(
  raw: string,
  name: string,
  status: Status,
  context: Context,
  notes: string[],
): { ok: true; when: { day?: string; at?: string } } | { ok: false; reason: string } {
  if (raw === '') {
    return status === 'given' ? { ok: false, reason: `${name} is missing` } : { ok: true, when: {} };
  }
  const read = parseHl7Timestamp(raw, context.clock.zone);
  if (!read.ok) return { ok: false, reason: `${name} unreadable: ${read.reason}` };
  if (read.dateOnly)
    return { ok: true, when: { day: `${raw.slice(0, 4)}-${raw.slice(4, 6)}-${raw.slice(6, 8)}` } };
  if (read.shiftedByDst) {
    notes.push(`${name} local time does not exist in ${context.clock.zoneName} (DST); moved forward`);
  }
  return { ok: true, when: { at: read.iso } };
}

/** The calendar day of a TS in the sender's zone (a date alone: the day written). */
function localDay(
  raw: string,
  clock: SenderClock,
): { ok: true; day: string } | { ok: false; reason: string } {
  const read = parseHl7Timestamp(raw, clock.zone);
  if (!read.ok) return read;
  if (read.dateOnly) return { ok: true, day: `${raw.slice(0, 4)}-${raw.slice(4, 6)}-${raw.slice(6, 8)}` };
  const day = DateTime.fromISO(read.iso, { zone: clock.zone }).toISODate();
  return day ? { ok: true, day } : { ok: false, reason: 'timestamp is not a calendar date' };
}

/**
 * An amount and its units as mg: mg, g and µg (ug, mcg) are converted; another unit, no unit or no number gives
 * no dose and a note. `999` in RXA-6 is HL7's "amount unknown" (immunization messages), not 999 mg.
 */
function readDose(
  document: Hl7Document,
  segment: Hl7Segment,
  amountField: number,
  unitField: number,
  amountName: string,
  unitName: string,
  notes: string[],
): { doseMg?: number } {
  const amount = document.text(segment, amountField, 1);
  if (amount === '') return {};
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(amount) || amount.length > 20) {
    notes.push(`${amountName} amount is not a number; no dose`);
    return {};
  }
  if (amountName === 'RXA-6' && amount === '999') {
    notes.push('RXA-6 999 means the amount is unknown; no dose');
    return {};
  }
  const identifier = document.text(segment, unitField, 1);
  const text = document.text(segment, unitField, 2);
  const factor = MG_PER_UNIT[identifier.toLowerCase()] ?? MG_PER_UNIT[text.toLowerCase()];
  if (factor === undefined) {
    const unit = (identifier || text).slice(0, 20);
    notes.push(
      unit
        ? `${unitName} unit ${unit} is not a mass (mg, g, ug); no dose`
        : `${unitName} unit is missing; no dose`,
    );
    return {};
  }
  const doseMg = Math.round(Number(amount) * factor * 1e6) / 1e6;
  return Number.isFinite(doseMg) ? { doseMg } : {};
}
