import { Injectable } from '@nestjs/common';
import {
  type Derivation,
  type NormalisedObservation,
  type QualityFlag,
  type ResultStatus,
} from '@alem/clinical';
import { type LabResultEvent } from '@alem/events';
import { type EntityManager } from 'typeorm';
import { queryRows } from '../query-rows';
import { type ResultRow } from '../tables/result.tables';
import { wakeOnResultsSql } from './monitoring.repository';

/** A result ready to be stored: what the lab sent, and its normalised form, in the domain's own types. */
export interface NewResult extends Pick<
  NormalisedObservation,
  | 'analyte'
  | 'loinc'
  | 'value'
  | 'unit'
  | 'comparator'
  | 'ordinal'
  | 'range'
  | 'basis'
  | 'quality'
  | 'qualityReason'
> {
  idempotencyKey: string;
  observationKey: string;
  patientId: string;
  sender: string;
  messageControlId: string;
  code: string;
  codeSystem: string;
  /** OBX-2, as the lab sent it (a derived count is `NM`). */
  valueType: LabResultEvent['valueType'];
  valueOriginal: string | null;
  unitOriginal: string | null;
  rangeOriginal: string | null;
  /** OBX-8, as the lab sent them; empty when it sent none. */
  abnormalFlags: string[];
  status: ResultStatus;
  /** See {@link QualityFlag}; empty when there is nothing to flag. */
  qualityFlags: QualityFlag[];
  observedAt: Date;
  receivedAt: Date;
  sourceTopic: string | null;
  sourcePartition: number | null;
  sourceOffset: string | null;
  sourceMessageId: string | null;
  /** The UCUM code the value was reported in, when it was converted (see `NormalisedObservation`). */
  reportedUnit: string | null;
  /** The order the observation belongs to (OBR-2/3); with `observedAt`, the specimen. */
  orderId: string | null;
  /** A derived count: the stored results it was computed from, and how (null for what a lab sent). */
  derivation: Derivation | null;
}

/** A list as one text (`unnest` cannot take an array of arrays of varying length); an empty one as NULL. */
function joined(list: readonly string[]): string | null {
  return list.length > 0 ? list.join(',') : null;
}

/** The normaliser's flags as `results.quality_flags` keeps them (comma-separated; null for none), read back. */
export function qualityFlagsOf(column: string | null): QualityFlag[] {
  return column ? (column.split(',') as QualityFlag[]) : [];
}

/**
 * Column name, SQL array type, and how to read the value off a NewResult: one list drives the bulk insert. Here,
 * and only here, the domain's values become SQL parameters (one array of each column's type).
 */
const COLUMNS: ReadonlyArray<readonly [string, string, (r: NewResult) => unknown]> = [
  ['idempotency_key', 'text', (r) => r.idempotencyKey],
  ['observation_key', 'text', (r) => r.observationKey],
  ['patient_id', 'uuid', (r) => r.patientId],
  ['sender', 'text', (r) => r.sender],
  ['message_control_id', 'text', (r) => r.messageControlId],
  ['code', 'text', (r) => r.code],
  ['code_system', 'text', (r) => r.codeSystem],
  ['loinc', 'text', (r) => r.loinc],
  ['analyte', 'text', (r) => r.analyte],
  ['value_type', 'text', (r) => r.valueType],
  ['value_original', 'text', (r) => r.valueOriginal],
  ['unit_original', 'text', (r) => r.unitOriginal],
  ['range_original', 'text', (r) => r.rangeOriginal],
  ['comparator', 'text', (r) => r.comparator],
  ['value', 'numeric', (r) => r.value],
  ['unit', 'text', (r) => r.unit],
  ['ordinal', 'numeric', (r) => r.ordinal],
  ['range_low', 'numeric', (r) => r.range.low],
  ['range_high', 'numeric', (r) => r.range.high],
  ['range_source', 'text', (r) => r.range.source],
  ['basis', 'text', (r) => r.basis],
  ['abnormal_flags', 'text', (r) => joined(r.abnormalFlags)],
  ['status', 'text', (r) => r.status],
  ['quality', 'text', (r) => r.quality],
  ['quality_reason', 'text', (r) => r.qualityReason],
  ['observed_at', 'timestamptz', (r) => r.observedAt.toISOString()],
  ['received_at', 'timestamptz', (r) => r.receivedAt.toISOString()],
  ['source_topic', 'text', (r) => r.sourceTopic],
  ['source_partition', 'int', (r) => r.sourcePartition],
  ['source_offset', 'bigint', (r) => r.sourceOffset],
  ['source_message_id', 'bigint', (r) => r.sourceMessageId],
  ['quality_flags', 'text', (r) => joined(r.qualityFlags)],
  ['reported_unit', 'text', (r) => r.reportedUnit],
  ['order_id', 'text', (r) => r.orderId],
  // The inputs travel as a comma-separated text, which the statement turns back into a bigint[].
  ['derived_from', 'text', (r) => (r.derivation ? r.derivation.fromResultIds.join(',') : null)],
  ['derivation', 'text', (r) => r.derivation?.text ?? null],
];

