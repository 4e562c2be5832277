import { type LabResultEvent } from '@alem/events';
import { TOPICS } from '@alem/messaging';
import { Client } from 'pg';
import { toNewResult } from '../../apps/result-processor/src/result-record';
import { AUTHORITY, FEED_START, ROUTINE } from './feed';

const DAY_MS = 86_400_000;
/** The stored history covers the two years before the feed's first observation. */
const HISTORY_DAYS = 730;
/**
 * A results table of 10 M rows is a site's years, not 5,000 patients' two years: 2,000 results each would be a
 * panel every nine hours. Each patient of the stored history has 200 results (a monthly panel of eight analytes
 * for two years), so 10 M rows belong to 50,000 patients: the feed's 5,000 and 45,000 monitored before, whose
 * enrolment has ended.
 */
export const HISTORY_RESULTS_PER_PATIENT = 200;
/** Rows per INSERT … SELECT: progress shows, and no statement holds the whole history in one go. */
const ROWS_PER_STATEMENT = 1_000_000;

export interface HistoryGeneration {
  rows: number;
  /** The patients the rows belong to: the feed's enrolled patients and others monitored before. */
  patients: number;
  seconds: number;
  insertSeconds: number;
  indexSeconds: number;
  analyzeSeconds: number;
  tableMiB: number;
  indexesMiB: number;
}

/**
 * The results table of a database that has been in use for years: `rows` results, 200 per patient
 * (`HISTORY_RESULTS_PER_PATIENT`), of the feed's enrolled patients and, past them, of patients whose enrolment
 * ended before the feed (added here), round-robin over the patients and the feed's analytes, evenly spaced over the 730 days before the feed starts,
 * each at the middle of its reference range (no rule would have found fault with them). The analyte, units,
 * ranges and grading columns are what the processor itself stores for such a result (`toNewResult` on one event
 * per analyte), so that the history reads are the ones a real history causes.
 *
 * Generated in SQL: the secondary indexes are dropped and built again after the insert (one sort each rather
 * than 10 M index insertions), with the same definitions, read from the catalogue; the foreign key checks are off
 * for the insert (session_replication_role = replica: every patient_id comes from the patients table itself).
 */
