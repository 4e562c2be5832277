import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { analyteById, type AnalyteId, MONITORING_SCHEDULE_VERSION } from '@alem/clinical';
import { createMigratedDatabase, dropDatabase, REPO_ROOT } from '@alem/local-stack';
import { loadConfig, ManualClock } from '@alem/runtime';
import { ExpectationSweepService } from '../../apps/monitoring-scheduler/src/expectation-sweep.service';
import { MonitoringSchedulerModule } from '../../apps/monitoring-scheduler/src/monitoring-scheduler.module';
import { percentile, round } from './stats';

/**
 * `npm run bench:monitoring`: the monitoring sweep on a database holding about 1,000,000 expectations
 * (111,112 MS patients × 9 rules, bulk-generated with generate_series), of which 10,000 patients are due.
 * Reports the time to find and process them (claim with FOR UPDATE SKIP LOCKED, load, evaluate, store,
 * alerts) and the EXPLAIN (ANALYZE, BUFFERS) plans of the claim query and of a batch's results query.
 *
 * Options: --patients=<n> (default 111112), --due=<n> (default 10000), --batch=<n> (default 200),
 * --quick (11,112 patients, 1,000 due), --keep (keep the database alem_bench_monitoring for inspection).
 */

const NOW = new Date('2025-06-15T10:00:00Z');
const COURSE = ['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08'];
const RULES: Array<[string, string, number | null, string, string | null]> = [
  // rule id, kind, course, status, due day
  ['MISSED-CBC', 'periodic', null, 'pending', '2025-06-19'],
  ['MISSED-CREATININE', 'periodic', null, 'pending', '2025-06-19'],
  ['MISSED-UA', 'periodic', null, 'pending', '2025-06-19'],
  ['MISSED-THYROID', 'periodic', null, 'pending', '2025-07-30'],
  ['MISSED-LFT', 'periodic', null, 'pending', '2025-08-19'],
  ['CD4-REMINDER', 'reminder', 1, 'met', null],
  ['GATE-BASELINE', 'gate', 1, 'ended', '2024-03-04'],
  ['GATE-UPCR', 'gate', 1, 'ended', '2024-03-04'],
  ['GATE-HIV', 'gate', 1, 'ended', '2024-03-04'],
];
const MONTHLY: AnalyteId[] = [
  'platelets',
  'haemoglobin',
  'wbc',
  'neutrophils',
  'lymphocytes',
  'creatinine',
  'urine-rbc',
  'urine-protein-dipstick',
  'urine-blood-dipstick',
  'alt',
  'bilirubin',
];
/** A stored explanation of typical size (the real ones are ~0.7–1 kB). */
const EXPLANATION = JSON.stringify({
  ruleId: 'MISSED-CBC',
  title: 'Monthly CBC with differential',
  group: 'cbc',
  evidence: '[FDA-L] monthly until 48 months after the last infusion; grace [P]',
  summary: 'Monthly CBC with differential: received 2025-05-20; next due 2025-06-19.',
  action: 'Ask for the monthly CBC with differential (ITP, cytopenias).',
  lastReceivedDay: '2025-05-20',
  anchorDay: '2025-05-20',
  anchorSource: 'result',
  dueDay: '2025-06-19',
  warningDay: '2025-06-27',
  criticalDay: '2025-07-04',
  daysOverdue: null,
  receivedComponents: [],
  missingComponents: [],
  partialDay: null,
  endDay: '2028-03-08',
  endReason: null,
  courseNumber: null,
  courseStartDay: null,
  suspension: null,
  hold: null,
  underlying: null,
});