export const INSERT_RESULTS_SQL = `
  INSERT INTO results (${COLUMNS.map(([name]) => name).join(', ')})
  SELECT ${COLUMNS.map(([name]) => (name === 'derived_from' ? `string_to_array(${name}, ',')::bigint[]` : name)).join(', ')}
  FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
    AS t(${COLUMNS.map(([name]) => name).join(', ')})
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING id, idempotency_key`;

/**
 * The batch's one write of results, in one round trip: the insert (a result whose idempotency key is stored is
 * skipped), the monitoring mark of the patients it stored results of (their schedule is re-evaluated at the next
 * sweep: a missed result may now be met), and every row of the observations it stored a result of, earlier rows
 * included, which reconciliation reads. The CTEs share one snapshot: `earlier` sees the rows stored before this
 * statement and not those `stored` inserts, which come back from the insert itself. Three round trips of every
 * batch before; each costs the processor's thread a socket write and a protocol exchange.
 */
const STORE_RESULTS_SQL = `
  WITH stored AS (
    INSERT INTO results (${COLUMNS.map(([name]) => name).join(', ')})
    SELECT ${COLUMNS.map(([name]) => (name === 'derived_from' ? `string_to_array(${name}, ',')::bigint[]` : name)).join(', ')}
    FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
      AS t(${COLUMNS.map(([name]) => name).join(', ')})
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id, idempotency_key, observation_key, patient_id, status
  ), woken AS (
    ${wakeOnResultsSql('SELECT patient_id FROM stored')}
  ), earlier AS (
    SELECT r.id, r.observation_key, r.status, r.superseded_by, r.retracted_at IS NOT NULL AS retracted
    FROM (SELECT DISTINCT observation_key FROM stored) k
    CROSS JOIN LATERAL (SELECT id, observation_key, status, superseded_by, retracted_at FROM results
                        WHERE observation_key = k.observation_key OFFSET 0) r
  )
  SELECT id, idempotency_key, observation_key, status, NULL::bigint AS superseded_by, false AS retracted FROM stored
  UNION ALL
  SELECT id, NULL, observation_key, status, superseded_by, retracted FROM earlier`;

/** The bulk-insert parameters (one array per column) for a list of results. */
export function resultInsertParameters(rows: readonly NewResult[]): unknown[][] {
  return COLUMNS.map(([, , read]) => rows.map(read));
}

export interface NewSourceMessage {
  sender: string;
  messageControlId: string;
  contentType: string;
  body: string;
  receivedAt: Date;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
}

/** A stored row of an observation, as reconciliation reads it. */
export interface ObservationRow {
  id: string;
  observationKey: string;
  status: ResultStatus;
  supersededBy: string | null;
  retracted: boolean;
}

/** What `store` did: the results it inserted, and the rows of their observations. */
export interface StoredResults {
  /** The ids of the rows inserted, by idempotency key: only these are new. */
  inserted: Map<string, string>;
  /** Every row of the inserted results' observations, stored before or now: what `reconcileObservations` reads. */
  observations: ObservationRow[];
}

/** What reconciling corrections and deletions changed: results no longer current, and those withdrawn. */
export interface ObservationReconciliation {
  /** Results replaced by a more authoritative one of the same observation (a correction, a final). */
  superseded: Array<{ resultId: string; by: string }>;
  /** Results withdrawn by a deletion (OBX-11 D). */
  retracted: string[];
}

