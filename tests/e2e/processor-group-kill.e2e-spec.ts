import { TOPICS, type OutboundMessage } from '@alem/messaging';
import { waitFor } from '@alem/local-stack';
import { asMessage, labResult } from '../support/lab-results';
import { enrol } from '../support/notifier';
import {
  type ProcessorProcess,
  startProcessorProcess,
  waitForConsumerRunning,
} from '../support/processor-process';
import { seedDemoPatient, startTestStack, type TestStack } from '../support/test-stack';

const GROUP = 'group-kill';
const PATIENTS = 48;
/** Patients MRN2000 … MRN2011 get critical platelet counts (PLT-4: below 50 × 10⁹/L); the rest only normal ones. */
const BREACHING = 12;
const CRITICALS_PER_PATIENT = 3;
const RESULTS = 3000;
const CHUNK = 150;
const WINDOW = 600;
const FEED_START = Date.UTC(2026, 10, 1);

function mrn(i: number): string {
  return `MRN${2000 + i}`;
}

interface FeedResult {
  controlId: string;
  patient: string;
  critical: boolean;
  message: OutboundMessage;
}

/**
 * The feed: normal platelet, neutrophil and leukocyte counts over all patients, keyed by patient (so over the 12
 * partitions), with each breaching patient's critical counts spread through it. Observation times advance a
 * minute per result, so that each patient's results come in the order they were taken.
 */
function buildFeed(): FeedResult[] {
  const criticalAt = new Map<number, number>();
  for (let k = 0; k < BREACHING * CRITICALS_PER_PATIENT; k++) {
    criticalAt.set(Math.floor(((k + 0.5) * RESULTS) / (BREACHING * CRITICALS_PER_PATIENT)), k % BREACHING);
  }
  const routine = [
    { code: '777-3', value: 230, unit: '10*9/L', referenceRange: '150-400' },
    { code: '751-8', value: 4.1, unit: '10*9/L', referenceRange: '1.8-7.7' },
    { code: '6690-2', value: 6.2, unit: '10*9/L', referenceRange: '4-10' },
  ];
  return Array.from({ length: RESULTS }, (_, i) => {
    const breaching = criticalAt.get(i);
    const patient = mrn(breaching ?? i % PATIENTS);
    const analyte =
      breaching === undefined
        ? routine[Math.floor(i / PATIENTS) % routine.length]!
        : { ...routine[0]!, value: 30 };
    const controlId = `KILL-${String(i).padStart(5, '0')}`;
    const event = labResult({
      patient: { id: patient, authority: 'HOSP' },
      messageControlId: controlId,
      observation: { code: analyte.code, system: 'LN', orderId: `ORD-${controlId}` },
      value: analyte.value,
      unit: analyte.unit,
      referenceRange: analyte.referenceRange,
      observedAt: new Date(FEED_START + i * 60_000).toISOString(),
    });
    return { controlId, patient, critical: breaching !== undefined, message: asMessage(event) };
  });
}

/**
 * The rule decisions the feed must cause, in control-id order: every critical count opens or recurs PLT-4
 * (below 50), and also PLT-2 (a fall of half or more) when the patient's previous platelet count was a normal one.
 */
function expectedOccurrences(
  feed: FeedResult[],
): Array<{ controlId: string; patient: string; rule: string }> {
  const previousPlatelets = new Map<string, number>();
  const out: Array<{ controlId: string; patient: string; rule: string }> = [];
  for (const r of feed) {
    const event = JSON.parse(r.message.value as string) as { observation: { code: string }; value: number };
    if (event.observation.code !== '777-3') continue;
    const previous = previousPlatelets.get(r.patient);
    if (r.critical && previous !== undefined && event.value <= previous / 2) {
      out.push({ controlId: r.controlId, patient: r.patient, rule: 'PLT-2' });
    }
    if (r.critical) out.push({ controlId: r.controlId, patient: r.patient, rule: 'PLT-4' });
    previousPlatelets.set(r.patient, event.value);
  }
  return out;
}

/**
 * Issue: a processor of a group of two is killed (SIGKILL: no leaving the group, no offset commit, a batch
 * perhaps half done) while results are flowing. The survivor takes its partitions once the killed member's
 * session expires, and takes again whatever the killed one had stored but not committed. Judged on the database:
 * every result stored once, every expected alert opened once with one occurrence per critical result, and one
 * notification per alert and reason.
 */
