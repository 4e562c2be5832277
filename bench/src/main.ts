import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Pool } from 'pg';
import { type Kafka } from 'kafkajs';
import { type LabResultEvent } from '@alem/events';
import { createKafka, MessageProducer, TOPIC_PARTITIONS, TOPICS } from '@alem/messaging';
import {
  createDataSource,
  INSERT_RESULTS_SQL,
  type NewResult,
  resultInsertParameters,
} from '@alem/persistence';
import {
  createMigratedDatabase,
  dropDatabase,
  type AppProcess,
  embeddedSecrets,
  freePort,
  KafkaMockBroker,
  PROCESSOR_NODE_FLAGS,
  REPO_ROOT,
  seededRandom,
  SmtpCapture,
  startProcess,
  waitFor,
} from '@alem/local-stack';
import { toNewResult } from '../../apps/result-processor/src/result-record';
import { AUTHORITY, enrolledId, feedMessage, type FeedOptions, seedEnrolledPatients } from './feed';
import {
  keysForEveryPartition,
  produceUntilCommitted,
  type ThroughputRun,
  warmUpEveryPartition,
} from './kafka-progress';
import { type HistoryGeneration, storeHistory } from './history';
import { percentile, round } from './stats';

/**
 * `npm run bench`: the pipeline's speed against the raw speed of its own parts, measured in the same run on
 * the same generated feed, reported as ratios (absolute figures drift on a shared machine; ratios hold).
 *
 *   1. raw Kafka     kafkajs eachBatch consumption, JSON decode only, in its own process      (messages/s)
 *   2. raw Postgres  bulk insert of the same result rows, same table and indexes              (rows/s)
 *   3. processor     produce N → all committed, 10 % and 100 % of results for enrolled patients (messages/s)
 *      3c.           the 100 % feed with several processor processes in one consumer group   (messages/s)
 *      3d.           the 100 % feed against a results table already holding 10 M results      (messages/s)
 *   4. latency       at a fixed rate: produce → alert committed, produce → email accepted      (ms)
 *   5. memory        peak RSS of a processor process (the largest, when a run has several)     (MiB)
 *
 * Options: --quick (small smoke run, figures not judged), --n=<messages>, --rate=<results/s>,
 * --seconds=<latency run length>, --profile (node --cpu-prof on the processor), --only=<a,b>,
 * --processors=<count> (processes of run 3c, default 2; 3a and 3b always run one, as their targets assume),
 * --history-rows=<count> (results stored before run 3d; default 10,000,000, --quick 200,000).
 *
 * Runs (for --only): raw-kafka, raw-pg, p10, p100, p100x2 (3c, with --processors of them), p100-10m (3d),
 * latency.
 */

interface Args {
  quick: boolean;
  n: number;
  rate: number;
  seconds: number;
  profile: boolean;
  only: Set<string> | null;
  /** Processor processes of run 3c (`p100x2`). */
  processors: number;
  /** Results stored before run 3d (`p100-10m`). */
  historyRows: number;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const quick = argv.includes('--quick');
  const only = get('only');
  return {
    quick,
    n: Number(get('n') ?? (quick ? 3000 : 100_000)),
    rate: Number(get('rate') ?? (quick ? 200 : 500)),
    seconds: Number(get('seconds') ?? (quick ? 3 : 20)),
    profile: argv.includes('--profile'),
    only: only ? new Set(only.split(',')) : null,
    processors: Number(get('processors') ?? 2),
    historyRows: Number(get('history-rows') ?? (quick ? 200_000 : 10_000_000)),
  };
}

const ENROLLED_PATIENTS = 5000;
/** The raw baseline's topic is partitioned as the results topic is. */
const RAW_TOPIC_PARTITIONS = TOPIC_PARTITIONS[TOPICS.labResults]!;
const RUNS = ['raw-kafka', 'raw-pg', 'p10', 'p100', 'p100x2', 'p100-10m', 'latency'];
const RUN = `alem_bench_${process.pid}`;
const profileDir = path.join(REPO_ROOT, 'bench/results/profiles');

