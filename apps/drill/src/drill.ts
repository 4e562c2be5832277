import { createKafka } from '@alem/messaging';
import { loadConfig } from '@alem/runtime';
import { waitFor } from '@alem/local-stack';
import { BREACH_RULE, buildFeed, DRILL_AUTHORITY, type FeedItem, type FeedSpec } from './drill-feed';
import { type FaultName, type FaultRun, injectFault } from './drill-faults';
import { emptyTally, KafkaLab, MllpLab } from './drill-labs';
import { type DrillObservations, type FaultTiming, judgeLedger, type Ledger } from './drill-ledger';
import {
  alertsOfRun,
  consumerLag,
  copiesByReference,
  deadLetteredPerKey,
  feedAccount,
  outboxState,
  rowsNotOnce,
  storedCount,
  storedPerControlId,
} from './drill-observe';
import { seedDrill, ON_DUTY } from './drill-setup';
import { type AppBuild, type AppName, DrillSystem } from './drill-system';

export interface DrillOptions extends FeedSpec {
  /** Items sent per second, both routes together. */
  rate: number;
  faults: FaultName[];
  /** How long each outage lasts. */
  holdMs: number;
  /** The longest wait for the system to be quiet after the feed and the faults. */
  quietTimeoutMs: number;
  log: (line: string) => void;
  /** The compiled apps (as deployed) or their sources (tests); default dist. */
  build?: AppBuild;
}

export interface DrillReport {
  options: Omit<DrillOptions, 'log'>;
  ledger: Ledger;
  /** How many times each app was started: a kill and its replacement make two. */
  starts: Record<string, number>;
}

const APPS: AppName[] = ['processor-1', 'processor-2', 'ingest-gateway', 'notifier', 'monitoring-scheduler'];
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One drill: the system up as deployed, the feed sent at a steady rate over MLLP and Kafka while the faults
 * are injected one after another, a bounded wait for the system to be quiet, and the ledger.
 */
