import { getQueueToken } from '@nestjs/bullmq';
import { type Queue } from 'bullmq';
import { TOPICS } from '@alem/messaging';
import { QUEUES } from '@alem/notifications';
import { RedisServer, SmsProviderStub, waitFor } from '@alem/local-stack';
import { loadConfig, type AppConfig } from '@alem/runtime';
import { NotificationDispatchProcessor } from '../../apps/notifier/src/notification-dispatch.processor';
import { asMessage, labResult } from '../support/lab-results';
import { GENEROUS_LIMITS, seedUser, startAdminApi, type AdminApi } from '../support/admin-api';
import {
  enrol,
  rowsOf,
  seedPragueSite,
  seedTeam,
  startNotifierHttp,
  type RunningNotifier,
} from '../support/notifier';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * Delivery on the real parts, on a Redis of the test's own (so that it can be killed): SMTP down means retries
 * and then the person's next channel, nothing lost once SMTP is back, and a dead-lettered delivery replayed once;
 * an SMS provider answering 429 or 400; a flood for one person becoming summaries; and Redis losing every job
 * mid-run while the outbox sends each notification exactly once.
 */
describe('notifications: delivery, failover, rate limit and Redis loss', () => {
  const SITE = 'site-del';
  let stack: TestStack;
  let sms: SmsProviderStub;
  let redis: RedisServer;
  let config: AppConfig;
  let notifier: RunningNotifier;
  let api: AdminApi;
  let adminToken: string;

  const ds = () => stack.dataSource;
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  async function produce(mrns: string[], value: number): Promise<void> {
    await stack.producer.send(
      TOPICS.labResults,
      mrns.map((mrn) =>
        asMessage(
          labResult({
            patient: { id: mrn, authority: 'HOSP' },
            value,
            observedAt: new Date(Date.now() - 3600_000).toISOString(),
          }),
        ),
      ),
    );
  }

  const alertOf = (mrn: string) =>
    waitFor(
      async () =>
        (
          await rowsOf<{ id: string; reference: string; severity: string }>(
            ds(),
            `SELECT a.id, a.reference, a.severity FROM alerts a JOIN patient_identifiers i ON i.patient_id = a.patient_id
             WHERE i.identifier = $1`,
            [mrn],
          )
        )[0],
      { description: `the alert of ${mrn}` },
    );

  const deliveriesOf = (alertId: string) =>
    rowsOf<{
      id: string;
      channel: string;
      state: string;
      attempts: number;
      fallback_of: string | null;
      coalesced_into: string | null;
    }>(
      ds(),
      `SELECT d.id, d.channel, d.state, d.attempts, d.fallback_of, d.coalesced_into FROM deliveries d
       JOIN notifications n ON n.id = d.notification_id WHERE n.alert_id = $1 ORDER BY d.created_at, d.channel`,
      [alertId],
    );

  beforeAll(async () => {
    stack = await startTestStack();
    sms = await SmsProviderStub.start({ accountSid: 'ACdel', authToken: 'del-auth-token' });
    redis = await RedisServer.start();
    config = loadConfig({
      ...stack.env(),
      ...sms.env(),
      ...GENEROUS_LIMITS,
      REDIS_URL: redis.url,
      DELIVERY_ATTEMPTS: '3',
      DELIVERY_BACKOFF_MS: '300',
      NOTIFY_RATE_LIMIT_COUNT: '3',
      NOTIFY_RATE_LIMIT_WINDOW_MS: '600000',
    });
    await seedPragueSite(ds(), SITE);
    const member = (name: string, phone: string) => ({
      email: `${name}@del.test`,
      displayName: name,
      role: 'clinician',
      contacts: [
        { channel: 'email' as const, address: `${name}@del.test` },
        { channel: 'sms' as const, address: phone },
      ],
    });
    const teams = {
      W: await seedTeam(ds(), SITE, 'Team W', [member('warn', '+420602000001')]),
      S: await seedTeam(ds(), SITE, 'Team S', [member('texts', '+420602000002')]),
      F: await seedTeam(ds(), SITE, 'Team F', [member('flood', '+420602000003')]),
      R: await seedTeam(ds(), SITE, 'Team R', [
        { email: 'redis@del.test', displayName: 'redis', role: 'clinician' },
      ]),
    };
    for (const mrn of ['W1', 'W2']) await enrol(ds(), SITE, teams.W.careTeamId, `MRN-${mrn}`);
    for (const mrn of ['S1', 'S2']) await enrol(ds(), SITE, teams.S.careTeamId, `MRN-${mrn}`);
    for (let i = 1; i <= 15; i++) await enrol(ds(), SITE, teams.F.careTeamId, `MRN-F${i}`);
    for (let i = 1; i <= 3; i++) await enrol(ds(), SITE, teams.R.careTeamId, `MRN-R${i}`);
    await seedUser(ds(), { email: 'admin@del.test', roles: ['admin'] });
    await stack.startProcessor();
    notifier = await startNotifierHttp(config, undefined, { pollMs: 200, staleAfterMs: 1500 });
    api = await startAdminApi(config);
    adminToken = await api.login('admin@del.test');
  });

  afterAll(async () => {
    await api?.close();
    await notifier?.close();
    await sms?.stop();
    await redis?.stop();
    await stack?.stop();
  });

  it('retries a warning while SMTP refuses, then sends it by SMS; the dead-lettered email is replayed once SMTP is back, and only once', async () => {
    stack.smtp.failWith(421, 'Service not available, try again later');
    await produce(['MRN-W1'], 120); // PLT-1: below the lower limit, a warning (email first)
    const alert = await alertOf('MRN-W1');
    expect(alert.severity).toBe('warning');
    const [text] = await sms.waitForMessages(1, (m) => m.to === '+420602000001');
    expect(text!.body).toMatch(new RegExp(`^WARNING lab safety alert ${alert.reference} needs review`));
    const deliveries = await deliveriesOf(alert.id);
    const email = deliveries.find((d) => d.channel === 'email')!;
    expect(email).toMatchObject({ state: 'failed', attempts: 3, fallback_of: null });
    expect(deliveries.find((d) => d.channel === 'sms')).toMatchObject({ fallback_of: email.id });
    const attempts = await rowsOf<{ attempt: number; outcome: string; provider_response: string }>(
      ds(),
      `SELECT attempt, outcome, provider_response FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt`,
      [email.id],
    );
    expect(attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'transient-failure'],
      [2, 'transient-failure'],
      [3, 'transient-failure'],
    ]);
    expect(attempts[0]!.provider_response).toMatch(/421/);

    stack.smtp.accept();
    const list = await api.http().get('/api/v1/failed-deliveries').set(bearer(adminToken));
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        id: email.id,
        alertReference: alert.reference,
        channel: 'email',
        replayedAt: null,
      }),
    ]);
    const replay = await api
      .http()
      .post(`/api/v1/failed-deliveries/${email.id}/replay`)
      .set(bearer(adminToken));
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ id: email.id, state: 'pending', replayedAt: expect.any(String) });
    const [mail] = await stack.smtp.waitForMessages(1, (m) => m.to.includes('warn@del.test'));
    expect(mail!.subject).toBe(`[Warning] Lab safety alert ${alert.reference} needs review`);
    await waitFor(
      async () => (await deliveriesOf(alert.id)).find((d) => d.id === email.id)!.state === 'sent',
      {
        description: 'the replayed email sent',
      },
    );
    const again = await api
      .http()
      .post(`/api/v1/failed-deliveries/${email.id}/replay`)
      .set(bearer(adminToken));
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/already replayed/);
    const audit = await rowsOf<{ actor_type: string; outcome: string }>(
      ds(),
      `SELECT actor_type, outcome FROM audit_log WHERE action = 'delivery.replay' AND entity_id = $1`,
      [email.id],
    );
    expect(audit).toEqual([{ actor_type: 'user', outcome: 'success' }]);
    // The replay ran the old job again, under its own id, after the three failed tries.
    const queue = notifier.app.get<Queue>(getQueueToken(QUEUES.delivery));
    const job = await queue.getJob(email.id);
    expect(await job!.getState()).toBe('completed');
    expect(job!.returnvalue).toBe('sent');
    const attemptRows = await rowsOf(
      ds(),
      `SELECT attempt, outcome FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt`,
      [email.id],
    );
    expect(attemptRows.at(-1)).toEqual({ attempt: 4, outcome: 'sent' });
  });

  it('loses nothing when SMTP comes back during the retries', async () => {
    stack.smtp.failWith(421);
    await produce(['MRN-W2'], 120);
    const alert = await alertOf('MRN-W2');
    await waitFor(
      async () =>
        (
          await rowsOf(
            ds(),
            `SELECT 1 FROM delivery_attempts t JOIN deliveries d ON d.id = t.delivery_id
             JOIN notifications n ON n.id = d.notification_id WHERE n.alert_id = $1 AND t.outcome = 'transient-failure'`,
            [alert.id],
          )
        ).length >= 1,
      { description: 'a refused attempt', intervalMs: 10 },
    );
    stack.smtp.accept();
    await stack.smtp.waitForMessages(1, (m) => m.subject.includes(alert.reference));
    await waitFor(async () => (await deliveriesOf(alert.id))[0]?.state === 'sent', { description: 'sent' });
    expect((await deliveriesOf(alert.id)).map((d) => d.channel)).toEqual(['email']);
  });

  it('retries an SMS the provider throttles (429) and gives up at once on one it refuses (400), which stays visible', async () => {
    sms.failWith(429, 1);
    await produce(['MRN-S1'], 42);
    const first = await alertOf('MRN-S1');
    await sms.waitForMessages(1, (m) => m.to === '+420602000002');
    await waitFor(
      async () => (await deliveriesOf(first.id)).find((d) => d.channel === 'sms')?.state === 'delivered',
      { description: 'the throttled SMS delivered' },
    );
    expect((await deliveriesOf(first.id)).find((d) => d.channel === 'sms')).toMatchObject({ attempts: 2 });

    sms.failWith(400, 1);
    await produce(['MRN-S2'], 42);
    const second = await alertOf('MRN-S2');
    await waitFor(
      async () => (await deliveriesOf(second.id)).find((d) => d.channel === 'sms')?.state === 'failed',
      { description: 'the refused SMS failed' },
    );
    const deliveries = await deliveriesOf(second.id);
    expect(deliveries.find((d) => d.channel === 'sms')).toMatchObject({ attempts: 1 });
    // Email went at the same time (critical: every channel at once), so the person was reached all the same.
    await waitFor(
      async () => (await deliveriesOf(second.id)).find((d) => d.channel === 'email')?.state === 'sent',
      {
        description: 'the email of the second alert',
      },
    );
    const [attempt] = await rowsOf(ds(), `SELECT outcome FROM delivery_attempts WHERE delivery_id = $1`, [
      deliveries.find((d) => d.channel === 'sms')!.id,
    ]);
    expect(attempt).toEqual({ outcome: 'permanent-failure' });
    const list = await api.http().get('/api/v1/failed-deliveries?channel=sms').set(bearer(adminToken));
    expect(list.body.items.map((d: { alertReference: string }) => d.alertReference)).toEqual([
      second.reference,
    ]);
  });

  it('turns a flood of alerts for one person into summaries, never holding a critical back', async () => {
    const mrns = Array.from({ length: 15 }, (_, i) => `MRN-F${i + 1}`);
    await produce(mrns, 42);
    const alerts = await Promise.all(mrns.map((mrn) => alertOf(mrn)));
    const ids = alerts.map((a) => a.id);
    const deliveries = () =>
      rowsOf<{ channel: string; state: string; coalesced_into: string | null }>(
        ds(),
        `SELECT d.channel, d.state, d.coalesced_into FROM deliveries d JOIN notifications n ON n.id = d.notification_id
         WHERE n.alert_id = ANY($1::uuid[])`,
        [ids],
      );
    await waitFor(
      async () => {
        const all = await deliveries();
        return all.length === 30 && all.every((d) => d.state === 'sent' || d.state === 'delivered');
      },
      { description: 'all 30 deliveries (15 alerts × SMS and email) sent', timeoutMs: 30000 },
    );
    const texts = sms.messages.filter((m) => m.to === '+420602000003');
    const mails = stack.smtp.messages.filter((m) => m.to.includes('flood@del.test'));
    const all = await deliveries();
    const carriers = (channel: string) =>
      all.filter((d) => d.channel === channel && !d.coalesced_into).length;
    // One message per carrier: the first three alone; beyond the limit each critical goes at once, carrying
    // whatever else waits for the person (how much depends on timing: at least one summary in such a burst).
    expect(texts).toHaveLength(carriers('sms'));
    expect(mails).toHaveLength(carriers('email'));
    expect(texts.length).toBeLessThan(15);
    expect(mails.length).toBeLessThan(15);
    const summaries = texts.filter((t) => /^\d+ lab safety alerts need review \(\d+ CRITICAL\)/.test(t.body));
    expect(summaries.length).toBeGreaterThanOrEqual(1);
    const covered = texts.reduce((n, t) => n + Number(/^(\d+) lab safety alerts/.exec(t.body)?.[1] ?? 1), 0);
    expect(covered).toBe(15);
  });

  it('loses no notification when Redis loses every job mid-run: the outbox queues them again, each sent once', async () => {
    // Jobs reach Redis but nobody works on them yet; then Redis dies without persistence.
    const dispatch = notifier.app.get(NotificationDispatchProcessor).worker;
    await dispatch.pause(true);
    await produce(['MRN-R1', 'MRN-R2', 'MRN-R3'], 42);
    const alerts = await Promise.all(['MRN-R1', 'MRN-R2', 'MRN-R3'].map((mrn) => alertOf(mrn)));
    // A job the worker had already fetched as it paused may be under way: at least one waits in Redis.
    await waitFor(
      async () => {
        const states = await rowsOf<{ state: string }>(
          ds(),
          `SELECT state FROM notifications WHERE alert_id = ANY($1::uuid[])`,
          [alerts.map((a) => a.id)],
        );
        return (
          states.length === 3 &&
          states.every((r) => r.state === 'queued' || r.state === 'dispatched') &&
          states.some((r) => r.state === 'queued')
        );
      },
      { description: 'the notifications queued in Redis' },
    );
    await redis.kill();
    await redis.start();
    dispatch.resume();
    await stack.smtp.waitForMessages(3, (m) => m.to.includes('redis@del.test'), 20000);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const mails = stack.smtp.messages.filter((m) => m.to.includes('redis@del.test'));
    expect(mails.map((m) => m.subject).sort()).toEqual(
      alerts.map((a) => `[CRITICAL] Lab safety alert ${a.reference} needs review`).sort(),
    );
    const states = await rowsOf<{ state: string }>(
      ds(),
      `SELECT n.state FROM notifications n WHERE n.alert_id = ANY($1::uuid[])`,
      [alerts.map((a) => a.id)],
    );
    expect(states.map((s) => s.state)).toEqual(['dispatched', 'dispatched', 'dispatched']);
  });
});