/** A result of a patient who is not enrolled: taken and dropped, it shows the consumer is running. */
function warmUpMessage() {
  return feedMessage(
    -1,
    { enrolledShare: 0, enrolledPatients: 1, criticalShare: 0, seed: 1 },
    seededRandom(1),
    'WARM-UP',
  ).message;
}

/**
 * One warm-up message on each of a topic's partitions (results of patients who are not enrolled, keyed to land
 * one per partition): every member of a group takes some, whatever its share of partitions.
 */
function warmUpMessages(partitions = TOPIC_PARTITIONS[TOPICS.labResults]!) {
  const base = JSON.parse(warmUpMessage().value as string) as LabResultEvent;
  return keysForEveryPartition(partitions, (n) => `${AUTHORITY}|WARM-UP-${n}`).map((key, partition) => ({
    ...warmUpMessage(),
    key,
    value: JSON.stringify({
      ...base,
      messageControlId: `WARM-UP-${partition}`,
      patient: { ...base.patient, id: key.split('|')[1]! },
    }),
  }));
}

/** Messages a processor process has taken so far, read from its /metrics (any outcome). */
async function messagesTaken(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return [...text.matchAll(/^alem_processor_messages_total\{[^}]*\} (\S+)$/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

function feed(share: number): FeedOptions {
  return { enrolledShare: share, enrolledPatients: ENROLLED_PATIENTS, criticalShare: 0.02, seed: 20261123 };
}

async function withBroker<T>(
  fn: (broker: KafkaMockBroker, kafka: Kafka, producer: MessageProducer) => Promise<T>,
  extraTopics: Record<string, number> = {},
): Promise<T> {
  const broker = await KafkaMockBroker.start({ extraTopics });
  const kafka = createKafka({ brokers: broker.brokers, clientId: 'bench' });
  const producer = new MessageProducer(kafka);
  await producer.connect();
  try {
    return await fn(broker, kafka, producer);
  } finally {
    await producer.disconnect();
    await broker.stop();
  }
}

/** 1. kafkajs alone: consume and decode the 10 % feed, committing per batch like the processor. */
async function rawKafka(args: Args): Promise<ThroughputRun> {
  const topic = 'bench.raw.v1';
  return withBroker(
    async (broker, kafka, producer) => {
      const admin = kafka.admin();
      await admin.connect();
      const consumer = startProcess('bench/src/raw-kafka-consumer.js', {
        BENCH_BROKERS: broker.bootstrap,
        BENCH_TOPIC: topic,
        BENCH_COUNT: String(args.n),
      });
      try {
        await consumer.waitForLine(/^READY/);
        const already = await warmUpEveryPartition({
          producer,
          admin,
          topic,
          groupId: 'bench-raw',
          messages: warmUpMessages(RAW_TOPIC_PARTITIONS),
        });
        const rnd = seededRandom(feed(0.1).seed);
        return await produceUntilCommitted({
          producer,
          admin,
          topic,
          groupId: 'bench-raw',
          count: args.n,
          already,
          message: (i) => feedMessage(i, feed(0.1), rnd).message,
        });
      } finally {
        await consumer.stop();
        await admin.disconnect();
      }
    },
    { [topic]: RAW_TOPIC_PARTITIONS },
  );
}

/** 2. Postgres alone: insert the 100 % feed's result rows in batches into the same table with the same indexes. */
async function rawPostgres(args: Args): Promise<ThroughputRun & { batchSize: number; concurrency: number }> {
  const name = `${RUN}_rawpg`;
  const url = await createMigratedDatabase(name);
  const ds = createDataSource({ url, poolSize: 2 });
  await ds.initialize();
  let pool: Pool | null = null;
  try {
    await seedEnrolledPatients(ds, ENROLLED_PATIENTS);
    const ids = new Map<string, string>(
      (
        (await ds.query(`SELECT identifier, patient_id FROM patient_identifiers`)) as Array<{
          identifier: string;
          patient_id: string;
        }>
      ).map((r) => [r.identifier, r.patient_id]),
    );
    const rnd = seededRandom(feed(1).seed);
    const now = new Date();
    const rows: NewResult[] = [];
    for (let i = 0; i < args.n; i++) {
      const { message } = feedMessage(i, feed(1), rnd);
      const event = JSON.parse(message.value as string) as LabResultEvent;
      rows.push(
        toNewResult(
          event,
          ids.get(event.patient.id)!,
          { topic: TOPICS.labResults, partition: i % 12, offset: String(i) },
          now,
        ),
      );
    }
    const batchSize = 500;
    const concurrency = 4;
    const inserts = new Pool({ connectionString: url, max: concurrency });
    pool = inserts;
    // pool.end() resolves once its clients are told to end, not once their backends are gone: the database is
    // dropped WITH (FORCE) right after, and a backend still closing answers "terminating connection", which an
    // idle client reports on the pool. Nothing is running on it by then; without a listener, the bench crashed.
    inserts.on('error', () => undefined);
    const batches: NewResult[][] = [];
    for (let i = 0; i < rows.length; i += batchSize) batches.push(rows.slice(i, i + batchSize));
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < batches.length) {
          const batch = batches[next++]!;
          await inserts.query(INSERT_RESULTS_SQL, resultInsertParameters(batch));
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { messages: rows.length, seconds, perSecond: rows.length / seconds, batchSize, concurrency };
  } finally {
    await pool?.end();
    await ds.destroy();
    await dropDatabase(name);
  }
}

interface ProcessorRun extends ThroughputRun {
  enrolledShare: number;
  processors: number;
  /** The largest peak RSS of the run's processes (each has its own heap ceiling). */
  peakRssMiB: number;
  /** CPU seconds of all the run's processes together. */
  cpuSeconds: number;
  perProcess: Array<{ peakRssMiB: number; cpuSeconds: number }>;
  /** The results stored before the run, and how long they took to generate (run 3d). */
  history: HistoryGeneration | null;
  stored: number;
  alerts: number;
  occurrences: number;
}

/**
 * 3. The processor end to end on the feed: produce N → every offset committed after its transaction, with
 * `processors` processes in the consumer group `result-processor` on the topic's 12 partitions.
 */
async function processorRun(
  args: Args,
  share: number,
  options: { label: string; processors?: number; historyRows?: number },
): Promise<ProcessorRun> {
  const count = options.processors ?? 1;
  const name = `${RUN}_${options.label.replace(/\W/g, '_')}`;
  const url = await createMigratedDatabase(name);
  const ds = createDataSource({ url, poolSize: 2 });
  await ds.initialize();
  try {
    await seedEnrolledPatients(ds, ENROLLED_PATIENTS);
    const history = options.historyRows ? await storeHistory(url, options.historyRows) : null;
    if (history)
      console.log(
        `  history: ${history.rows} results of ${history.patients} patients generated in ${history.seconds.toFixed(1)} s (insert ${history.insertSeconds.toFixed(1)} s, indexes ${history.indexSeconds.toFixed(1)} s, ANALYZE ${history.analyzeSeconds.toFixed(1)} s; table ${history.tableMiB.toFixed(0)} MiB, indexes ${history.indexesMiB.toFixed(0)} MiB)`,
      );
    return await withBroker(async (broker, kafka, producer) => {
      const admin = kafka.admin();
      await admin.connect();
      const processes: Array<{ app: AppProcess; port: number }> = [];
      try {
        for (let k = 0; k < count; k++) {
          const nodeArgs = [
            ...PROCESSOR_NODE_FLAGS,
            ...(args.profile
              ? [
                  '--cpu-prof',
                  `--cpu-prof-dir=${profileDir}`,
                  `--cpu-prof-name=processor-${options.label.replace(/^p/, '')}${count > 1 ? `-${k + 1}` : ''}.cpuprofile`,
                ]
              : []),
          ];
          // A port of its own rather than 0: the warm-up reads each process's /metrics to see it took a share.
          const port = await freePort();
          const app = startProcess(
            'apps/result-processor/src/main.js',
            {
              DATABASE_URL: url,
              KAFKA_BROKERS: broker.bootstrap,
              KAFKA_CLIENT_ID: `bench-processor-${k + 1}`,
              LOG_LEVEL: 'warn',
              HTTP_PORT: String(port),
              NODE_ENV: 'production',
              // Several members joining at once: the embedded broker now and then answers one's SyncGroup with a
              // protocol error, and that consumer restarts (as it would in production); the group then waits for
              // the old member's session to expire before it settles. A shorter session lets the warm-up end soon.
              ...(count > 1 ? { PROCESSOR_SESSION_TIMEOUT_MS: '10000' } : {}),
            },
            nodeArgs,
          );
          processes.push({ app, port });
        }
        const already = await warmUpEveryPartition({
          producer,
          admin,
          topic: TOPICS.labResults,
          groupId: 'result-processor',
          messages: warmUpMessages(),
          timeoutMs: count > 1 ? 120000 : 60000,
          settled: async () => {
            for (const p of processes) {
              if (!p.app.running) throw new Error('a processor process exited during the warm-up');
              if ((await messagesTaken(p.port)) < 1) return false;
            }
            return true;
          },
        });
        const rnd = seededRandom(feed(share).seed);
        const run = await produceUntilCommitted({
          producer,
          admin,
          topic: TOPICS.labResults,
          groupId: 'result-processor',
          count: args.n,
          already,
          message: (i) => feedMessage(i, feed(share), rnd).message,
        });
        const perProcess = processes.map((p) => ({
          peakRssMiB: p.app.peakRssMiB(),
          cpuSeconds: p.app.cpuSeconds(),
        }));
        const [counts] = await ds.query(
          `SELECT (SELECT count(*) FROM results)::int AS stored, (SELECT count(*) FROM alerts)::int AS alerts, (SELECT count(*) FROM alert_occurrences)::int AS occurrences`,
        );
        return {
          ...run,
          enrolledShare: share,
          processors: count,
          peakRssMiB: Math.max(...perProcess.map((p) => p.peakRssMiB)),
          cpuSeconds: perProcess.reduce((sum, p) => sum + p.cpuSeconds, 0),
          perProcess,
          history,
          ...counts,
        };
      } finally {
        await Promise.all(processes.map((p) => p.app.stop()));
        await admin.disconnect();
      }
    });
  } finally {
    await ds.destroy();
    await dropDatabase(name);
  }
}

interface LatencyRun {
  rate: number;
  seconds: number;
  results: number;
  critical: number;
  alertCommittedMs: {
    p50: number | null;
    p95: number | null;
    p99: number | null;
    max: number | null;
    count: number;
  };
  emailAcceptedMs: {
    p50: number | null;
    p95: number | null;
    p99: number | null;
    max: number | null;
    count: number;
  };
  peakRssMiB: number;
}

/** 4. Latency at a fixed rate: 1 % of results are critical platelet counts of distinct enrolled patients. */
async function latencyRun(args: Args): Promise<LatencyRun> {
  const name = `${RUN}_latency`;
  const url = await createMigratedDatabase(name);
  const ds = createDataSource({ url, poolSize: 2 });
  await ds.initialize();
  const smtp = await SmtpCapture.start();
  const committedAt = new Map<string, number>();
  // Bench-only: announce each alert occurrence at commit time with the control id of its result.
  await ds.query(`
    CREATE FUNCTION bench_notify_occurrence() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('bench_alert', (SELECT message_control_id FROM results WHERE id = NEW.result_id)); RETURN NULL; END $$;
    CREATE TRIGGER bench_occurrence AFTER INSERT ON alert_occurrences FOR EACH ROW EXECUTE FUNCTION bench_notify_occurrence();`);
  const client = new Client({ connectionString: url });
  try {
    await seedEnrolledPatients(ds, ENROLLED_PATIENTS);
    await client.connect();
    client.on('notification', (msg) => {
      if (msg.payload) committedAt.set(msg.payload, performance.now());
    });
    await client.query('LISTEN bench_alert');
    return await withBroker(async (broker, kafka, producer) => {
      const admin = kafka.admin();
      await admin.connect();
      const env = {
        DATABASE_URL: url,
        KAFKA_BROKERS: broker.bootstrap,
        LOG_LEVEL: 'warn',
        HTTP_PORT: '0',
        SMTP_URL: smtp.url,
        REDIS_PREFIX: `${RUN}-latency`,
        NODE_ENV: 'production',
        // The notifier signs acknowledgement links (random keys of this run); the latency run measures one
        // email per critical alert, so the per-person flood summaries are off here.
        ...embeddedSecrets(),
        NOTIFY_RATE_LIMIT_COUNT: '0',
      };
      const nodeArgs = [
        ...PROCESSOR_NODE_FLAGS,
        ...(args.profile
          ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-name=processor-latency.cpuprofile']
          : []),
      ];
      const processor = startProcess('apps/result-processor/src/main.js', env, nodeArgs);
      const notifier = startProcess('apps/notifier/src/main.js', env);
      try {
        await warmUpEveryPartition({
          producer,
          admin,
          topic: TOPICS.labResults,
          groupId: 'result-processor',
          messages: warmUpMessages(),
        });
        const rnd = seededRandom(7);
        const producedAt = new Map<string, number>();
        const total = args.rate * args.seconds;
        const options: FeedOptions = {
          enrolledShare: 0.1,
          enrolledPatients: ENROLLED_PATIENTS / 2,
          criticalShare: 0,
          seed: 7,
        };
        let criticalPatient = ENROLLED_PATIENTS / 2;
        const started = performance.now();
        let sent = 0;
        while (sent < total) {
          const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * args.rate));
          if (due > sent) {
            const batch = [];
            for (; sent < due; sent++) {
              const controlId = `L-${sent}`;
              if (sent % 100 === 50) {
                const { message } = feedMessage(sent, options, rnd, controlId);
                const event = JSON.parse(message.value as string) as LabResultEvent;
                const patient = enrolledId(criticalPatient++);
                const critical: LabResultEvent = {
                  ...event,
                  patient: { id: patient, authority: AUTHORITY },
                  observation: { code: '777-3', system: 'LN', orderId: `O-${sent}` },
                  value: 30,
                  unit: '10*9/L',
                  referenceRange: '150-400',
                };
                batch.push({ ...message, key: `${AUTHORITY}|${patient}`, value: JSON.stringify(critical) });
                producedAt.set(controlId, performance.now());
              } else {
                batch.push(feedMessage(sent, options, rnd, controlId).message);
              }
            }
            await producer.send(TOPICS.labResults, batch);
          } else {
            await new Promise((r) => setTimeout(r, 2));
          }
        }
        const critical = producedAt.size;
        await waitFor(() => [...producedAt.keys()].every((id) => committedAt.has(id)), {
          timeoutMs: 30000,
          description: 'every critical alert committed',
        });
        await smtp.waitForMessages(critical, () => true, 30000);
        const byReference = new Map<string, string>(
          (
            (await ds.query(
              `SELECT a.reference, r.message_control_id FROM alerts a JOIN alert_occurrences o ON o.alert_id = a.id JOIN results r ON r.id = o.result_id`,
            )) as Array<{ reference: string; message_control_id: string }>
          ).map((r) => [r.reference, r.message_control_id]),
        );
        const alertMs = [...producedAt].map(([id, at]) => committedAt.get(id)! - at);
        const emailMs = smtp.messages
          .map((m) => {
            const reference = /alert (\S+) /.exec(m.subject)?.[1];
            const id = reference ? byReference.get(reference) : undefined;
            const at = id ? producedAt.get(id) : undefined;
            // SmtpCapture stamps Date.now(); convert to the performance clock used for production times.
            return at === undefined ? null : m.receivedAt.getTime() - performance.timeOrigin - at;
          })
          .filter((v): v is number => v !== null);
        const summary = (values: number[]) => ({
          p50: round(percentile(values, 50)),
          p95: round(percentile(values, 95)),
          p99: round(percentile(values, 99)),
          max: round(values.length ? Math.max(...values) : null),
          count: values.length,
        });
        const peakRssMiB = processor.peakRssMiB();
        return {
          rate: args.rate,
          seconds: args.seconds,
          results: total,
          critical,
          alertCommittedMs: summary(alertMs),
          emailAcceptedMs: summary(emailMs),
          peakRssMiB,
        };
      } finally {
        if (process.env.BENCH_SHOW_LOGS)
          console.log([...processor.lines.slice(0, 20), '…', ...processor.lines.slice(-10)].join('\n'));
        await notifier.stop();
        await processor.stop();
        await admin.disconnect();
      }
    });
  } finally {
    await client.end().catch(() => undefined);
    await smtp.stop();
    await ds.destroy();
    await dropDatabase(name);
  }
}

