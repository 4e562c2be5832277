import type { MedicationAdministrationEvent } from '@alem/events';
import { type Hl7Header, type Hl7ParseFailure, type OruParseOptions } from './hl7-parse.types';

/**
 * HL7 v2 pharmacy messages → `medication-administration.v1` events (issue 18): `RAS^O17` (one event per RXA),
 * `RDS^O13` (one per RXD: a dispense), `RDE^O11` (an encoded order: one per ordered day, evidence `ordered`).
 * STUB: the parser is being written; the signature is the contract the gateway codes against.
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
  events: MedicationAdministrationEvent[];
  warnings: string[];
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

/** Parses a pharmacy message; never throws. */
export function parsePharmacyMessage(_text: string, _options: PharmacyParseOptions = {}): PharmacyParse {
  return { ok: false, reason: 'pharmacy messages are not read yet', ackCode: 'AR', errorCode: '200' };
}
