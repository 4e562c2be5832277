import { TOPICS } from '@alem/messaging';
import { enrolPatient, LabSenderRepository, seedCareTeam, seedSite } from '@alem/persistence';
import { LabMllpClient, waitFor } from '@alem/local-stack';
import { RegisteredSenders } from '../../ingest-gateway/src/senders/registered-senders';
import { MonitoringSweepService } from '../../monitoring-scheduler/src/monitoring-sweep.service';
import { seedDemoLogins } from './demo-admin-api';
import { DEMO_LAB, demoFeed, demoHl7Feed, DEMO_PATIENT } from './demo-feed';
import { type LocalSystem } from './local-system';

/**
 * The demo's site, care team (a neurologist on duty with verified email and mobile, and a nurse), enrolled
 * patient with course 1, and the sign-ins of the console (`npm run demo` and `npm start`).
 */
export async function seedDemoData(
  system: LocalSystem,
): Promise<{ careTeamId: string; demoPatientId: string }> {
  const ds = system.dataSource;
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
  // The demo lab, as an admin registers it: it connects from this machine (no client certificate) and reports
  // for the university hospital's patients. The gateway refuses any other peer, name or hospital.
  await new LabSenderRepository(ds).save(
    ds.manager,
    `${DEMO_LAB.application}^${DEMO_LAB.facility}`,
    {
      timeZone: system.config.hl7.defaultTimeZone,
      authorities: [DEMO_PATIENT.authority],
      certificateFingerprints: [],
      sourceAddresses: ['127.0.0.1/32', '::1/128'],
    },
    new Date(),
  );
  await system.apps.get('ingest-gateway')?.get(RegisteredSenders).reload();
  console.log(
    `Registered lab ${DEMO_LAB.application}^${DEMO_LAB.facility}: MLLP from 127.0.0.1, for ${DEMO_PATIENT.authority} patients.\n`,
  );
  await seedDemoLogins(ds);
  return { careTeamId: team.careTeamId, demoPatientId };
}

/**
 * Streams the demo feed (JSON events to Kafka, HL7 v2 over MLLP through the gateway, printing each ACK), waits
 * until it is processed, runs the monitoring sweep once, and waits for the emails: afterwards there are
 * results, open alerts, missed-result alerts and sent messages to look at.
 */
export async function streamDemoFeeds(system: LocalSystem) {
  const { dataSource: ds, smtp } = system;
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
  return { feed, hl7Feed };
}
