import { type LabResultEvent } from '@alem/events';
import { CONTENT_TYPES, HEADERS, type OutboundMessage } from '@alem/messaging';
import { type DataSource } from 'typeorm';

/** A synthetic lab feed: a health system's results, some of them for enrolled patients. */

export const AUTHORITY = 'BENCH-HOSPITAL';

/**
 * Specimen times advance 2 minutes per message over a 120-day cycle (90,000 messages), so each patient's
 * results are spread as in monitoring (a draw every few days at most, not twenty in an hour): the rule
 * engine's 7-day history window then holds what it would in practice.
 */
export const FEED_START = Date.UTC(2026, 6, 1);
const FEED_STEP_MS = 120_000;
const FEED_CYCLE = 90_000;
const sender = { application: 'LIS', facility: 'BENCH-LAB' };

/** Analytes of a routine draw with normal values (LOINC, unit, range, value generator). */
export const ROUTINE: ReadonlyArray<{
  code: string;
  unit: string;
  range: string;
  value: (r: number) => number;
}> = [
  { code: '777-3', unit: '10*9/L', range: '150-400', value: (r) => 180 + Math.round(r * 150) },
  { code: '751-8', unit: '10*9/L', range: '1.8-7.7', value: (r) => Number((2 + r * 4).toFixed(1)) },
  { code: '718-7', unit: 'g/dL', range: '12-16', value: (r) => Number((12.5 + r * 3).toFixed(1)) },
  { code: '6690-2', unit: '10*9/L', range: '4-10', value: (r) => Number((4.5 + r * 5).toFixed(1)) },
  { code: '2160-0', unit: 'mg/dL', range: '0.5-1.1', value: (r) => Number((0.6 + r * 0.4).toFixed(2)) },
  { code: '3016-3', unit: 'm[IU]/L', range: '0.4-4.0', value: (r) => Number((0.8 + r * 2.5).toFixed(2)) },
  { code: '1742-6', unit: 'U/L', range: '7-55', value: (r) => 10 + Math.round(r * 35) },
  { code: '2951-2', unit: 'mmol/L', range: '135-145', value: (r) => 136 + Math.round(r * 8) },
];

export interface FeedOptions {
  /** Share of results that belong to enrolled patients (0.1 realistic, 1 worst case). */
  enrolledShare: number;
  enrolledPatients: number;
  /** Share of enrolled patients' results that are critical platelet counts. */
  criticalShare: number;
  seed: number;
}

export function enrolledId(i: number): string {
  return `E${String(i).padStart(7, '0')}`;
}

/** Produces message number `i` of the feed. */
export function feedMessage(
  i: number,
  options: FeedOptions,
  rnd: () => number,
  controlId = `B-${i}`,
): { message: OutboundMessage; critical: boolean } {
  const enrolled = rnd() < options.enrolledShare;
  const patientId = enrolled
    ? enrolledId(Math.floor(rnd() * options.enrolledPatients))
    : `N${Math.floor(rnd() * 2_000_000)}`;
  const critical = enrolled && rnd() < options.criticalShare;
  const analyte = critical ? ROUTINE[0]! : ROUTINE[Math.floor(rnd() * ROUTINE.length)]!;
  const value = critical ? 20 + Math.round(rnd() * 70) : analyte.value(rnd());
  const event: LabResultEvent = {
    schema: 'lab-result.v1',
    patient: { id: patientId, authority: AUTHORITY },
    sender,
    messageControlId: controlId,
    observation: { code: analyte.code, system: 'LN', orderId: `O-${i}` },
    valueType: 'NM',
    value,
    unit: analyte.unit,
    referenceRange: analyte.range,
    status: 'final',
    observedAt: new Date(FEED_START + (i % FEED_CYCLE) * FEED_STEP_MS).toISOString(),
  };
  return {
    message: {
      key: `${AUTHORITY}|${patientId}`,
      value: JSON.stringify(event),
      headers: { [HEADERS.contentType]: CONTENT_TYPES.labResultJson },
    },
    critical,
  };
}

/** Enrols `count` patients (E0000000 …) in one care team with one verified email contact, in a few statements. */
export async function seedEnrolledPatients(ds: DataSource, count: number): Promise<void> {
  await ds.query(`INSERT INTO sites (id, name, time_zone) VALUES ('bench', 'Bench site', 'UTC')`);
  const [{ id: teamId }] = await ds.query(
    `INSERT INTO care_teams (site_id, name) VALUES ('bench', 'Bench team') RETURNING id`,
  );
  const [{ id: userId }] = await ds.query(
    `INSERT INTO users (email, display_name, roles) VALUES ('oncall@bench.test', 'On call', '{clinician}') RETURNING id`,
  );
  await ds.query(`INSERT INTO care_team_members (care_team_id, user_id, role) VALUES ($1, $2, 'clinician')`, [
    teamId,
    userId,
  ]);
  await ds.query(
    `INSERT INTO contact_points (user_id, channel, address, verified_at) VALUES ($1, 'email', 'oncall@bench.test', now())`,
    [userId],
  );
  await ds.query(
    `WITH p AS (
       INSERT INTO patients (site_id, care_team_id, indication)
       SELECT 'bench', $1, 'MS' FROM generate_series(1, $2) RETURNING id
     ), numbered AS (SELECT id, row_number() OVER () - 1 AS n FROM p)
     INSERT INTO patient_identifiers (authority, identifier, patient_id)
     SELECT $3, 'E' || lpad(n::text, 7, '0'), id FROM numbered`,
    [teamId, count, AUTHORITY],
  );
  await ds.query(
    `INSERT INTO treatment_courses (patient_id, course_number, infusion_dates)
     SELECT id, 1, ARRAY['2024-01-08','2024-01-09','2024-01-10','2024-01-11','2024-01-12']::date[] FROM patients`,
  );
  // The baseline labs the REMS asks for before course 1, for the feed's analytes that rules compare with a
  // baseline (creatinine, haemoglobin, ALT): an enrolled population has them. Without them every patient's first
  // result of each raises a one-time DQ-2 "no baseline" alert, which is a first load, not the steady state.
  await ds.query(
    `INSERT INTO results (idempotency_key, observation_key, patient_id, sender, message_control_id, code, code_system,
                          loinc, analyte, value_type, value_original, unit_original, range_original, value, unit,
                          range_low, range_high, range_source, status, quality, observed_at, received_at)
     SELECT 'baseline|' || p.id || '|' || b.code, 'baseline|' || p.id || '|' || b.code, p.id, 'LIS^BENCH-LAB',
            'BASELINE-' || p.id, b.code, 'LN', b.code, b.analyte, 'NM', b.value::text, b.unit, b.low || '-' || b.high,
            b.value, b.unit, b.low, b.high, 'lab', 'final', 'ok', '2023-12-20T08:00:00Z', '2023-12-20T09:00:00Z'
     FROM patients p
     CROSS JOIN (VALUES ('2160-0', 'creatinine', 0.8, 'mg/dL', 0.5, 1.1),
                        ('718-7', 'haemoglobin', 14.0, 'g/dL', 12, 16),
                        ('1742-6', 'alt', 22, 'U/L', 7, 55)) AS b(code, analyte, value, unit, low, high)`,
  );
}
