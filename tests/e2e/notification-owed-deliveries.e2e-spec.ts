import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { type INestApplicationContext } from '@nestjs/common';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { register } from 'prom-client';
import { RedisServer, waitFor } from '@alem/local-stack';
import { TOPICS } from '@alem/messaging';
import { deliveryJobId, JOBS, QUEUES } from '@alem/notifications';
import { type AppConfig, loadConfig, redisConnection } from '@alem/runtime';
import { asMessage, labResult } from '../support/lab-results';
import { enrol, rowsOf, seedPragueSite, seedTeam, setOnDuty } from '../support/notifier';
import { asAdmin } from '../support/test-database';
import { startTestStack, type TestStack } from '../support/test-stack';

const ROOT = path.resolve(__dirname, '../..');
const SITE = 'owed';

interface DeliveryRow {
  id: string;
  state: string;
  attempts: number;
  generation: number;
}

/**
 * Issue 15: the database is the authority on what is still owed. A delivery whose job ended without settling
 * it (BullMQ failed it as stalled after its notifier died twice mid-send, or its runs were used up by a Postgres
 * outage) is run again; a message the provider took is recorded when the database is back, never sent again.
 * Real notifier processes killed with SIGKILL, a real SMTP server that holds its reply, real Postgres and Redis.
 */
