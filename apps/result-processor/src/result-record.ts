import { createHash } from 'node:crypto';
import {
  type CodeMappingTable,
  type DerivedCount,
  normaliseObservation,
  type PatientResult,
} from '@alem/clinical';
import { type LabResultEvent, senderForms } from '@alem/events';
import { type NewResult } from '@alem/persistence';

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

export function senderOf(event: LabResultEvent): string {
  return `${event.sender.application}^${event.sender.facility}`;
}

/**
 * The identity of an observation across messages: a correction (status corrected/deleted) from the same
 * sender carries the same one. The order number identifies the specimen; without it, the specimen time does.
 */
export function observationKey(patientId: string, event: LabResultEvent): string {
  const o = event.observation;
  const specimen = o.orderId ?? `t:${event.observedAt}`;
  return digest([patientId, senderOf(event), specimen, o.system, o.code, o.subId ?? ''].join('|'));
}

/** Sender + message control id + observation identity: a resent message maps to the same key. */
export function idempotencyKey(patientId: string, event: LabResultEvent): string {
  return digest([senderOf(event), event.messageControlId, observationKey(patientId, event)].join('|'));
}

export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
}

/** What the lab sent, and its normalised form, as a row to store. */
export function toNewResult(
  event: LabResultEvent,
  patientId: string,
  source: SourcePosition,
  now: Date,
  mappings?: CodeMappingTable,
): NewResult {
  const sender = senderOf(event);
  const normalised = normaliseObservation(
    {
      code: event.observation.code,
      system: event.observation.system,
      valueType: event.valueType,
      value: event.value,
      comparator: event.comparator ?? null,
      unit: event.unit ?? null,
      referenceRange: event.referenceRange ?? null,
    },
    { sender, senderForms: senderForms(event.sender), mappings },
  );
  return {
    idempotencyKey: idempotencyKey(patientId, event),
    observationKey: observationKey(patientId, event),
    patientId,
    sender,
    messageControlId: event.messageControlId,
    code: event.observation.code,
    codeSystem: event.observation.system,
    loinc: normalised.loinc,
    analyte: normalised.analyte,
    valueType: event.valueType,
    valueOriginal: event.value === null ? null : String(event.value),
    unitOriginal: event.unit ?? null,
    rangeOriginal: event.referenceRange ?? null,
    // The comparator the normaliser read: an SN's own, or one written in a text value (ST "<25"), which the
    // event does not carry. Dropping it would store "<25" as exactly 25 and miss PLT-4's emergency tier.
    comparator: normalised.comparator,
    value: normalised.value,
    unit: normalised.unit,
    ordinal: normalised.ordinal,
    range: normalised.range,
    basis: normalised.basis,
    abnormalFlags: event.flags ?? [],
    status: event.status,
    quality: normalised.quality,
    qualityReason: normalised.qualityReason,
    observedAt: new Date(event.observedAt),
    receivedAt: event.receivedAt ? new Date(event.receivedAt) : now,
    sourceTopic: source.topic,
    sourcePartition: source.partition,
    sourceOffset: source.offset,
    sourceMessageId: null,
    qualityFlags: normalised.qualityFlags ?? [],
    reportedUnit: normalised.reportedUnit ?? null,
    orderId: event.observation.orderId ?? null,
    derivation: null,
  };
}

/** The specimen a result belongs to: patient, collection instant and order (clinical rules §4.1). */
export function specimenKey(patientId: string, observedAt: Date, orderId: string | null): string {
  return [patientId, orderId ?? '', observedAt.toISOString()].join('|');
}

/** What a derived count is computed from: its specimen's rows, a message and a sender to file it under. */
export interface DerivedCountSource {
  patientId: string;
  observedAt: Date;
  orderId: string | null;
  /** The lab that sent the percentage (the derived count is filed under its feed). */
  sender: string;
  /** The message of the latest input: the one whose arrival completed the specimen. */
  messageControlId: string;
}

/**
 * A count derived from a differential (ANC = WBC × %/100) as a result row of its own: marked `derived`, with its
 * inputs and the sentence that explains it, the LOINC of the count without a method (26499-4, 26474-7) and no
 * value "as the lab sent it". Its observation identity is the specimen's: a derivation from corrected inputs
 * supersedes the earlier one; its idempotency key also names the inputs, so a redelivery derives nothing twice.
 */
export function derivedCountRecord(source: DerivedCountSource, count: DerivedCount, now: Date): NewResult {
  const specimen = specimenKey(source.patientId, source.observedAt, source.orderId);
  const loinc = count.analyte === 'neutrophils' ? '26499-4' : '26474-7';
  return {
    idempotencyKey: digest(['derived', specimen, count.analyte, count.fromResultIds.join(',')].join('|')),
    observationKey: digest(['derived', specimen, count.analyte].join('|')),
    patientId: source.patientId,
    sender: source.sender,
    messageControlId: source.messageControlId,
    code: loinc,
    codeSystem: 'derived',
    loinc,
    analyte: count.analyte,
    valueType: 'NM',
    valueOriginal: null,
    unitOriginal: null,
    rangeOriginal: null,
    comparator: count.comparator,
    value: count.value,
    unit: '10*9/L',
    ordinal: null,
    range: count.range,
    basis: null,
    abnormalFlags: [],
    status: count.status,
    quality: 'ok',
    qualityReason: null,
    observedAt: source.observedAt,
    receivedAt: now,
    sourceTopic: null,
    sourcePartition: null,
    sourceOffset: null,
    sourceMessageId: null,
    qualityFlags: ['derived'],
    reportedUnit: null,
    orderId: source.orderId,
    derivation: { text: count.text, fromResultIds: [...count.fromResultIds] },
  };
}

/** The stored row as the rule engine sees it. */
export function toPatientResult(row: NewResult, resultId: string): PatientResult {
  return {
    resultId,
    patientId: row.patientId,
    status: row.status,
    observedAt: row.observedAt,
    analyte: row.analyte,
    loinc: row.loinc,
    value: row.value,
    unit: row.unit,
    comparator: row.comparator,
    ordinal: row.ordinal,
    text: row.valueType === 'NM' || row.valueType === 'SN' ? null : row.valueOriginal,
    range: { ...row.range },
    basis: row.basis,
    quality: row.quality,
    qualityReason: row.qualityReason,
    ...(row.qualityFlags.length > 0 ? { qualityFlags: [...row.qualityFlags] } : {}),
    reportedUnit: row.reportedUnit,
    derivation: row.derivation,
  };
}