export function sourceMessageKey(sender: string, messageControlId: string): string {
  return `${sender}|${messageControlId}`;
}

/** One specimen: a patient's results of one collection time and order (the order may be unknown). */
export interface Specimen {
  patientId: string;
  observedAt: Date;
  orderId: string | null;
}

/** A current result of a specimen, as the count derivation reads it. */
export type SpecimenResultRow = Pick<
  ResultRow,
  | 'id'
  | 'patient_id'
  | 'sender'
  | 'message_control_id'
  | 'analyte'
  | 'value'
  | 'comparator'
  | 'status'
  | 'quality'
  | 'quality_flags'
  | 'order_id'
  | 'observed_at'
  | 'derived_from'
>;

@Injectable()
export class ResultRepository {
  /**
   * Stores results in one statement (`STORE_RESULTS_SQL`): inserts those not stored yet, wakes their patients'
   * monitoring, and returns the ids inserted with the rows of their observations.
   */
  async store(manager: EntityManager, rows: readonly NewResult[]): Promise<StoredResults> {
    const inserted = new Map<string, string>();
    const observations: ObservationRow[] = [];
    if (rows.length === 0) return { inserted, observations };
    const returned = await queryRows<
      Pick<ResultRow, 'id' | 'observation_key' | 'status' | 'superseded_by'> & {
        /** Null for the rows stored before. */
        idempotency_key: string | null;
        retracted: boolean;
      }
    >(manager, STORE_RESULTS_SQL, resultInsertParameters(rows));
    for (const row of returned) {
      const id = String(row.id);
      if (row.idempotency_key !== null) inserted.set(row.idempotency_key, id);
      observations.push({
        id,
        observationKey: row.observation_key,
        status: row.status,
        supersededBy: row.superseded_by === null ? null : String(row.superseded_by),
        retracted: row.retracted,
      });
    }
    return { inserted, observations };
  }

  /**
   * The current results of these analytes in each specimen: same patient, same collection instant, same order
   * (or both without one). One index lookup per specimen (patient, analyte, observed_at).
   */
  async specimenResults(
    manager: EntityManager,
    specimens: readonly Specimen[],
    analytes: readonly string[],
  ): Promise<SpecimenResultRow[]> {
    if (specimens.length === 0) return [];
    return queryRows<SpecimenResultRow>(
      manager,
      `SELECT r.* FROM unnest($1::uuid[], $2::timestamptz[], $3::text[]) AS s(patient_id, observed_at, order_id)
       CROSS JOIN LATERAL (
         SELECT id, patient_id, sender, message_control_id, analyte, value, comparator, status, quality,
                quality_flags, order_id, observed_at, derived_from
         FROM results r
         WHERE r.patient_id = s.patient_id AND r.analyte = ANY($4::text[]) AND r.observed_at = s.observed_at
           AND r.order_id IS NOT DISTINCT FROM s.order_id
           AND r.superseded_by IS NULL AND r.retracted_at IS NULL
         OFFSET 0) r`,
      [
        specimens.map((s) => s.patientId),
        specimens.map((s) => s.observedAt.toISOString()),
        specimens.map((s) => s.orderId),
        analytes,
      ],
    );
  }

  /**
   * Withdraws the derived counts computed from any of these results (a correction replaced an input, or a
   * deletion withdrew it): they no longer say what the lab says. Returns those withdrawn, with their inputs.
   */
  async withdrawDerivedFrom(
    manager: EntityManager,
    inputIds: readonly string[],
    now: Date,
  ): Promise<Array<{ resultId: string; derivedFrom: string[] }>> {
    if (inputIds.length === 0) return [];
    const rows = await queryRows<{ id: string; derived_from: string[] }>(
      manager,
      `UPDATE results SET retracted_at = $2
       WHERE derived_from && $1::bigint[] AND retracted_at IS NULL
       RETURNING id, derived_from`,
      [inputIds, now.toISOString()],
    );
    return rows.map((r) => ({ resultId: String(r.id), derivedFrom: r.derived_from.map(String) }));
  }

