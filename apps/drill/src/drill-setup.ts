import { type Pool } from 'pg';
import { seedCareTeam, seedSite } from '@alem/persistence';
import { DRILL_AUTHORITY, DRILL_ENGINE, DRILL_SENDER } from './drill-feed';

/** The people the drill's critical alerts must reach: both on duty, each by email and by SMS. */
export const ON_DUTY = [
  { email: 'oncall-1@drill.test', phone: '+420600000001', displayName: 'On call one' },
  { email: 'oncall-2@drill.test', phone: '+420600000002', displayName: 'On call two' },
] as const;

const SITE = 'drill';
const DAY = 86_400_000;

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * A site, a care team of two clinicians on duty (email and mobile verified), `patients` enrolled patients with
 * course 1 given two weeks ago and the baseline labs the REMS asks for, and the two senders: the lab over MLLP
 * from 127.0.0.1 and its integration engine on Kafka, both for the drill's hospital. Nothing in it is due yet, so
 * the scheduler has nothing to report missing: every alert of the run comes from the feed.
 */
export async function seedDrill(db: Pool, patients: number, now: Date): Promise<void> {
  // seedCareTeam/seedSite take a TypeORM data source or manager; their `query` is all they use.
  const queryable = { query: (sql: string, params?: unknown[]) => db.query(sql, params).then((r) => r.rows) };
  const asDb = queryable as unknown as Parameters<typeof seedSite>[0];
  await seedSite(asDb, { id: SITE, name: 'Drill hospital', timeZone: 'UTC' });
  // The patients' course 1 was given before the drill: its pre-course gates (baseline labs, UPCR, HIV) are
  // behind them, so their review ends at the course's start rather than 60 days on. Without this every patient
  // would raise three gate alerts of a screening the drill never pretends to have sent.
  await db.query(
    `INSERT INTO monitoring_site_settings (site_id, version, overrides, reason) VALUES ($1, 1, $2::jsonb, $3)`,
    [SITE, JSON.stringify({ gates: { reviewDays: 0 } }), 'drill: courses given before the drill'],
  );
  const team = await seedCareTeam(asDb, {
    siteId: SITE,
    name: 'Drill MS team',
    members: ON_DUTY.map((p) => ({
      email: p.email,
      displayName: p.displayName,
      role: 'clinician',
      contacts: [
        { channel: 'email' as const, address: p.email },
        { channel: 'sms' as const, address: p.phone },
      ],
    })),
  });
  await db.query(`UPDATE care_team_members SET on_duty = true WHERE care_team_id = $1`, [team.careTeamId]);
  const courseStart = now.getTime() - 14 * DAY;
  const infusions = [0, 1, 2, 3, 4].map((d) => isoDate(courseStart + d * DAY));
  await db.query(
    `WITH p AS (
       INSERT INTO patients (site_id, care_team_id, indication, enrolled_at)
       SELECT $1, $2, 'MS', $5::timestamptz FROM generate_series(1, $3) RETURNING id
     ), numbered AS (SELECT id, row_number() OVER () - 1 AS n FROM p)
     INSERT INTO patient_identifiers (authority, identifier, patient_id)
     SELECT $4, 'D' || lpad(n::text, 6, '0'), id FROM numbered`,
    [SITE, team.careTeamId, patients, DRILL_AUTHORITY, new Date(courseStart).toISOString()],
  );
  await db.query(
    `INSERT INTO treatment_courses (patient_id, course_number, infusion_dates)
     SELECT id, 1, $1::date[] FROM patients`,
    [infusions],
  );
  // Baselines before course 1 for the analytes that rules compare with a baseline (creatinine, haemoglobin,
  // ALT), at the values the feed sends: an enrolled population has them.
  await db.query(
    `INSERT INTO results (idempotency_key, observation_key, patient_id, sender, message_control_id, code, code_system,
                          loinc, analyte, value_type, value_original, unit_original, range_original, value, unit,
                          range_low, range_high, range_source, status, quality, observed_at, received_at)
     SELECT 'baseline|' || p.id || '|' || b.code, 'baseline|' || p.id || '|' || b.code, p.id, 'LIS^DRILL-LAB',
            'BASELINE-' || p.id, b.code, 'LN', b.code, b.analyte, 'NM', b.value::text, b.unit, b.low || '-' || b.high,
            b.value, b.unit, b.low, b.high, 'lab', 'final', 'ok', $1::timestamptz, $1::timestamptz
     FROM patients p
     CROSS JOIN (VALUES ('2160-0', 'creatinine', 0.8, 'mg/dL', 0.5, 1.1),
                        ('718-7', 'haemoglobin', 14.0, 'g/dL', 12, 16),
                        ('1742-6', 'alt', 22, 'U/L', 7, 55)) AS b(code, analyte, value, unit, low, high)`,
    [new Date(courseStart - 6 * DAY).toISOString()],
  );
  await db.query(
    `INSERT INTO lab_senders (sender, time_zone, authorities, source_addresses)
     VALUES ($1, 'UTC', $3::text[], '{127.0.0.1/32}'::cidr[]), ($2, 'UTC', $3::text[], '{127.0.0.1/32}'::cidr[])`,
    [
      `${DRILL_SENDER.application}^${DRILL_SENDER.facility}`,
      `${DRILL_ENGINE.application}^${DRILL_ENGINE.facility}`,
      [DRILL_AUTHORITY],
    ],
  );
}