describe('owed deliveries are sent, once', () => {
  let stack: TestStack;
  const children: ChildProcess[] = [];

  const ds = () => stack.dataSource;

  /** A team of one on-duty clinician with a verified email, and an enrolled patient of theirs. */
  async function patientOf(mrn: string, email: string): Promise<void> {
    const team = await seedTeam(ds(), SITE, `team of ${email}`, [
      { email, displayName: `Dr. ${mrn}`, role: 'clinician' },
    ]);
    await setOnDuty(ds(), team.careTeamId, [team.people[email]!.userId]);
    await enrol(ds(), SITE, team.careTeamId, mrn);
    await stack.waitForEnrolment({ authority: 'HOSP', id: mrn });
  }

  /** A PLT-4 critical for the patient: one email to their clinician. */
  async function criticalFor(mrn: string): Promise<void> {
    await stack.producer.send(TOPICS.labResults, [
      asMessage(labResult({ patient: { id: mrn, authority: 'HOSP' }, value: 31 })),
    ]);
  }

  async function deliveryTo(email: string): Promise<DeliveryRow> {
    return waitFor(
      async () =>
        (
          await rowsOf<DeliveryRow>(
            ds(),
            `SELECT id, state, attempts, generation FROM deliveries WHERE address = $1`,
            [email],
          )
        )[0],
      { timeoutMs: 30000, description: `a delivery to ${email}` },
    );
  }

  async function settled(email: string, timeoutMs = 60000): Promise<DeliveryRow> {
    return waitFor(
      async () => {
        const row = await deliveryTo(email);
        return row.state === 'sent' ? row : undefined;
      },
      { timeoutMs, description: `the delivery to ${email} to be sent` },
    );
  }

  const mailTo = (email: string) => stack.smtp.messages.filter((m) => m.to.includes(email));

  /** The notifier as deployed: its own OS process, started from source. */
  function startNotifierProcess(extra: Record<string, string> = {}): ChildProcess {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/notifier/src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...stack.env(), LOG_LEVEL: 'error', ...extra },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  }

  const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

  async function kill(child: ChildProcess): Promise<void> {
    if (!running(child)) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Makes Postgres refuse the notifier: no new connections to the database, its open ones cut. */
  async function cutNotifierOffPostgres(): Promise<void> {
    await asAdmin(`ALTER DATABASE "${stack.db.name}" ALLOW_CONNECTIONS false`);
    await asAdmin(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'notifier'`,
      [stack.db.name],
    );
  }

  async function reconnectPostgres(): Promise<void> {
    await asAdmin(`ALTER DATABASE "${stack.db.name}" ALLOW_CONNECTIONS true`);
  }

  async function counter(name: string): Promise<number> {
    const metric = await register.getSingleMetric(name)?.get();
    return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
  }

  async function startNotifierInProcess(config: AppConfig): Promise<INestApplicationContext> {
    return stack.startNotifier({ config });
  }

  beforeAll(async () => {
    stack = await startTestStack();
    await seedPragueSite(ds(), SITE);
    await stack.startProcessor();
  });

  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await reconnectPostgres().catch(() => undefined);
    await stack?.stop();
  });

  it('sends a critical email whose notifier was killed twice mid-send, once BullMQ has failed its job as stalled', async () => {
    await patientOf('MRN-K1', 'killed-twice@owed.test');
    // Short job locks, so that a dead notifier's job is seen stalled in a second rather than in 30.
    const lock = { NOTIFIER_JOB_LOCK_MS: '1000' };
    stack.smtp.holdReplies();
    const first = startNotifierProcess(lock);
    await criticalFor('MRN-K1');
    await stack.smtp.waitForHeld(1, 30000);
    await kill(first);
    // The replacement takes the stalled job, sends again, and is killed on the same message.
    const second = startNotifierProcess(lock);
    await stack.smtp.waitForHeld(2, 30000);
    await kill(second);
    const delivery = await deliveryTo('killed-twice@owed.test');
    expect(delivery).toMatchObject({ state: 'queued', attempts: 0 });

    // The third finds the job stalled a second time: BullMQ fails it ("job stalled more than allowable
    // limit"). The delivery is still owed, so it is run again, and the relay waits for no one to notice.
    const queue = new Queue(QUEUES.delivery, {
      connection: redisConnection(stack.config.redis.url),
      prefix: stack.config.redis.prefix,
    });
    try {
      await waitFor(async () => stack.smtp.heldCount === 2 && stack.smtp.heldOpen === 0, {
        description: 'the killed notifiers’ SMTP sessions to close, unanswered',
      });
      stack.smtp.answerHeld();
      startNotifierProcess(lock);
      const sent = await settled('killed-twice@owed.test');
      expect(sent.attempts).toBe(1);
      const job = await queue.getJob(deliveryJobId(sent.id, sent.generation));
      expect(job?.stalledCounter).toBeGreaterThanOrEqual(1);
    } finally {
      await queue.close();
    }
    // Neither killed send was accepted (no 250 was given); the third was: one message.
    await stack.smtp.waitForMessages(1, (m) => m.to.includes('killed-twice@owed.test'));
    expect(mailTo('killed-twice@owed.test')).toHaveLength(1);
    for (const child of children) await kill(child);
  });

  it('records a send the provider took while Postgres was away, when it is back, and does not send it again', async () => {
    await patientOf('MRN-D1', 'db-after-send@owed.test');
    const notifier = await startNotifierInProcess(
      loadConfig({ ...stack.env(), DELIVERY_BACKOFF_MS: '200', NOTIFIER_JOB_LOCK_MS: '1000' }),
    );
    const unrecorded = await counter('alem_delivery_unrecorded_sends_total');
    const held = stack.smtp.heldCount;
    stack.smtp.holdReplies();
    await criticalFor('MRN-D1');
    await stack.smtp.waitForHeld(held + 1);
    // SMTP has the message; before it says so, Postgres goes away. Then SMTP accepts it.
    await cutNotifierOffPostgres();
    try {
      stack.smtp.answerHeld();
      await stack.smtp.waitForMessages(1, (m) => m.to.includes('db-after-send@owed.test'));
      await waitFor(async () => (await counter('alem_delivery_unrecorded_sends_total')) > unrecorded, {
        description: 'the notifier to find it cannot record the send',
      });
    } finally {
      await reconnectPostgres();
    }
    const sent = await settled('db-after-send@owed.test');
    expect(sent.attempts).toBe(1);
    const attempts = await rowsOf<{ outcome: string }>(
      ds(),
      `SELECT outcome FROM delivery_attempts WHERE delivery_id = $1`,
      [sent.id],
    );
    expect(attempts).toEqual([{ outcome: 'sent' }]);
    // The retries recorded it; none sent it again.
    expect(mailTo('db-after-send@owed.test')).toHaveLength(1);
    expect(mailTo('db-after-send@owed.test')[0]!.headers.get('message-id')).toBe(
      `<${sent.id}@alerts.test.example>`,
    );
    await notifier.close();
  });

  it('records a send the provider took while Postgres was away as soon as it is back, though Redis lost the job meanwhile', async () => {
    await patientOf('MRN-D2', 'db-and-redis@owed.test');
    // A Redis of the test's own, to be killed with everything in it (the job, its back-off, the send kept with
    // it), and the notifier as deployed, its own process (killed at the end: its Redis is gone).
    const redis = await RedisServer.start();
    const notifier = startNotifierProcess({ REDIS_URL: redis.url, DELIVERY_BACKOFF_MS: '200' });
    try {
      const held = stack.smtp.heldCount;
      stack.smtp.holdReplies();
      await criticalFor('MRN-D2');
      await stack.smtp.waitForHeld(held + 1, 30000);
      await cutNotifierOffPostgres();
      try {
        // SMTP accepts it while the notifier cannot record it; then Redis dies before Postgres is back.
        stack.smtp.answerHeld();
        await stack.smtp.waitForMessages(1, (m) => m.to.includes('db-and-redis@owed.test'));
        await redis.kill();
      } finally {
        await reconnectPostgres();
      }
      // The notifier that sent it records it, with Redis still dead: the fact "sent" waits on nothing in Redis.
      const sent = await settled('db-and-redis@owed.test', 15000);
      expect(sent.attempts).toBe(1);
      expect(mailTo('db-and-redis@owed.test')).toHaveLength(1);
    } finally {
      await kill(notifier);
      await redis.stop();
    }
  });

  it('sends a delivery whose retries a Postgres outage used up, once Postgres is back', async () => {
    await patientOf('MRN-R1', 'db-retry@owed.test');
    const notifier = await startNotifierInProcess(
      loadConfig({
        ...stack.env(),
        DELIVERY_ATTEMPTS: '3',
        // The first retry comes after the outage began (0.5 to 1 s, jittered), the runs are used up in seconds.
        DELIVERY_BACKOFF_MS: '1000',
        NOTIFIER_JOB_LOCK_MS: '1000',
      }),
    );
    const queue = new Queue(QUEUES.delivery, {
      connection: redisConnection(stack.config.redis.url),
      prefix: stack.config.redis.prefix,
    });
    try {
      stack.smtp.failWith(421, 'Try again later');
      await criticalFor('MRN-R1');
      const first = await waitFor(
        async () => {
          const row = await deliveryTo('db-retry@owed.test');
          return row.attempts >= 1 ? row : undefined;
        },
        { description: 'the first (refused) attempt' },
      );
      // While the job waits to retry, Postgres goes away: its remaining runs fail on the database.
      await cutNotifierOffPostgres();
      try {
        await waitFor(
          async () =>
            (await queue.getJob(deliveryJobId(first.id, first.generation)))?.finishedOn !== undefined,
          { timeoutMs: 30000, description: 'BullMQ to fail the job once its runs are used up' },
        );
        const job = await queue.getJob(deliveryJobId(first.id, first.generation));
        expect(await job!.getState()).toBe('failed');
      } finally {
        stack.smtp.accept();
        await reconnectPostgres();
      }
      const sent = await settled('db-retry@owed.test');
      // One refusal by SMTP, then the send: the outage's failed runs are not attempts of the message.
      expect(sent.attempts).toBe(2);
      await stack.smtp.waitForMessages(1, (m) => m.to.includes('db-retry@owed.test'));
      expect(mailTo('db-retry@owed.test')).toHaveLength(1);
    } finally {
      stack.smtp.accept();
      await queue.close();
      await notifier.close();
    }
  });

  it('dispatches a notification whose dispatch job ended without dispatching it', async () => {
    await patientOf('MRN-N1', 'dispatch@owed.test');
    const redis = { connection: redisConnection(stack.config.redis.url), prefix: stack.config.redis.prefix };
    await criticalFor('MRN-N1');
    await stack.waitUntilConsumed();
    const [notification] = await rowsOf<{ id: string }>(
      ds(),
      `SELECT n.id FROM notifications n JOIN alerts a ON a.id = n.alert_id
       JOIN patient_identifiers i ON i.patient_id = a.patient_id WHERE i.identifier = 'MRN-N1'`,
    );
    // Its job, as a notifier that met a long outage left it: failed after its runs, the row still queued.
    const queue = new Queue(QUEUES.dispatch, redis);
    const worker = new Worker(
      QUEUES.dispatch,
      async () => {
        throw new UnrecoverableError('Connection terminated unexpectedly');
      },
      { ...redis, autorun: false },
    );
    try {
      await queue.add(JOBS.dispatch, { notificationId: notification!.id }, { jobId: notification!.id });
      await ds().query(
        `UPDATE notifications SET state = 'queued', queued_at = now() - interval '1 hour' WHERE id = $1`,
        [notification!.id],
      );
      const failed = new Promise<void>((resolve) => worker.once('failed', () => resolve()));
      void worker.run();
      await failed;
      await worker.close();
      expect(await (await queue.getJob(notification!.id))!.getState()).toBe('failed');
    } finally {
      await worker.close();
      await queue.close();
    }
    const notifier = await startNotifierInProcess(
      loadConfig({ ...stack.env(), NOTIFIER_JOB_LOCK_MS: '1000' }),
    );
    try {
      await settled('dispatch@owed.test', 30000);
      await stack.smtp.waitForMessages(1, (m) => m.to.includes('dispatch@owed.test'));
      expect(mailTo('dispatch@owed.test')).toHaveLength(1);
    } finally {
      await notifier.close();
    }
  });
});