describe('a processor of a group of two killed while results flow', () => {
  let stack: TestStack;
  const processors: ProcessorProcess[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    const { team } = await seedDemoPatient(stack.dataSource);
    for (let i = 0; i < PATIENTS; i++) {
      await enrol(stack.dataSource, 'site-1', team.careTeamId, mrn(i), `Patient ${i}`);
    }
  });

  afterAll(async () => {
    await Promise.all(processors.map((p) => p.app.kill()));
    await stack?.stop();
  });

  const storedCount = async () =>
    (
      (await stack.dataSource.query(
        `SELECT count(*)::int AS n FROM results WHERE message_control_id LIKE 'KILL-%'`,
      )) as Array<{ n: number }>
    )[0]!.n;

  it('loses nothing and doubles nothing: the survivor takes over', async () => {
    const feed = buildFeed();
    for (const name of ['processor-a', 'processor-b']) {
      processors.push(await startProcessorProcess(stack, { name, groupId: GROUP, sessionTimeoutMs: 6000 }));
    }
    const [victim, survivor] = processors as [ProcessorProcess, ProcessorProcess];
    // Both in the group before anything is sent, so that each holds partitions with results on them.
    await Promise.all(processors.map((p) => waitForConsumerRunning(p)));

    // The feed as a stream: a chunk at a time, never more than WINDOW results ahead of what is stored (flow
    // control, not pacing), so that results are still to come when the kill falls, and after it.
    let sent = 0;
    const producing = (async () => {
      for (let i = 0; i < RESULTS; i += CHUNK) {
        await waitFor(async () => (await storedCount()) >= i - WINDOW, {
          timeoutMs: 45000,
          description: `results up to ${i - WINDOW} stored`,
        });
        await stack.producer.send(
          TOPICS.labResults,
          feed.slice(i, i + CHUNK).map((r) => r.message),
        );
        sent = Math.min(RESULTS, i + CHUNK);
      }
    })();
    // Awaited below; a failure meanwhile must not surface as an unhandled rejection.
    producing.catch(() => undefined);

    // The kill falls while the victim is working: it has stored results of its own, and more are coming.
    await waitFor(async () => (await victim.stored()) > 0 && (await survivor.stored()) > 0, {
      timeoutMs: 30000,
      description: 'both processors to store results',
    });
    await victim.app.kill();
    const [storedAtKill, sentAtKill] = [await storedCount(), sent];
    const endsAtKill = await stack.admin.fetchTopicOffsets(TOPICS.labResults);
    expect(storedAtKill).toBeGreaterThan(0);
    expect(sentAtKill).toBeLessThan(RESULTS);

    await producing;
    // What came after the kill went to every partition, the victim's included: only the survivor could take it.
    const ends = await stack.admin.fetchTopicOffsets(TOPICS.labResults);
    const unchanged = ends.filter(
      (p) => p.high === endsAtKill.find((k) => k.partition === p.partition)?.high,
    );
    expect(unchanged).toEqual([]);

    await waitFor(async () => (await storedCount()) >= RESULTS, {
      timeoutMs: 45000,
      intervalMs: 200,
      description: `all ${RESULTS} results stored`,
    });
    await stack.waitUntilConsumed(GROUP, 20000);
    expect(survivor.app.running).toBe(true);

    const [results] = (await stack.dataSource.query(
      `SELECT count(*)::int AS stored, count(DISTINCT message_control_id)::int AS messages,
              count(DISTINCT idempotency_key)::int AS keys
       FROM results WHERE message_control_id LIKE 'KILL-%'`,
    )) as Array<{ stored: number; messages: number; keys: number }>;
    expect(results).toEqual({ stored: RESULTS, messages: RESULTS, keys: RESULTS });

    // Exactly the expected alerts, each opened once, and nothing for the patients whose counts stayed normal.
    const expected = expectedOccurrences(feed);
    const alerts = (await stack.dataSource.query(
      `SELECT coalesce(pi.identifier, '(no patient)') AS patient, a.rule_id AS rule, count(*)::int AS alerts,
              sum(a.occurrence_count)::int AS occurrences
       FROM alerts a LEFT JOIN patient_identifiers pi ON pi.patient_id = a.patient_id AND pi.authority = 'HOSP'
       GROUP BY 1, a.rule_id ORDER BY 1, a.rule_id`,
    )) as Array<{ patient: string; rule: string; alerts: number; occurrences: number }>;
    const perAlert = new Map<string, number>();
    for (const o of expected)
      perAlert.set(`${o.patient} ${o.rule}`, (perAlert.get(`${o.patient} ${o.rule}`) ?? 0) + 1);
    expect(alerts).toEqual(
      [...perAlert].sort().map(([key, occurrences]) => {
        const [patient, rule] = key.split(' ');
        return { patient, rule, alerts: 1, occurrences };
      }),
    );
    expect(new Set(alerts.map((a) => a.patient)).size).toBe(BREACHING);

    // One occurrence per critical result and rule; no result counted twice.
    const occurrences = (await stack.dataSource.query(
      `SELECT r.message_control_id AS "controlId", a.rule_id AS rule, count(*)::int AS n
       FROM alert_occurrences o JOIN results r ON r.id = o.result_id JOIN alerts a ON a.id = o.alert_id
       GROUP BY r.message_control_id, a.rule_id ORDER BY r.message_control_id, a.rule_id`,
    )) as Array<{ controlId: string; rule: string; n: number }>;
    expect(occurrences).toEqual(expected.map(({ controlId, rule }) => ({ controlId, rule, n: 1 })));
    const [unlinked] = (await stack.dataSource.query(
      `SELECT count(*)::int AS n FROM alert_occurrences WHERE result_id IS NULL`,
    )) as Array<{ n: number }>;
    expect(unlinked!.n).toBe(0);

    // The outbox: one notification per alert and reason (a redelivered batch must not queue another).
    const notifications = (await stack.dataSource.query(
      `SELECT a.reference, n.reason, count(*)::int AS n
       FROM notifications n JOIN alerts a ON a.id = n.alert_id GROUP BY a.reference, n.reason`,
    )) as Array<{ reference: string; reason: string; n: number }>;
    expect(notifications.filter((n) => n.n !== 1)).toEqual([]);
    // … and every alert opened has its notification queued.
    expect(new Set(notifications.map((n) => n.reference)).size).toBe(perAlert.size);
  }, 120_000);
});