  /** Records why a data-quality rule holds each result from grading (DD-4), until a reviewer releases it. */
  async holdForReview(
    manager: EntityManager,
    holds: ReadonlyArray<{ resultId: string; reason: string }>,
  ): Promise<void> {
    if (holds.length === 0) return;
    await manager.query(
      `UPDATE results r SET review_hold = h.reason
       FROM unnest($1::bigint[], $2::text[]) AS h(id, reason)
       WHERE r.id = h.id AND r.released_at IS NULL`,
      [holds.map((h) => h.resultId), holds.map((h) => h.reason)],
    );
  }

  /**
   * Stores original messages (once per sender and control id: a resent message is the same message) and
   * returns their ids by `sourceMessageKey`.
   */
  async insertSourceMessages(
    manager: EntityManager,
    messages: readonly NewSourceMessage[],
  ): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    if (messages.length === 0) return ids;
    const rows: Array<{ id: string; sender: string; message_control_id: string }> = await manager.query(
      `INSERT INTO source_messages (sender, message_control_id, content_type, body, received_at, source_topic, source_partition, source_offset)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::int[], $8::bigint[])
       ON CONFLICT (sender, message_control_id) DO UPDATE SET sender = EXCLUDED.sender
       RETURNING id, sender, message_control_id`,
      [
        messages.map((m) => m.sender),
        messages.map((m) => m.messageControlId),
        messages.map((m) => m.contentType),
        messages.map((m) => m.body),
        messages.map((m) => m.receivedAt.toISOString()),
        messages.map((m) => m.sourceTopic),
        messages.map((m) => m.sourcePartition),
        messages.map((m) => m.sourceOffset),
      ],
    );
    for (const r of rows) ids.set(sourceMessageKey(r.sender, r.message_control_id), String(r.id));
    return ids;
  }

  /**
   * Makes one result current per observation after new results arrived (`observations`: every row of their
   * observations, from `store`): a correction outranks a final, which outranks a preliminary; among equals the
   * latest stored wins. Others are marked superseded by the current one. A deletion withdraws every earlier result
   * of its observation. Works whatever order the messages arrive in (a stale final resent after its correction
   * stays superseded). Nearly always each observation has one row, and nothing is written.
   */
  async reconcileObservations(
    manager: EntityManager,
    observations: readonly ObservationRow[],
    now: Date,
  ): Promise<ObservationReconciliation> {
    const byKey = new Map<string, ObservationRow[]>();
    for (const row of observations) {
      const group = byKey.get(row.observationKey);
      if (group) group.push(row);
      else byKey.set(row.observationKey, [row]);
    }
    const toRetract: string[] = [];
    const toSupersede: Array<{ resultId: string; by: string }> = [];
    const rank = (status: string) => (status === 'corrected' ? 2 : status === 'final' ? 1 : 0);
    for (const group of byKey.values()) {
      if (group.length < 2) continue;
      const ids = (r: { id: string }) => BigInt(r.id);
      const deletion = group
        .filter((r) => r.status === 'deleted')
        .sort((a, b) => (ids(b) > ids(a) ? 1 : -1))[0];
      const live = group.filter((r) => r.status !== 'deleted' && !r.retracted);
      const withdrawn = deletion ? live.filter((r) => ids(r) < ids(deletion)) : [];
      toRetract.push(...withdrawn.map((r) => String(r.id)));
      const candidates = live.filter(
        (r) => !withdrawn.includes(r) && ['preliminary', 'final', 'corrected'].includes(r.status),
      );
      const current = [...candidates].sort(
        (a, b) => rank(b.status) - rank(a.status) || (ids(b) > ids(a) ? 1 : -1),
      )[0];
      for (const r of candidates) {
        if (r !== current && r.supersededBy !== current!.id)
          toSupersede.push({ resultId: String(r.id), by: String(current!.id) });
      }
    }
    if (toRetract.length > 0) {
      await manager.query(`UPDATE results SET retracted_at = $2 WHERE id = ANY($1::bigint[])`, [
        toRetract,
        now.toISOString(),
      ]);
    }
    if (toSupersede.length > 0) {
      await manager.query(
        `UPDATE results r SET superseded_by = t.by FROM unnest($1::bigint[], $2::bigint[]) AS t(id, by) WHERE r.id = t.id`,
        [toSupersede.map((x) => x.resultId), toSupersede.map((x) => x.by)],
      );
    }
    return { superseded: toSupersede, retracted: toRetract };
  }
}
