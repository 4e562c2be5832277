import 'reflect-metadata';
import { DEMO_ADMIN, DEMO_CLINICIAN, DEMO_PASSWORD, showAdminApi } from './demo-admin-api';
import { seedDemoData, streamDemoFeeds } from './demo-data';
import { showInfusionRecord } from './demo-infusion';
import { showEscalation } from './demo-escalation';
import { startLocalSystem } from './local-system';

/**
 * `npm run demo`: the whole system on the embedded defaults, in one process. Seeds a care team and a patient,
 * streams a small feed (normal and breaching results, a patient who is not enrolled, a malformed event) to
 * Kafka and a few HL7 v2 messages over MLLP through the ingest gateway (printing the ACK of each), waits
 * until everything is processed, prints what was stored, which alerts opened and which emails went out,
 * and exits.
 */
async function main(): Promise<void> {
  const started = Date.now();
  console.log(
    'Starting the embedded stack: Postgres database alem_demo, Kafka-protocol broker, SMTP capture, Redis…',
  );
  const system = await startLocalSystem({
    databaseName: 'alem_demo',
    redisPrefix: 'alem-demo',
    adminApiPort: Number(process.env.DEMO_ADMIN_API_PORT ?? 3000),
    // Warnings about one patient to one person are grouped into one email (over 5 minutes by default), and more
    // than 5 messages to one person in 10 minutes become a summary. The demo shortens both windows, so that the
    // grouped and summarised emails go out before it ends.
    env: {
      WARNING_GROUP_WINDOW_MS: process.env.WARNING_GROUP_WINDOW_MS ?? '3000',
      NOTIFY_RATE_LIMIT_WINDOW_MS: process.env.NOTIFY_RATE_LIMIT_WINDOW_MS ?? '10000',
    },
  });
  const { dataSource: ds, smtp } = system;
  console.log(
    `  Kafka bootstrap ${system.broker.bootstrap}, SMTP ${smtp.url}, apps: ${[...system.apps.keys()].join(', ')}\n`,
  );

  const { demoPatientId, careTeamId } = await seedDemoData(system);
  console.log(
    `Console: ${system.adminApiUrl}/ (API under /api/v1, OpenAPI UI at /api/docs); ${DEMO_ADMIN} and the neurologist (${DEMO_CLINICIAN}) sign in with the development password "${DEMO_PASSWORD}".\n`,
  );
  const { feed, hl7Feed } = await streamDemoFeeds(system);

  const results = await ds.query(
    `SELECT analyte, value_original || ' ' || coalesce(unit_original, '') AS sent, value::text || ' ' || coalesce(unit, '') AS canonical, quality, to_char(observed_at AT TIME ZONE 'Europe/Prague', 'YYYY-MM-DD HH24:MI') AS observed
     FROM results ORDER BY observed_at, id`,
  );
  console.log('\nStored results (original → canonical):');
  console.table(results);

  const alerts = await ds.query(
    `SELECT reference, rule_id, severity, emergency, state, occurrence_count AS occurrences, explanation->>'summary' AS summary FROM alerts ORDER BY opened_at, rule_id`,
  );
  console.log('Alerts opened:');
  console.table(alerts);

  const expectations = await ds.query(
    `SELECT rule_id, status, severity, due_day::text AS due, explanation->>'summary' AS summary
     FROM monitoring_expectations WHERE patient_id = $1 ORDER BY rule_id`,
    [demoPatientId],
  );
  console.log(
    'Monitoring schedule of the demo patient (a missed or partial result alerts like a bad value):',
  );
  console.table(expectations);

  console.log(
    'Emails accepted by the SMTP capture (no names, identifiers or values: a reference and a link):',
  );
  console.table(smtp.messages.map((m) => ({ to: m.to.join(', '), subject: m.subject })));
  console.log(`First email body:\n${smtp.messages[0]?.text.replace(/^/gm, '  ')}\n`);

  const dlq = await ds.query(
    `SELECT source_partition AS partition, source_offset AS offset, reason FROM dlq_records`,
  );
  console.log('Dead-lettered (also on lab.results.dlq.v1):');
  console.table(dlq);
  console.log(
    'Refused at the gateway (answered AE/AR, on lab.results.dlq.v1 with the reason; never reached lab.results.v1):',
  );
  console.table(
    hl7Feed
      .filter((item) => item.results === 0)
      .map((item) => ({ controlId: item.controlId, note: item.note })),
  );

  const [counts] = await ds.query(
    `SELECT (SELECT count(*) FROM results)::int AS results, (SELECT count(*) FROM alerts)::int AS alerts, (SELECT count(*) FROM delivery_attempts t JOIN deliveries d ON d.id = t.delivery_id WHERE t.outcome = 'sent' AND d.channel = 'email')::int AS emails, (SELECT count(*) FROM delivery_attempts t JOIN deliveries d ON d.id = t.delivery_id WHERE t.outcome = 'sent' AND d.channel = 'sms')::int AS texts`,
  );
  console.log(
    `Summary: ${feed.length} events and ${hl7Feed.length} HL7 messages in → ${counts.results} results stored, 1 dropped (not enrolled), ${dlq.length} dead-lettered, ${counts.alerts} alerts opened, ${counts.emails} emails and ${counts.texts} texts sent (${((Date.now() - started) / 1000).toFixed(1)} s).`,
  );
  await showEscalation(system);
  if (system.adminApiUrl) await showAdminApi(system.adminApiUrl);
  await showInfusionRecord(system, careTeamId);
  const hold = Number(process.env.DEMO_HOLD_SECONDS ?? 0);
  if (hold > 0 && system.adminApiUrl) {
    console.log(
      `Keeping the system up for ${hold} s so you can try the admin API at ${system.adminApiUrl}/docs …`,
    );
    await new Promise((resolve) => setTimeout(resolve, hold * 1000));
  }
  await system.stop();
  console.log(
    'The demo database alem_demo is kept for inspection (psql -h 127.0.0.1 -U postgres alem_demo); the next run recreates it.',
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('demo failed:', error);
    process.exit(1);
  },
);