export async function storeHistory(url: string, rows: number): Promise<HistoryGeneration> {
  const templates = ROUTINE.map((analyte) => {
    const value = analyte.value(0.5);
    const event: LabResultEvent = {
      schema: 'lab-result.v1',
      patient: { id: 'HISTORY', authority: AUTHORITY },
      sender: { application: 'LIS', facility: 'BENCH-LAB' },
      messageControlId: 'HISTORY',
      observation: { code: analyte.code, system: 'LN', orderId: 'HISTORY' },
      valueType: 'NM',
      value,
      unit: analyte.unit,
      referenceRange: analyte.range,
      status: 'final',
      observedAt: new Date(FEED_START).toISOString(),
    };
    return toNewResult(
      event,
      '00000000-0000-0000-0000-000000000000',
      { topic: TOPICS.labResults, partition: 0, offset: '0' },
      new Date(),
    );
  });
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const started = performance.now();
    const indexes = (
      await client.query<{ name: string; definition: string }>(
        `SELECT i.indexname AS name, i.indexdef AS definition FROM pg_indexes i
         WHERE i.schemaname = current_schema() AND i.tablename = 'results'
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
      )
    ).rows;
    await client.query(`DROP INDEX ${indexes.map((i) => `"${i.name}"`).join(', ')}`);
    await client.query(`SET synchronous_commit = off`);
    await client.query(`SET session_replication_role = replica`);
    await client.query(`SET maintenance_work_mem = '256MB'`);
    const enrolled = Number((await client.query(`SELECT count(*) AS n FROM patients`)).rows[0].n);
    const wanted = Math.max(enrolled, Math.ceil(rows / HISTORY_RESULTS_PER_PATIENT));
    if (wanted > enrolled) {
      await client.query(
        `INSERT INTO patients (site_id, care_team_id, indication, enrolled_at, enrolment_ended_at)
         SELECT p.site_id, p.care_team_id, p.indication, $2::timestamptz - interval '3 years', $2::timestamptz - interval '30 days'
         FROM (SELECT site_id, care_team_id, indication FROM patients LIMIT 1) p, generate_series(1, $1::int)`,
        [wanted - enrolled, new Date(FEED_START).toISOString()],
      );
    }
    await client.query(
      `CREATE TEMP TABLE history_patients AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM patients`,
    );
    const patients = Number((await client.query(`SELECT count(*) AS n FROM history_patients`)).rows[0].n);
    const perPatient = Math.ceil(rows / patients);
    const stepMs = (HISTORY_DAYS * DAY_MS) / perPatient;
    // One row per analyte: what the processor stored for a normal result of it (jsonb_to_recordset below).
    const analytes = JSON.stringify(
      templates.map((r) => ({
        code: r.code,
        code_system: r.codeSystem,
        loinc: r.loinc,
        analyte: r.analyte,
        value_type: r.valueType,
        value_original: r.valueOriginal,
        unit_original: r.unitOriginal,
        range_original: r.rangeOriginal,
        value: r.value,
        unit: r.unit,
        range_low: r.range.low,
        range_high: r.range.high,
        range_source: r.range.source,
        status: r.status,
        quality: r.quality,
        reported_unit: r.reportedUnit,
      })),
    );
    const at = new Date(FEED_START - HISTORY_DAYS * DAY_MS).toISOString();
    for (let from = 0; from < rows; from += ROWS_PER_STATEMENT) {
      const to = Math.min(rows, from + ROWS_PER_STATEMENT) - 1;
      // Row i: patient i mod P, the (i div P)-th result of that patient, analytes in turn; patients' draws fall at
      // different times within each step.
      await client.query(
        `WITH t AS (
           SELECT row_number() OVER () - 1 AS k, * FROM jsonb_to_recordset($1::jsonb) AS x(
             code text, code_system text, loinc text, analyte text, value_type text, value_original text,
             unit_original text, range_original text, value numeric, unit text, range_low numeric, range_high numeric,
             range_source text, status text, quality text, reported_unit text))
         INSERT INTO results (idempotency_key, observation_key, patient_id, sender, message_control_id, code,
                              code_system, loinc, analyte, value_type, value_original, unit_original, range_original,
                              value, unit, range_low, range_high, range_source, status, quality, reported_unit,
                              order_id, observed_at, received_at, stored_at)
         SELECT 'history|' || g.i, 'history|' || g.i, p.id, 'LIS^BENCH-LAB', 'H-' || g.i, t.code, t.code_system,
                t.loinc, t.analyte, t.value_type, t.value_original, t.unit_original, t.range_original, t.value, t.unit,
                t.range_low, t.range_high, t.range_source, t.status, t.quality, t.reported_unit, 'HO-' || g.i,
                o.at, o.at + interval '1 hour', o.at + interval '1 hour'
         FROM generate_series($2::bigint, $3::bigint) AS g(i)
         JOIN history_patients p ON p.n = g.i % $4::bigint
         JOIN t ON t.k = (g.i / $4::bigint) % $5::bigint
         CROSS JOIN LATERAL (SELECT $6::timestamptz + ((g.i / $4) + (p.n % 97) / 97.0) * $7::double precision * interval '1 millisecond' AS at) o`,
        [analytes, from, to, patients, templates.length, at, stepMs],
      );
    }
    await client.query(`SET session_replication_role = origin`);
    const inserted = performance.now();
    for (const index of indexes) await client.query(index.definition);
    const indexed = performance.now();
    await client.query(`ANALYZE results`);
    const analyzed = performance.now();
    const [size] = (
      await client.query<{ table: string; indexes: string }>(
        `SELECT pg_table_size('results') AS table, pg_indexes_size('results') AS indexes`,
      )
    ).rows;
    return {
      rows,
      patients,
      seconds: (analyzed - started) / 1000,
      insertSeconds: (inserted - started) / 1000,
      indexSeconds: (indexed - inserted) / 1000,
      analyzeSeconds: (analyzed - indexed) / 1000,
      tableMiB: Number(size!.table) / 2 ** 20,
      indexesMiB: Number(size!.indexes) / 2 ** 20,
    };
  } finally {
    await client.end();
  }
}
