import { createHash } from 'node:crypto';
import { type CodeMappingTable, normaliseObservation, type PatientResult } from '@alem/clinical';
import { type LabResultEvent } from '@alem/messaging';
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
    { sender, mappings },
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
    comparator: event.comparator ?? null,
    value: normalised.value,
    unit: normalised.unit,
    ordinal: normalised.ordinal,
    rangeLow: normalised.range.low,
    rangeHigh: normalised.range.high,
    rangeSource: normalised.range.source,
    basis: normalised.basis,
    abnormalFlags: event.flags && event.flags.length > 0 ? event.flags.join(',') : null,
    status: event.status,
    quality: normalised.quality,
    qualityReason: normalised.qualityReason,
    observedAt: new Date(event.observedAt),
    receivedAt: event.receivedAt ? new Date(event.receivedAt) : now,
    sourceTopic: source.topic,
    sourcePartition: source.partition,
    sourceOffset: source.offset,
    sourceMessageId: null,
    qualityFlags:
      normalised.qualityFlags && normalised.qualityFlags.length > 0
        ? normalised.qualityFlags.join(',')
        : null,
  };
}

/** The stored row as the rule engine sees it. */
export function toPatientResult(row: NewResult, resultId: string): PatientResult {
  return {
    resultId,
    patientId: row.patientId,
    status: row.status as PatientResult['status'],
    observedAt: row.observedAt,
    analyte: row.analyte as PatientResult['analyte'],
    loinc: row.loinc,
    value: row.value,
    unit: row.unit,
    comparator: row.comparator as PatientResult['comparator'],
    ordinal: row.ordinal,
    text: row.valueType === 'NM' || row.valueType === 'SN' ? null : row.valueOriginal,
    range: {
      low: row.rangeLow,
      high: row.rangeHigh,
      source: row.rangeSource as PatientResult['range']['source'],
    },
    basis: row.basis as PatientResult['basis'],
    quality: row.quality as PatientResult['quality'],
    qualityReason: row.qualityReason,
    ...(row.qualityFlags
      ? { qualityFlags: row.qualityFlags.split(',') as NonNullable<PatientResult['qualityFlags']> }
      : {}),
  };
}
