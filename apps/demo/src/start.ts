import 'reflect-metadata';
import { DEMO_ADMIN, DEMO_CLINICIAN, DEMO_PASSWORD } from './demo-admin-api';
import { seedDemoData, streamDemoFeeds } from './demo-data';
import { startLocalSystem } from './local-system';

/**
 * `npm start`: the whole system on the embedded defaults with the demo's data (its care team, patient, results
 * and open alerts), serving the console, until Ctrl-C. The emails it sends are kept by the SMTP capture and
 * their links open this console.
 */
async function main(): Promise<void> {
  console.log(
    'Starting the embedded stack: Postgres database alem_start, Kafka-protocol broker, SMTP capture, Redis…',
  );
  const system = await startLocalSystem({
    databaseName: 'alem_start',
    redisPrefix: 'alem-start',
    adminApiPort: Number(process.env.PORT ?? 3000),
    // As in the demo: grouped warnings and per-person summaries go out within seconds, not minutes.
    env: {
      WARNING_GROUP_WINDOW_MS: process.env.WARNING_GROUP_WINDOW_MS ?? '3000',
      NOTIFY_RATE_LIMIT_WINDOW_MS: process.env.NOTIFY_RATE_LIMIT_WINDOW_MS ?? '10000',
    },
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    system.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('stopping failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  await seedDemoData(system);
  await streamDemoFeeds(system);
  const [open] = await system.dataSource.query(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE severity = 'critical')::int AS critical FROM alerts WHERE state = 'open'`,
  );
  const links = system.smtp.messages
    .map((m) => /\/acknowledgements\/[A-Za-z]+/.exec(m.text)?.[0])
    .filter((l): l is string => l !== undefined);
  console.log(`
The system is up, with the demo's data: ${open.n} open alerts (${open.critical} critical).

  Console   ${system.adminApiUrl}/
  Sign in   ${DEMO_CLINICIAN} (clinician, on the MS team) or ${DEMO_ADMIN} (admin)
            password "${DEMO_PASSWORD}" (development only)
  API       ${system.adminApiUrl}/api/v1 (OpenAPI UI at ${system.adminApiUrl}/api/docs)
  MLLP      127.0.0.1:${system.mllpPort} (HL7 v2 in)
${links.length > 0 ? `  A link from an alert email: ${system.adminApiUrl}${links[0]}\n` : ''}
Press Ctrl-C to stop.`);
}

main().catch((error: unknown) => {
  console.error('start failed:', error);
  process.exit(1);
});
