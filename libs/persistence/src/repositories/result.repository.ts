import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { queryRows } from '../query-rows';

/** A result ready to be stored: what the lab sent, and its normalised form. */
export interface NewResult {
  idempotencyKey: string;
  observationKey: string;
  patientId: string;
  sender: string;
  messageControlId: string;
  code: string;
  codeSystem: string;
  loinc: string | null;
  analyte: string | null;
  valueType: string;
  valueOriginal: string | null;
  unitOriginal: string | null;
  rangeOriginal: string | null;
  comparator: string | null;
  value: number | null;
  unit: string | null;
  ordinal: number | null;
  rangeLow: number | null;
  rangeHigh: number | null;
  rangeSource: string;
  basis: string | null;
  abnormalFlags: string | null;
  status: string;
  quality: string;
  qualityReason: string | null;
  observedAt: Date;
  receivedAt: Date;
  sourceTopic: string | null;
  sourcePartition: number | null;
  sourceOffset: string | null;
  sourceMessageId: string | null;
  qualityFlags: string | null;
}

/** Column name, SQL array type, and how to read the value off a NewResult: one list drives the bulk insert. */
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
  ['range_low', 'numeric', (r) => r.rangeLow],
  ['range_high', 'numeric', (r) => r.rangeHigh],
  ['range_source', 'text', (r) => r.rangeSource],
  ['basis', 'text', (r) => r.basis],
  ['abnormal_flags', 'text', (r) => r.abnormalFlags],
  ['status', 'text', (r) => r.status],
  ['quality', 'text', (r) => r.quality],
  ['quality_reason', 'text', (r) => r.qualityReason],
  ['observed_at', 'timestamptz', (r) => r.observedAt.toISOString()],
  ['received_at', 'timestamptz', (r) => r.receivedAt.toISOString()],
  ['source_topic', 'text', (r) => r.sourceTopic],
  ['source_partition', 'int', (r) => r.sourcePartition],
  ['source_offset', 'bigint', (r) => r.sourceOffset],
  ['source_message_id', 'bigint', (r) => r.sourceMessageId],
  ['quality_flags', 'text', (r) => r.qualityFlags],
];

export const INSERT_RESULTS_SQL = `
  INSERT INTO results (${COLUMNS.map(([name]) => name).join(', ')})
  SELECT * FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING id, idempotency_key`;

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

@Injectable()
export class ResultRepository {
  /**
   * Inserts results in one statement; a result whose idempotency key is already stored is skipped.
   * Returns the ids of the rows actually inserted, by idempotency key: only these are new.
   */
  async insertNew(manager: EntityManager, rows: readonly NewResult[]): Promise<Map<string, string>> {
    const inserted = new Map<string, string>();
    if (rows.length === 0) return inserted;
    const returned: Array<{ id: string; idempotency_key: string }> = await manager.query(
      INSERT_RESULTS_SQL,
      resultInsertParameters(rows),
    );
    for (const row of returned) inserted.set(row.idempotency_key, String(row.id));
    return inserted;
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
   * Makes one result current per observation after new results arrived for these observation keys: a
   * correction outranks a final, which outranks a preliminary; among equals the latest stored wins. Others
   * are marked superseded by the current one. A deletion withdraws every earlier result of its observation.
   * Works whatever order the messages arrive in (a stale final resent after its correction stays superseded).
   */
  async reconcileObservations(
    manager: EntityManager,
    observationKeys: readonly string[],
    now: Date,
  ): Promise<ObservationReconciliation> {
    if (observationKeys.length === 0) return { superseded: [], retracted: [] };
    // One read, driven by index lookups per key (OFFSET 0 keeps the planner from turning it into a join over the
    // whole table): the rows of these observations. Nearly always each key has one row, and nothing is written.
    const rows = await queryRows<{
      id: string;
      observation_key: string;
      status: string;
      superseded_by: string | null;
      retracted: boolean;
    }>(
      manager,
      `SELECT r.id, r.observation_key, r.status, r.superseded_by, r.retracted_at IS NOT NULL AS retracted
       FROM (SELECT DISTINCT unnest($1::text[]) AS key) k
       CROSS JOIN LATERAL (SELECT id, observation_key, status, superseded_by, retracted_at FROM results
                           WHERE observation_key = k.key OFFSET 0) r`,
      [observationKeys],
    );
    const byKey = new Map<string, typeof rows>();
    for (const row of rows) byKey.set(row.observation_key, [...(byKey.get(row.observation_key) ?? []), row]);
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
        if (r !== current && String(r.superseded_by) !== String(current!.id))
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