/** 10000000 → "10 M", 200000 → "0.2 M". */
function millions(n: number): string {
  return `${Number((n / 1e6).toPrecision(3))} M`;
}

function row(cells: Array<string | number | null>, widths: number[]): string {
  return cells.map((c, i) => String(c ?? '–').padEnd(widths[i]!)).join('  ');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const unknown = [...(args.only ?? [])].filter((name) => !RUNS.includes(name));
  if (unknown.length > 0)
    throw new Error(`--only: no run named ${unknown.join(', ')} (runs: ${RUNS.join(', ')})`);
  if (!Number.isInteger(args.processors) || args.processors < 1)
    throw new Error('--processors: a count of 1 or more');
  const wanted = (name: string) => !args.only || args.only.has(name);
  mkdirSync(path.join(REPO_ROOT, 'bench/results'), { recursive: true });
  if (args.profile) mkdirSync(profileDir, { recursive: true });
  console.log(
    `bench: ${args.quick ? 'quick smoke run (figures not judged)' : 'full run'}; N = ${args.n} messages per throughput run; latency at ${args.rate}/s for ${args.seconds} s`,
  );
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}\n`,
  );

  const t0 = performance.now();
  const kafka = wanted('raw-kafka') ? await rawKafka(args) : null;
  if (kafka) console.log(`  raw kafkajs consume: ${kafka.perSecond.toFixed(0)} msg/s`);
  const pg = wanted('raw-pg') ? await rawPostgres(args) : null;
  if (pg)
    console.log(
      `  raw Postgres insert: ${pg.perSecond.toFixed(0)} rows/s (batches of ${pg.batchSize}, ${pg.concurrency} connections)`,
    );
  const p10 = wanted('p10') ? await processorRun(args, 0.1, { label: 'p10' }) : null;
  if (p10) console.log(`  processor, 10 % enrolled: ${p10.perSecond.toFixed(0)} msg/s`);
  const p100 = wanted('p100') ? await processorRun(args, 1, { label: 'p100' }) : null;
  if (p100) console.log(`  processor, 100 % enrolled: ${p100.perSecond.toFixed(0)} msg/s`);
  const p100Multi = wanted('p100x2')
    ? await processorRun(args, 1, { label: 'p100x2', processors: args.processors })
    : null;
  if (p100Multi)
    console.log(
      `  processor, 100 % enrolled, ${p100Multi.processors} processes: ${p100Multi.perSecond.toFixed(0)} msg/s (${p100Multi.cpuSeconds.toFixed(1)} CPU s in all, largest peak RSS ${p100Multi.peakRssMiB.toFixed(0)} MiB)`,
    );
  const p100History = wanted('p100-10m')
    ? await processorRun(args, 1, { label: 'p100-10m', historyRows: args.historyRows })
    : null;
  if (p100History)
    console.log(
      `  processor, 100 % enrolled, ${millions(args.historyRows)} results stored: ${p100History.perSecond.toFixed(0)} msg/s`,
    );
  const latency = wanted('latency') ? await latencyRun(args) : null;
  if (latency) console.log(`  latency run: ${latency.results} results, ${latency.critical} critical`);

  const judge = (ok: boolean | null) => (args.quick || ok === null ? '' : ok ? 'met' : 'MISSED');
  const ratio10 = kafka && p10 ? p10.perSecond / kafka.perSecond : null;
  const ratio100 = pg && p100 ? p100.perSecond / pg.perSecond : null;
  const ratioMultiPg = pg && p100Multi ? p100Multi.perSecond / pg.perSecond : null;
  const ratioMulti100 = p100 && p100Multi ? p100Multi.perSecond / p100.perSecond : null;
  const peakRss =
    Math.max(
      p10?.peakRssMiB ?? 0,
      p100?.peakRssMiB ?? 0,
      p100Multi?.peakRssMiB ?? 0,
      latency?.peakRssMiB ?? 0,
    ) || null;
  const ratioHistory = p100 && p100History ? p100History.perSecond / p100.perSecond : null;
  const percentOf = (ratio: number | null, of: string) =>
    ratio === null ? null : `${(ratio * 100).toFixed(0)} % of ${of}`;
  const lines: Array<Array<string | number | null>> = [
    ['measure', 'value', 'ratio', 'target', 'result'],
    ['1. raw kafkajs consume (msg/s)', kafka ? Math.round(kafka.perSecond) : null, '', '', ''],
    ['2. raw Postgres bulk insert (rows/s)', pg ? Math.round(pg.perSecond) : null, '', '', ''],
    [
      '3a. processor, 10 % enrolled (msg/s)',
      p10 ? Math.round(p10.perSecond) : null,
      percentOf(ratio10, '1'),
      '≥ 60 % of 1',
      judge(ratio10 === null ? null : ratio10 >= 0.6),
    ],
    [
      '3b. processor, 100 % enrolled (msg/s)',
      p100 ? Math.round(p100.perSecond) : null,
      percentOf(ratio100, '2'),
      '≥ 40 % of 2',
      judge(ratio100 === null ? null : ratio100 >= 0.4),
    ],
    [
      `3c. processor, 100 % enrolled, ${p100Multi?.processors ?? args.processors} processes (msg/s)`,
      p100Multi ? Math.round(p100Multi.perSecond) : null,
      [percentOf(ratioMultiPg, '2'), percentOf(ratioMulti100, '3b')].filter(Boolean).join('; ') || null,
      '',
      '',
    ],
    [
      `3d. processor, 100 % enrolled, ${millions(args.historyRows)} results stored (msg/s)`,
      p100History ? Math.round(p100History.perSecond) : null,
      percentOf(ratioHistory, '3b'),
      '≥ 75 % of 3b',
      judge(ratioHistory === null ? null : ratioHistory >= 0.75),
    ],
    [
      `4a. alert committed p50/p95/p99 (ms) @${args.rate}/s`,
      latency
        ? `${latency.alertCommittedMs.p50}/${latency.alertCommittedMs.p95}/${latency.alertCommittedMs.p99}`
        : null,
      '',
      'p99 < 250',
      judge(latency ? (latency.alertCommittedMs.p99 ?? Infinity) < 250 : null),
    ],
    [
      '4b. email accepted p50/p95/p99 (ms)',
      latency
        ? `${latency.emailAcceptedMs.p50}/${latency.emailAcceptedMs.p95}/${latency.emailAcceptedMs.p99}`
        : null,
      '',
      'p99 < 1000',
      judge(latency ? (latency.emailAcceptedMs.p99 ?? Infinity) < 1000 : null),
    ],
    [
      '5. processor peak RSS (MiB)',
      peakRss === null ? null : Math.round(peakRss),
      '',
      '< 300',
      judge(peakRss === null ? null : peakRss < 300),
    ],
  ];
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => String(l[i] ?? '–').length)));
  console.log(`\n${row(lines[0]!, widths)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const l of lines.slice(1)) console.log(row(l, widths));

  const report = {
    at: new Date().toISOString(),
    quick: args.quick,
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    settings: {
      n: args.n,
      rate: args.rate,
      seconds: args.seconds,
      enrolledPatients: ENROLLED_PATIENTS,
      processors: args.processors,
      historyRows: args.historyRows,
    },
    rawKafka: kafka,
    rawPostgres: pg,
    processor10: p10,
    processor100: p100,
    processor100Multi: p100Multi,
    processor100History: p100History,
    latency,
    ratios: {
      processor10OverRawKafka: ratio10,
      processor100OverRawPostgres: ratio100,
      processor100MultiOverRawPostgres: ratioMultiPg,
      processor100MultiOverProcessor100: ratioMulti100,
      processor100HistoryOverProcessor100: ratioHistory,
    },
    peakRssMiB: peakRss,
    benchSeconds: (performance.now() - t0) / 1000,
  };
  const file = path.join(
    REPO_ROOT,
    'bench/results',
    `bench-${report.at.replace(/[:.]/g, '-')}${args.quick ? '-quick' : ''}.json`,
  );
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${report.benchSeconds.toFixed(0)} s; written ${path.relative(REPO_ROOT, file)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench failed:', error);
    process.exit(1);
  },
);
