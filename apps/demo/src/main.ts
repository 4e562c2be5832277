import 'reflect-metadata';
import { TOPICS } from '@alem/messaging';
import { enrolPatient, seedCareTeam, seedSite } from '@alem/persistence';
import { LabMllpClient, waitFor } from '@alem/local-stack';
import { MonitoringSweepService } from '../../monitoring-scheduler/src/monitoring-sweep.service';
import { DEMO_PASSWORD, seedDemoLogins, showAdminApi } from './demo-admin-api';
import { showEscalation } from './demo-escalation';
import { demoFeed, demoHl7Feed, DEMO_PATIENT } from './demo-feed';
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

  await seedSite(ds, { id: 'demo-site', name: 'University Hospital MS Centre', timeZone: 'Europe/Prague' });
  const team = await seedCareTeam(ds, {
    siteId: 'demo-site',
    name: 'MS team',
    members: [
      {
        email: 'neurologist@demo-hospital.test',
        displayName: 'Dr. Eva Svobodová',
        role: 'clinician',
        // Both verified (as if she had confirmed a test message on each): critical alerts go by SMS and email.
        contacts: [
          { channel: 'email', address: 'neurologist@demo-hospital.test' },
          { channel: 'sms', address: '+420601234567' },
        ],
      },
      { email: 'ms-nurse@demo-hospital.test', displayName: 'Petr Dvořák', role: 'nurse' },
    ],
  });
  // She holds the team's first escalation tier; the whole team is the second.
  await ds.query(`UPDATE care_team_members SET on_duty = (user_id = $2) WHERE care_team_id = $1`, [
    team.careTeamId,
    team.members[0]!.userId,
  ]);
  const demoPatientId = await enrolPatient(ds, {
    siteId: 'demo-site',
    careTeamId: team.careTeamId,
    indication: 'MS',
    identifiers: [{ authority: DEMO_PATIENT.authority, identifier: DEMO_PATIENT.id }],
    displayName: 'Demo Patient',
    birthDate: '1984-05-17',
    sex: 'female',
    courses: [
      {
        courseNumber: 1,
        infusionDays: ['2025-10-06', '2025-10-07', '2025-10-08', '2025-10-09', '2025-10-10'],
      },
    ],
  });
  // Followed since course 1 ended: the monitoring schedule counts what has not arrived since then.
  await ds.query(`UPDATE patients SET enrolled_at = '2025-10-10T08:00:00+02:00' WHERE id = $1`, [
    demoPatientId,
  ]);
  console.log(
    `Seeded care team "MS team" (2 members with verified email, the neurologist on duty with a verified mobile too) and enrolled patient ${DEMO_PATIENT.authority}|${DEMO_PATIENT.id}.\n`,
  );
  await seedDemoLogins(ds);
  console.log(
    `Admin API: ${system.adminApiUrl} (OpenAPI UI at /docs); admin@demo-hospital.test and the neurologist sign in with the development password "${DEMO_PASSWORD}".\n`,
  );

  const feed = demoFeed();
  console.log(`Streaming ${feed.length} messages to ${TOPICS.labResults}:`);
  for (const item of feed) console.log(`  - ${item.note}`);
  await system.producer.send(
    TOPICS.labResults,
    feed.map((f) => f.message),
  );

  const hl7Feed = demoHl7Feed();
  console.log(
    `\nSending ${hl7Feed.length} HL7 v2 messages over MLLP (node-hl7-client) to the ingest gateway on port ${system.mllpPort}:`,
  );
  const lab = await LabMllpClient.connect(system.mllpPort!);
  for (const item of hl7Feed) {
    const ack = await lab.send(item.message);
    console.log(
      `  - ${item.note}\n      ACK ${ack.code} for ${ack.controlId}${ack.text ? `: ${ack.text}` : ''}`,
    );
  }
  await lab.close();
  const hl7Results = hl7Feed.reduce((sum, item) => sum + item.results, 0);
  await waitFor(
    async () =>
      Number(
        (
          await ds.query(`SELECT count(*)::int AS n FROM results WHERE message_control_id LIKE 'DEMO-HL7-%'`)
        )[0].n,
      ) >= hl7Results,
    { timeoutMs: 30000, description: 'the HL7 results to be stored' },
  );

  await waitFor(
    async () =>
      Number((await ds.query(`SELECT count(*)::int AS n FROM results`))[0].n) >= 5 &&
      Number((await ds.query(`SELECT count(*)::int AS n FROM dlq_records`))[0].n) >= 1,
    {
      timeoutMs: 30000,
      description: 'the feed to be processed',
    },
  );
  // The monitoring scheduler's sweep (it also runs every 30 s): the demo patient's expected results since
  // course 1, what is missing, and the missed-result alerts that go out like any other.
  await system.apps.get('monitoring-scheduler')?.get(MonitoringSweepService).sweep();
  await waitFor(
    async () =>
      Number(
        (await ds.query(`SELECT count(*)::int AS n FROM deliveries WHERE state IN ('pending', 'queued')`))[0]
          .n,
      ) === 0 && smtp.messages.length >= 4,
    {
      timeoutMs: 30000,
      description: 'the emails to be sent',
    },
  );

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