export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const started = Date.now();
  const log = (line: string) =>
    options.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  const system = await DrillSystem.start({ log, build: options.build ?? 'dist' });
  // Set when the books close, or when the drill fails part-way: the labs and the sampler then stop too.
  let stopped = false;
  let sampling = true;
  const closers: Array<() => Promise<unknown>> = [];
  try {
    const now = new Date();
    await seedDrill(system.database, options.patients, now);
    for (const app of APPS) await system.startApp(app);
    log(`apps started: ${APPS.join(', ')}`);
    const feed = buildFeed(options, now);
    log(
      `feed: ${feed.length} items (${options.results} results of ${options.patients} patients, ` +
        `${options.breaching} critical, ${feed.filter((i) => i.resend).length} re-sends, ` +
        `${options.malformed} malformed) at ${options.rate}/s over MLLP and Kafka`,
    );
    const groupId = loadConfig(system.env).processor.groupId;
    const kafka = createKafka({ brokers: system.broker.brokers, clientId: 'drill-observer' });
    const admin = kafka.admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    const tally = emptyTally();
    const kafkaLab = new KafkaLab(system.broker.brokers, tally);
    await kafkaLab.connect();
    closers.push(() => kafkaLab.disconnect());
    const mllpLab = new MllpLab(system.mllpPort, tally);
    closers.push(() => mllpLab.reset());
    const isStopped = () => stopped;

    // The labs: each item is due at its place in the feed; a lab that fell behind sends as fast as it can.
    const t0 = Date.now();
    const dueAt = (index: number) => t0 + (index * 1000) / options.rate;
    const sent = new Set<number>();
    const mllpItems = feed.map((item, i) => ({ item, i })).filter((x) => x.item.route === 'mllp');
    const kafkaItems = feed.map((item, i) => ({ item, i })).filter((x) => x.item.route === 'kafka');
    const mllpDone = (async () => {
      for (const { item, i } of mllpItems) {
        const wait = dueAt(i) - Date.now();
        if (wait > 0) await pause(wait);
        await mllpLab.send(item, isStopped);
        sent.add(i);
      }
    })();
    const kafkaDone = (async () => {
      let next = 0;
      while (next < kafkaItems.length && !stopped) {
        const wait = dueAt(kafkaItems[next]!.i) - Date.now();
        if (wait > 0) await pause(Math.min(wait, 50));
        const batch: Array<{ item: FeedItem; i: number }> = [];
        while (next < kafkaItems.length && dueAt(kafkaItems[next]!.i) <= Date.now() && batch.length < 500) {
          batch.push(kafkaItems[next]!);
          next++;
        }
        if (batch.length === 0) continue;
        await kafkaLab.send(
          batch.map((b) => b.item),
          isStopped,
        );
        for (const b of batch) sent.add(b.i);
      }
    })();

    // What the system is doing, twice a second: the backlog (due and unsent, plus consumer lag).
    const samples: Array<{ at: number; backlog: number; lag: number }> = [];
    const sampler = (async () => {
      while (sampling) {
        const lag = await consumerLag(admin, groupId);
        if (lag !== null) {
          const due = feed.reduce((n, _item, i) => n + (dueAt(i) <= Date.now() && !sent.has(i) ? 1 : 0), 0);
          samples.push({ at: Date.now(), backlog: due + lag, lag });
        }
        await pause(500);
      }
    })();

    // The faults, one after another, spread over the feed.
    const feedMs = (feed.length * 1000) / options.rate;
    const gap = feedMs / (options.faults.length + 1);
    const notifierKills: Date[] = [];
    const runs: Array<{ name: FaultName; run: FaultRun; backlogBefore: number }> = [];
    for (let k = 0; k < options.faults.length; k++) {
      const wait = t0 + (k + 1) * gap - Date.now();
      if (wait > 0) await pause(wait);
      const backlogBefore = samples.at(-1)?.backlog ?? 0;
      const name = options.faults[k]!;
      const run = await injectFault(name, { system, holdMs: options.holdMs, log, notifierKills });
      runs.push({ name, run, backlogBefore });
    }
    // Bounded: a lab that cannot get its messages in two minutes after the feed's end is stopped (and the
    // ledger shows what did not arrive).
    const feedDone = Promise.all([mllpDone, kafkaDone]);
    let bound: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      bound = setTimeout(() => resolve(false), Math.max(0, t0 + feedMs + 120_000 - Date.now()));
    });
    const inTime = await Promise.race([feedDone.then(() => true), timedOut]);
    clearTimeout(bound);
    if (!inTime) {
      log('the labs could not send their feed in time: stopped');
      stopped = true;
      await feedDone;
    }
    log(`feed sent in ${((Date.now() - t0) / 1000).toFixed(1)} s; waiting for the system to be quiet`);
    for (const [reason, n] of tally.retryReasons) log(`  sent again ${n}×: ${reason}`);

    const account = feedAccount(feed);
    const quiet = await waitFor(
      async () => {
        const stored = await storedCount(system.database);
        const outbox = await outboxState(system.database);
        return stored >= account.sentResults.length &&
          outbox.notificationsUnsettled === 0 &&
          outbox.deliveriesUnsettled === 0 &&
          system.smtp.messages.length >= options.breaching * ON_DUTY.length &&
          system.sms.messages.length >= options.breaching * ON_DUTY.length
          ? true
          : undefined;
      },
      { timeoutMs: options.quietTimeoutMs, intervalMs: 1000, description: 'the system to be quiet' },
    ).catch(() => false);
    log(quiet ? 'quiet' : `not quiet after ${options.quietTimeoutMs / 1000} s: the ledger says what is left`);
    // A last look for late extras (a re-send after a kill, a retry after an outage) before the books close.
    await pause(2000);
    stopped = true;
    sampling = false;
    await sampler;

    const db = system.database;
    const alerts = await alertsOfRun(db, DRILL_AUTHORITY);
    const breaching = new Set(account.breachingPatients);
    const references = new Set(
      alerts.filter((a) => breaching.has(a.patient) && a.rule === BREACH_RULE).map((a) => a.reference),
    );
    const email = copiesByReference(
      system.smtp.messages.map((m) => ({ to: m.to, text: `${m.subject}\n${m.text}`, at: m.receivedAt })),
      references,
    );
    const sms = copiesByReference(
      system.sms.messages.map((m) => ({ to: [m.to], text: m.body, at: m.receivedAt })),
      references,
    );
    const faults: FaultTiming[] = [];
    for (const { name, run, backlogBefore } of runs) {
      const { rows } = await db.query<{ at: Date | null }>(
        `SELECT min(stored_at) AS at FROM results WHERE stored_at > $1 AND message_control_id LIKE 'DRILL-%'`,
        [run.healedAt],
      );
      const drained = samples.find(
        (s) => s.at >= run.healedAt.getTime() && s.backlog <= backlogBefore + options.rate / 2,
      );
      const { rows: stall } = await db.query<{ ms: number | null }>(
        `SELECT max(extract(epoch FROM gap) * 1000)::float8 AS ms FROM (
           SELECT at - lag(at) OVER (ORDER BY at) AS gap FROM (
             SELECT stored_at AS at FROM results
             WHERE message_control_id LIKE 'DRILL-%' AND stored_at BETWEEN $1 AND $2
             UNION ALL SELECT $1::timestamptz) s) g`,
        [run.injectedAt, drained ? new Date(drained.at) : new Date()],
      );
      faults.push({
        name,
        longestStallMs: stall[0]?.ms ?? 0,
        injectedAt: run.injectedAt,
        healedAt: run.healedAt,
        firstStoredAfterHeal: rows[0]?.at ?? null,
        drainedAt: drained ? new Date(drained.at) : null,
      });
    }
    const outbox = await outboxState(db);
    const observations: DrillObservations = {
      sentResults: account.sentResults,
      resendItems: account.resendItems,
      labRetries: tally.retries,
      storedPerControlId: await storedPerControlId(db),
      refusedValid: tally.refusedValid,
      malformedKafka: account.malformedKafka,
      malformedMllp: account.malformedMllp,
      deadLetteredPerKey: await deadLetteredPerKey(db, account.malformedKafka),
      malformedRefused: tally.malformedRefused,
      malformedAccepted: tally.malformedAccepted,
      breachingPatients: account.breachingPatients,
      rule: BREACH_RULE,
      alerts,
      emailRecipients: ON_DUTY.map((p) => p.email),
      smsRecipients: ON_DUTY.map((p) => p.phone),
      email: email.copies,
      sms: sms.copies,
      strayEmails: email.stray,
      straySms: sms.stray,
      ...outbox,
      rowsNotOnce: await rowsNotOnce(db),
      notifierKills,
      faults,
      peakLag: Math.max(0, ...samples.map((s) => s.lag)),
      seconds: Math.round((Date.now() - started) / 1000),
    };
    const { log: _log, ...rest } = options;
    return {
      options: rest,
      ledger: judgeLedger(observations),
      starts: Object.fromEntries(system.starts),
    };
  } finally {
    stopped = true;
    sampling = false;
    for (const close of closers) await close().catch(() => undefined);
    await system.stop();
  }
}
