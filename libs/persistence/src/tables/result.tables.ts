import {
  type AnalyteId,
  type Comparator,
  type DDimerBasis,
  type RangeSource,
  type ResultQuality,
  type ResultStatus,
} from '@alem/clinical';
import { type LabResultEvent } from '@alem/events';
import {
  bigint,
  bigintArray,
  bigserial,
  int,
  numeric,
  type RowOf,
  table,
  text,
  timestamptz,
  uuid,
} from './table';

/** One observation of one patient, as the lab sent it and normalised (see `NewResult`). */
export const resultsTable = table('results', {
  id: bigserial(),
  idempotency_key: text(),
  observation_key: text(),
  patient_id: uuid(),
  sender: text(),
  message_control_id: text(),
  code: text(),
  code_system: text(),
  loinc: text().orNull(),
  analyte: text<AnalyteId>().orNull(),
  value_type: text<LabResultEvent['valueType']>(),
  value_original: text().orNull(),
  unit_original: text().orNull(),
  range_original: text().orNull(),
  comparator: text<Comparator>().orNull(),
  value: numeric().orNull(),
  unit: text().orNull(),
  ordinal: numeric().orNull(),
  range_low: numeric().orNull(),
  range_high: numeric().orNull(),
  range_source: text<RangeSource>().withDefault("'none'::text"),
  basis: text<DDimerBasis>().orNull(),
  abnormal_flags: text().orNull(),
  status: text<ResultStatus>(),
  quality: text<ResultQuality>(),
  quality_reason: text().orNull(),
  observed_at: timestamptz(),
  received_at: timestamptz(),
  stored_at: timestamptz().withDefault('now()'),
  superseded_by: bigint().orNull(),
  retracted_at: timestamptz().orNull(),
  source_topic: text().orNull(),
  source_partition: int().orNull(),
  source_offset: bigint().orNull(),
  /** The HL7 message this result came from (JSON events are stored as their columns). */
  source_message_id: bigint().orNull(),
  /** The normaliser's flags (`QualityFlag`), comma-separated (e.g. `d-dimer-basis-unknown`). */
  quality_flags: text().orNull(),
  /** The UCUM code the value was reported in (thresholds written in that unit system are judged in it). */
  reported_unit: text().orNull(),
  /** The order (OBR-2/3): with the collection time, the specimen. */
  order_id: text().orNull(),
  /** A derived count's inputs (same specimen) and how it was computed. */
  derived_from: bigintArray().orNull(),
  derivation: text().orNull(),
  /** Why a data-quality rule holds the result from grading, and who released it. */
  review_hold: text().orNull(),
  released_at: timestamptz().orNull(),
  released_by: uuid().orNull(),
  release_reason: text().orNull(),
});

/** An original HL7 v2 message behind results that were kept. */
export const sourceMessagesTable = table('source_messages', {
  id: bigserial(),
  sender: text(),
  message_control_id: text(),
  content_type: text(),
  body: text(),
  received_at: timestamptz(),
  source_topic: text().orNull(),
  source_partition: int().orNull(),
  source_offset: bigint().orNull(),
});

export type ResultRow = RowOf<typeof resultsTable>;