interface Args {
  patients: number;
  due: number;
  batch: number;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const quick = argv.includes('--quick');
  return {
    patients: Number(get('patients') ?? (quick ? 11_112 : 111_112)),
    due: Number(get('due') ?? (quick ? 1_000 : 10_000)),
    batch: Number(get('batch') ?? 200),
    keep: argv.includes('--keep'),
  };
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await fn();
  console.log(`  ${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}

async function generate(db: Client, args: Args): Promise<void> {
  await db.query(
    `INSERT INTO sites (id, name, time_zone) VALUES ('bench-site', 'Bench MS Centre', 'Europe/Prague')`,
  );
  const {
    rows: [{ id: teamId }],
  } = await db.query<{ id: string }>(
    `INSERT INTO care_teams (site_id, name) VALUES ('bench-site', 'MS team') RETURNING id`,
  );
  await db.query(
    `CREATE TABLE bench_patients AS
     SELECT n, gen_random_uuid() AS id, n <= $1 AS due, (n <= $1 AND n % 5 = 0) AS late
     FROM generate_series(1, $2::int) n`,
    [args.due, args.patients],
  );
  await timed(`${args.patients} patients (the enrolment trigger creates their sweep units)`, () =>
    db.query(
      `INSERT INTO patients (id, site_id, care_team_id, indication, enrolled_at)
       SELECT id, 'bench-site', $1, 'MS', '2024-02-15 08:00+00' FROM bench_patients ORDER BY n`,
      [teamId],
    ),
  );
  await timed('their courses (the course trigger wakes them)', () =>
    db.query(
      `INSERT INTO treatment_courses (patient_id, course_number, infusion_dates)
       SELECT id, 1, $1::date[] FROM bench_patients ORDER BY n`,
      [COURSE],
    ),
  );
  await timed(`next checks: ${args.due} due within the last hour, the rest over the next 30 days`, () =>
    db.query(
      `UPDATE monitoring_patients mp SET
         next_check_at = CASE WHEN b.due THEN $1::timestamptz - (b.n % 3600) * interval '1 second'
                              ELSE $1::timestamptz + (1 + b.n % 30) * interval '1 day' + (b.n % 86400) * interval '1 second' END,
         evaluated_at = $1::timestamptz - interval '1 day', schedule_version = $2
       FROM bench_patients b WHERE mp.patient_id = b.id`,
      [NOW.toISOString(), MONITORING_SCHEDULE_VERSION],
    ),
  );
  await timed(`${args.patients * RULES.length} expectations`, () =>
    db.query(
      `INSERT INTO monitoring_expectations (patient_id, rule_id, kind, course_number, status, severity, due_day,
              last_received_day, held_by, next_change_at, explanation, evaluated_at, status_since, schedule_version)
       SELECT b.id, r.rule_id, r.kind, r.course, r.status, 'none', r.due_day::date, '2025-05-20', '{}',
              CASE WHEN r.due_day IS NULL THEN NULL ELSE r.due_day::date::timestamptz END, $2::jsonb,
              $1::timestamptz - interval '1 day', $1::timestamptz - interval '20 days', $8
       FROM bench_patients b
       CROSS JOIN unnest($3::text[], $4::text[], $5::int[], $6::text[], $7::text[]) AS r(rule_id, kind, course, status, due_day)`,
      [
        NOW.toISOString(),
        EXPLANATION,
        RULES.map((r) => r[0]),
        RULES.map((r) => r[1]),
        RULES.map((r) => r[2]),
        RULES.map((r) => r[3]),
        RULES.map((r) => r[4]),
        MONITORING_SCHEDULE_VERSION,
      ],
    ),
  );
  // The due patients' results: baseline, CD4, and 8 monthly draws (TSH every third); one in five missed the
  // last month (their draws are 26 days earlier: overdue, critical, so the batch also writes alerts).
  const analytes = (list: AnalyteId[]) => ({
    names: list,
    codes: list.map((a) => analyteById(a).loinc[0] ?? `LOCAL-${a}`),
  });
  const monthly = analytes(MONTHLY);
  const thyroid = analytes(['tsh', 'ft4']);
  const baseline = analytes([...MONTHLY, 'tsh', 'ft4', 'upcr', 'hiv-screen']);
  const insertResults = (draws: string, list: { names: string[]; codes: string[] }) =>
    db.query(
      `INSERT INTO results (idempotency_key, observation_key, patient_id, sender, message_control_id, code, code_system,
                            loinc, analyte, value_type, value, status, quality, observed_at, received_at)
       SELECT md5(b.id::text || d.t::text || a.analyte), md5(b.id::text || d.t::text || a.analyte), b.id,
              'LIS^BENCH-' || (b.n % 5), 'M-' || b.n || '-' || d.k, a.code, 'LN', a.code, a.analyte, 'NM', 1, 'final', 'ok',
              d.t, d.t + interval '2 hours'
       FROM bench_patients b
       CROSS JOIN LATERAL (${draws}) d(k, t)
       CROSS JOIN unnest($1::text[], $2::text[]) AS a(analyte, code)
       WHERE b.due`,
      [list.names, list.codes],
    );
  const monthlyDraws = `SELECT k, timestamptz '2025-05-20 07:00+00' - (k * 30 + CASE WHEN b.late THEN 26 ELSE 0 END) * interval '1 day'
                        FROM generate_series(0, 7) k`;
  await timed('results of the due patients (baseline, CD4, 8 monthly draws, TSH quarterly)', async () => {
    await insertResults(`SELECT 0, timestamptz '2024-02-20 07:00+00'`, baseline);
    await insertResults(monthlyDraws, monthly);
    await insertResults(
      `${monthlyDraws.replace('FROM generate_series(0, 7) k', 'FROM generate_series(0, 6, 3) k')}`,
      thyroid,
    );
    await db.query(
      `INSERT INTO results (idempotency_key, observation_key, patient_id, sender, message_control_id, code, code_system,
                            loinc, analyte, value_type, value, status, quality, observed_at, received_at)
       SELECT md5(id::text || 'cd4'), md5(id::text || 'cd4'), id, 'LIS^BENCH-' || (n % 5), 'CD4-' || n, '24467-3', 'LN',
              '24467-3', 'cd4', 'NM', 420, 'final', 'ok', '2024-05-01 07:00+00', '2024-05-01 09:00+00'
       FROM bench_patients WHERE due`,
    );
  });
  await db.query(
    `INSERT INTO lab_feeds (sender, site_id, site_source, quiet_after_ms, rhythm_source, last_seen_at, state, next_check_at, rhythm_learned_at)
     SELECT 'LIS^BENCH-' || k, 'bench-site', 'configured', 6 * 3600000, 'configured', $1::timestamptz - interval '10 minutes',
            'ok', $1::timestamptz + interval '6 hours', $1::timestamptz
     FROM generate_series(0, 4) k`,
    [NOW.toISOString()],
  );
  await db.query(`DROP TABLE bench_patients`);
  // As autovacuum would leave it: the bulk updates' dead index entries and hint bits are not part of a sweep.
  await timed('VACUUM ANALYZE', () => db.query(`VACUUM ANALYZE`));
}

const CLAIM_SQL = (limit: number) =>
  `SELECT patient_id FROM monitoring_patients WHERE next_check_at <= '${NOW.toISOString()}'
   ORDER BY next_check_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`;

async function explain(db: Client, sql: string): Promise<string[]> {
  await db.query('BEGIN');
  try {
    const { rows } = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`);
    // A batch's 200 patient ids would fill the screen: shown as a count.
    return rows.map((r: { 'QUERY PLAN': string }) =>
      r['QUERY PLAN'].replace(
        /'\{[0-9a-f-]{36}(,[0-9a-f-]{36})*\}'/g,
        (ids) => `'{…${ids.split(',').length} patient ids…}'`,
      ),
    );
  } finally {
    await db.query('ROLLBACK');
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const name = 'alem_bench_monitoring';
  console.log(
    `Monitoring sweep benchmark: ${args.patients} patients × ${RULES.length} rules = ${args.patients * RULES.length} expectations, ${args.due} due, batches of ${args.batch}`,
  );
  const url = await createMigratedDatabase(name);
  const db = new Client({ connectionString: url });
  await db.connect();
  const clock = new ManualClock(NOW);
  try {
    await timed('generation', () => generate(db, args));
    const [{ expectations, results, size }] = (
      await db.query(
        `SELECT (SELECT count(*) FROM monitoring_expectations)::int AS expectations,
                (SELECT count(*) FROM results)::int AS results,
                pg_size_pretty(pg_total_relation_size('monitoring_expectations')) AS size`,
      )
    ).rows;
    console.log(`  ${expectations} expectations (${size} with indexes), ${results} result rows`);

    const claimPlan = await explain(db, CLAIM_SQL(args.batch));
    const usesIndex = claimPlan.some((l) => l.includes('monitoring_patients_due'));
    console.log(`\nEXPLAIN (ANALYZE, BUFFERS) of the claim (one batch of ${args.batch}):`);
    for (const line of claimPlan) console.log(`  ${line}`);

    const config = loadConfig({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' });
    const app = await NestFactory.createApplicationContext(
      MonitoringSchedulerModule.forRoot({
        config,
        clock,
        scheduler: { sweepIntervalMs: 0, batchSize: args.batch },
      }),
      { logger: ['error', 'warn'] },
    );
    await app.init();
    const batches = app.get(ExpectationSweepService);
    // Warm the pool, the JIT and the zone caches on one batch's worth of work, outside the measurement.
    const { rows: sample } = await db.query(
      `SELECT patient_id FROM monitoring_patients WHERE next_check_at <= $1 ORDER BY next_check_at LIMIT $2`,
      [NOW.toISOString(), args.batch],
    );
    const resultsPlan = await explain(
      db,
      `SELECT patient_id, analyte, observed_at, sender, status, value::float8 AS value FROM results
       WHERE patient_id = ANY('{${sample.map((r: { patient_id: string }) => r.patient_id).join(',')}}'::uuid[])
         AND analyte = ANY('{platelets,haemoglobin,wbc,neutrophils,lymphocytes,creatinine,urine-rbc,urine-protein-dipstick,urine-blood-dipstick,tsh,ft4,alt,ast,bilirubin}'::text[])
         AND observed_at >= '2025-02-12' AND observed_at <= '${NOW.toISOString()}' AND retracted_at IS NULL`,
    );

    /** Sweeps batch after batch until nothing is due; per-batch and total wall time. */
    const drain = async () => {
      const perBatch: number[] = [];
      let patients = 0;
      let opened = 0;
      const t0 = performance.now();
      for (;;) {
        const b0 = performance.now();
        const report = await batches.sweepBatch(clock.now());
        if (report.patients + report.failed === 0) break;
        perBatch.push(performance.now() - b0);
        patients += report.patients;
        opened += report.alertChanges.filter((c) => c.change === 'opened').length;
      }
      return { perBatch, patients, opened, totalMs: performance.now() - t0 };
    };
    // First pass: every due patient's 9 rows are rewritten (the generated rows have no fingerprint) and the
    // overdue ones open their alerts: the worst case.
    const { perBatch, patients, opened, totalMs } = await drain();
    // Second pass: the same patients woken again by new input (as when results arrive) with nothing changed:
    // the common case, where unchanged expectation rows and alerts are not rewritten.
    await db.query(`UPDATE monitoring_patients SET next_check_at = '-infinity' WHERE evaluated_at = $1`, [
      NOW.toISOString(),
    ]);
    const again = await drain();
    await app.close();
    const [{ due_left, notifications, open_alerts }] = (
      await db.query(
        `SELECT (SELECT count(*) FROM monitoring_patients WHERE next_check_at <= $1)::int AS due_left,
                (SELECT count(*) FROM notifications)::int AS notifications,
                (SELECT count(*) FROM alerts WHERE state = 'open')::int AS open_alerts`,
        [NOW.toISOString()],
      )
    ).rows;

    console.log(`\nEXPLAIN (ANALYZE, BUFFERS) of one batch's results query (${args.batch} patients):`);
    for (const line of resultsPlan) console.log(`  ${line}`);

    const figures = {
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
      expectations,
      resultRows: results,
      duePatients: patients,
      dueExpectations: patients * RULES.length,
      batchSize: args.batch,
      batches: perBatch.length,
      totalSeconds: round(totalMs / 1000, 2),
      patientsPerSecond: round((patients / totalMs) * 1000, 0),
      expectationsPerSecond: round(((patients * RULES.length) / totalMs) * 1000, 0),
      batchMs: {
        p50: round(percentile(perBatch, 50)),
        p95: round(percentile(perBatch, 95)),
        max: round(Math.max(...perBatch)),
      },
      rewake: {
        patients: again.patients,
        totalSeconds: round(again.totalMs / 1000, 2),
        patientsPerSecond: round((again.patients / again.totalMs) * 1000, 0),
        batchMs: { p50: round(percentile(again.perBatch, 50)), p95: round(percentile(again.perBatch, 95)) },
      },
      alertsOpened: opened,
      openAlerts: open_alerts,
      notifications,
      dueLeft: due_left,
      claimUsesNextCheckIndex: usesIndex,
      claimPlan,
      resultsPlan,
    };
    console.log('\nResult:');
    console.table({
      'due patients processed': figures.duePatients,
      'due expectations re-evaluated': figures.dueExpectations,
      'total (find + process), s': figures.totalSeconds,
      'patients / s': figures.patientsPerSecond,
      'expectations / s': figures.expectationsPerSecond,
      [`batch of ${args.batch}: p50 ms`]: figures.batchMs.p50,
      [`batch of ${args.batch}: p95 ms`]: figures.batchMs.p95,
      'woken again, nothing changed: s': figures.rewake.totalSeconds,
      'woken again: patients / s': figures.rewake.patientsPerSecond,
      'missed-result alerts opened': figures.alertsOpened,
      'outbox notifications': figures.notifications,
      'due left afterwards': figures.dueLeft,
      'claim uses monitoring_patients_due': figures.claimUsesNextCheckIndex,
    });
    const dir = path.join(REPO_ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `monitoring-${figures.at.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`Written to ${path.relative(REPO_ROOT, file)}`);
    if (!usesIndex) throw new Error('the claim query did not use monitoring_patients_due');
    if (due_left !== 0) throw new Error(`${due_left} due patients left unprocessed`);
  } finally {
    await db.end();
    if (!args.keep) await dropDatabase(name);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('monitoring benchmark failed:', error);
    process.exit(1);
  },
);
