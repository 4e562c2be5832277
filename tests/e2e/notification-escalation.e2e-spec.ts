import { TOPICS } from '@alem/messaging';
import { SmsProviderStub, waitFor } from '@alem/local-stack';
import { ManualClock, loadConfig, type AppConfig } from '@alem/runtime';
import { asMessage, labResult } from '../support/lab-results';
import { GENEROUS_LIMITS, seedUser, startAdminApi, type AdminApi } from '../support/admin-api';
import {
  enrol,
  type Person,
  rowsOf,
  seedPragueSite,
  seedTeam,
  setOnDuty,
  startNotifierHttp,
  type RunningNotifier,
} from '../support/notifier';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * Notifications that reach a person, end to end on the real parts (Kafka-protocol broker, processor, Postgres,
 * Redis, SMTP capture, the notifier serving HTTP, a Twilio-like SMS provider, the admin API): a critical alert
 * pages the on-duty clinician by SMS and email at once, escalates tier by tier on a moved clock until somebody
 * acknowledges through the link (after a read-back that another team's clinician may not see), and the paths
 * where nobody can be reached raise an alert of their own for the admins.
 */
describe('notifications: routing, escalation and acknowledgement', () => {
  // The clock starts now (to the second) and only moves forward: sign-in tokens stay valid in real time.
  const clock = new ManualClock(new Date(Math.floor(Date.now() / 1000) * 1000));
  const SITE = 'site-esc';
  const MINUTE = 60_000;
  let stack: TestStack;
  let sms: SmsProviderStub;
  let config: AppConfig;
  let notifier: RunningNotifier;
  let api: AdminApi;
  let teamA: { careTeamId: string; people: Record<string, Person> };
  let adminId: string;
  const patients: Record<string, string> = {};

  const ds = () => stack.dataSource;
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const mailsTo = (to: string) => stack.smtp.messages.filter((m) => m.to.includes(to));
  const textsTo = (to: string) => sms.messages.filter((m) => m.to === to);
  const tokenIn = (text: string) => /\/acknowledgements\/([A-Za-z]+)/.exec(text)?.[1] ?? null;

  async function criticalPlatelets(mrn: string, value = 42): Promise<{ id: string; reference: string }> {
    await stack.producer.send(TOPICS.labResults, [
      asMessage(
        labResult({ patient: { id: mrn, authority: 'HOSP' }, value, observedAt: '2026-11-21T07:30:00Z' }),
      ),
    ]);
    return waitFor(
      async () =>
        (
          await rowsOf<{ id: string; reference: string }>(
            ds(),
            `SELECT a.id, a.reference FROM alerts a JOIN patient_identifiers i ON i.patient_id = a.patient_id
             WHERE i.identifier = $1 AND a.rule_id = 'PLT-4'`,
            [mrn],
          )
        )[0],
      { description: `the PLT-4 alert of ${mrn}` },
    );
  }

  const escalationOf = async (alertId: string) =>
    (
      await rowsOf<{ tier: number; cycle: number; next_at: Date | null; stop_reason: string | null }>(
        ds(),
        `SELECT tier, cycle, next_at, stop_reason FROM alert_escalations WHERE alert_id = $1`,
        [alertId],
      )
    )[0];

  beforeAll(async () => {
    stack = await startTestStack({ clock });
    sms = await SmsProviderStub.start({ accountSid: 'ACesc', authToken: 'esc-auth-token' });
    config = loadConfig({
      ...stack.env(),
      ...sms.env(),
      ...GENEROUS_LIMITS,
      SMS_DELIVERY_TIMEOUT_MS: String(5 * MINUTE),
      DELIVERY_ATTEMPTS: '3',
      DELIVERY_BACKOFF_MS: '50',
    });
    await seedPragueSite(ds(), SITE);
    teamA = await seedTeam(ds(), SITE, 'MS team A', [
      {
        email: 'oncall@esc.test',
        displayName: 'Dr. On Call',
        role: 'clinician',
        contacts: [
          { channel: 'email', address: 'oncall@esc.test' },
          { channel: 'sms', address: '+420601000001' },
        ],
      },
      { email: 'colleague@esc.test', displayName: 'Dr. Colleague', role: 'clinician' },
      {
        email: 'nurse@esc.test',
        displayName: 'MS nurse',
        role: 'nurse',
        contacts: [
          { channel: 'email', address: 'nurse@esc.test' },
          { channel: 'sms', address: '+420601000003' },
        ],
      },
    ]);
    await setOnDuty(ds(), teamA.careTeamId, [teamA.people['oncall@esc.test']!.userId]);
    await seedTeam(ds(), SITE, 'Safety', [
      { email: 'safety@esc.test', displayName: 'Safety officer', role: 'safety-officer' },
    ]);
    await seedTeam(ds(), SITE, 'MS team B', [
      { email: 'other@esc.test', displayName: 'Dr. Other', role: 'clinician' },
    ]);
    for (const email of ['oncall@esc.test', 'colleague@esc.test', 'nurse@esc.test', 'other@esc.test']) {
      await seedUser(ds(), { email, roles: ['clinician'] });
    }
    adminId = await seedUser(ds(), { email: 'admin@esc.test', roles: ['admin'] });
    await ds().query(
      `INSERT INTO contact_points (user_id, channel, address, verified_at) VALUES ($1, 'email', 'admin@esc.test', now())`,
      [adminId],
    );
    patients.E1 = await enrol(ds(), SITE, teamA.careTeamId, 'MRN-E1');
    await stack.startProcessor();
    notifier = await startNotifierHttp(config, clock);
    api = await startAdminApi(config, clock);
  });

  afterAll(async () => {
    await api?.close();
    await notifier?.close();
    await sms?.stop();
    await stack?.stop();
  });

  let alert: { id: string; reference: string };

  it('pages the on-duty clinician by SMS and email at once for a critical result, without PHI, and hears the SMS delivered', async () => {
    alert = await criticalPlatelets('MRN-E1');
    const [text] = await sms.waitForMessages(1, (m) => m.to === '+420601000001');
    const [mail] = await stack.smtp.waitForMessages(1, (m) => m.to.includes('oncall@esc.test'));
    // Tier 1 is the person on duty: nobody else heard of it yet.
    expect(mailsTo('colleague@esc.test')).toEqual([]);
    expect(textsTo('+420601000003')).toEqual([]);
    expect(text!.body).toMatch(
      new RegExp(`^CRITICAL lab safety alert ${alert.reference} needs review\\. Acknowledge`),
    );
    expect(text!.statusCallback).toBe(`http://127.0.0.1:${notifier.port}/sms/status`);
    expect(mail!.subject).toBe(`[CRITICAL] Lab safety alert ${alert.reference} needs review`);
    for (const body of [text!.body, `${mail!.subject}\n${mail!.text}\n${mail!.html}`]) {
      for (const phi of ['Jana', 'Nováková', 'MRN-E1', 'HOSP', '1984-05-17', 'latelet', '777-3', '42 10']) {
        expect(body).not.toContain(phi);
      }
      expect(tokenIn(body)).toMatch(/^[A-Za-z]{45}$/);
    }
    // The stub reports sent → delivered; the receipt moves the delivery on and lands on the attempt.
    await waitFor(
      async () =>
        (await rowsOf(ds(), `SELECT 1 FROM deliveries WHERE channel = 'sms' AND state = 'delivered'`))
          .length === 1,
      { description: 'the SMS delivery receipt' },
    );
    const [attempt] = await rowsOf<{ outcome: string; provider_status: string; provider_message_id: string }>(
      ds(),
      `SELECT t.outcome, t.provider_status, t.provider_message_id FROM delivery_attempts t
       JOIN deliveries d ON d.id = t.delivery_id WHERE d.channel = 'sms'`,
    );
    expect(attempt).toMatchObject({
      outcome: 'sent',
      provider_status: 'delivered',
      provider_message_id: text!.sid,
    });
    expect(
      (await rowsOf(ds(), `SELECT status FROM delivery_receipts ORDER BY id`)).map((r) => r.status),
    ).toEqual(['sent', 'delivered']);
    const [pinned] = await rowsOf<{ version: number; care_team_id: string | null }>(
      ds(),
      `SELECT p.version, p.care_team_id FROM alerts a JOIN escalation_policies p ON p.id = a.escalation_policy_id
       WHERE a.id = $1`,
      [alert.id],
    );
    expect(pinned).toEqual({ version: 1, care_team_id: null });
    expect(await escalationOf(alert.id)).toMatchObject({
      tier: 1,
      next_at: new Date(clock.now().getTime() + 15 * MINUTE),
    });
  });

  it('refuses a delivery receipt with a bad signature, and changes nothing', async () => {
    const [text] = textsTo('+420601000001');
    expect(await sms.report(text!.sid, 'undelivered', { signWith: 'not-the-auth-token' })).toBe(403);
    const unsigned = await fetch(`http://127.0.0.1:${notifier.port}/sms/status`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ MessageSid: text!.sid, MessageStatus: 'failed' }).toString(),
    });
    expect(unsigned.status).toBe(403);
    const [delivery] = await rowsOf(ds(), `SELECT state FROM deliveries WHERE provider_message_id = $1`, [
      text!.sid,
    ]);
    expect(delivery).toEqual({ state: 'delivered' });
    expect(
      await rowsOf(ds(), `SELECT 1 FROM delivery_receipts WHERE status IN ('undelivered', 'failed')`),
    ).toEqual([]);
  });

  it('escalates tier by tier while nobody acknowledges: the whole team after 15 minutes, the safety officer after 30', async () => {
    clock.advance(15 * MINUTE - 1000);
    expect(await notifier.sweep()).toMatchObject({ escalated: 0 });
    clock.advance(1000);
    expect(await notifier.sweep()).toMatchObject({ escalated: 1 });
    const still = (m: { subject: string }) =>
      m.subject === `[CRITICAL] Lab safety alert ${alert.reference} is still not acknowledged`;
    await stack.smtp.waitForMessages(3, still);
    expect(
      stack.smtp.messages
        .filter(still)
        .flatMap((m) => m.to)
        .sort(),
    ).toEqual(['colleague@esc.test', 'nurse@esc.test', 'oncall@esc.test']);
    await sms.waitForMessages(1, (m) => m.to === '+420601000003');
    expect(mailsTo('safety@esc.test')).toEqual([]);
    expect(await escalationOf(alert.id)).toMatchObject({ tier: 2 });

    clock.advance(15 * MINUTE);
    expect(await notifier.sweep()).toMatchObject({ escalated: 1 });
    await stack.smtp.waitForMessages(1, (m) => m.to.includes('safety@esc.test') && still(m));
    expect(await escalationOf(alert.id)).toMatchObject({ tier: 3 });
    const timeline = await rowsOf<{ type: string; detail: Record<string, unknown> }>(
      ds(),
      `SELECT type, detail FROM alert_events WHERE alert_id = $1 AND type = 'escalated' ORDER BY id`,
      [alert.id],
    );
    expect(timeline.map((e) => [e.detail.fromTier, e.detail.toTier, e.detail.tierName])).toEqual([
      [1, 2, 'whole care team'],
      [2, 3, 'safety officers'],
    ]);
    const audit = await rowsOf<{ actor_id: string; patient_id: string; detail: Record<string, unknown> }>(
      ds(),
      `SELECT actor_id, patient_id, detail FROM audit_log WHERE action = 'alert.escalate' AND entity_id = $1 ORDER BY seq`,
      [alert.id],
    );
    expect(audit.map((a) => [a.actor_id, a.patient_id, a.detail.toTier])).toEqual([
      ['notifier', patients.E1, 2],
      ['notifier', patients.E1, 3],
    ]);
  });

  it('shows the read-back through the link only to people who may see the patient, and the acknowledgement stops the escalation', async () => {
    const mail = mailsTo('colleague@esc.test').at(-1)!;
    const token = tokenIn(mail.text)!;
    const other = await api.login('other@esc.test');
    const refused = await api.http().get(`/api/v1/acknowledgements/${token}`).set(bearer(other));
    expect(refused.status).toBe(403);
    expect(refused.text).not.toContain('Jana');
    expect(
      (await api.http().post(`/api/v1/acknowledgements/${token}`).set(bearer(other)).send({})).status,
    ).toBe(403);
    expect((await api.http().get(`/api/v1/acknowledgements/${token}`)).status).toBe(401);

    const colleague = await api.login('colleague@esc.test');
    const readBack = await api.http().get(`/api/v1/acknowledgements/${token}`).set(bearer(colleague));
    expect(readBack.status).toBe(200);
    expect(readBack.body).toMatchObject({
      alert: {
        id: alert.id,
        reference: alert.reference,
        ruleId: 'PLT-4',
        severity: 'critical',
        state: 'open',
      },
      patient: {
        id: patients.E1,
        displayName: 'Jana Nováková',
        birthDate: '1984-05-17',
        identifiers: [{ authority: 'HOSP', identifier: 'MRN-E1' }],
      },
      results: [{ analyte: 'platelets', test: 'Platelets', loinc: '777-3', value: 42, unit: '10*9/L' }],
      link: { channel: 'email', tier: 2, usable: true, usedAt: null },
    });

    clock.advance(2 * MINUTE);
    const ack = await api
      .http()
      .post(`/api/v1/acknowledgements/${token}`)
      .set(bearer(colleague))
      .send({ note: 'calling the patient now' });
    expect(ack.status).toBe(200);
    const colleagueId = teamA.people['colleague@esc.test']!.userId;
    expect(ack.body).toMatchObject({
      alertId: alert.id,
      state: 'acknowledged',
      acknowledgedBy: colleagueId,
      via: 'link',
    });
    const [record] = await rowsOf(
      ds(),
      `SELECT k.user_id, k.via, k.note, d.user_id AS recipient, n.reason, n.tier
       FROM alert_acknowledgements k JOIN deliveries d ON d.id = k.delivery_id JOIN notifications n ON n.id = k.notification_id`,
    );
    expect(record).toEqual({
      user_id: colleagueId,
      via: 'link',
      note: 'calling the patient now',
      recipient: colleagueId,
      reason: 'escalated',
      tier: 2,
    });
    expect(await escalationOf(alert.id)).toMatchObject({ next_at: null, stop_reason: 'acknowledged' });

    // The link works once; the loop is closed: no more pages however long the clock runs.
    const again = await api.http().post(`/api/v1/acknowledgements/${token}`).set(bearer(colleague)).send({});
    expect(again.status).toBe(409);
    const before = stack.smtp.messages.length + sms.messages.length;
    clock.advance(60 * MINUTE);
    expect(await notifier.sweep()).toMatchObject({ escalated: 0 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stack.smtp.messages.length + sms.messages.length).toBe(before);

    const audit = await rowsOf<{ action: string; actor_id: string; patient_id: string; outcome: string }>(
      ds(),
      `SELECT action, actor_id, patient_id, outcome FROM audit_log
       WHERE action IN ('alert.read-back', 'alert.acknowledge') ORDER BY seq`,
    );
    expect(audit.map((a) => [a.action, a.outcome, a.patient_id])).toEqual([
      ['alert.read-back', 'denied', patients.E1],
      ['alert.acknowledge', 'denied', patients.E1],
      ['alert.read-back', 'success', patients.E1],
      ['alert.acknowledge', 'success', patients.E1],
    ]);
    const events = await rowsOf<{
      type: string;
      actor_user_id: string | null;
      detail: Record<string, unknown>;
    }>(
      ds(),
      `SELECT type, actor_user_id, detail FROM alert_events WHERE alert_id = $1 AND type = 'acknowledged'`,
      [alert.id],
    );
    expect(events).toEqual([
      {
        type: 'acknowledged',
        actor_user_id: colleagueId,
        detail: expect.objectContaining({
          via: 'link',
          tier: 2,
          channel: 'email',
          note: 'calling the patient now',
        }),
      },
    ]);
    const metrics = await api.http().get('/metrics');
    expect(metrics.text).toMatch(
      /alem_alert_time_to_acknowledge_seconds_count\{severity="critical",rule="PLT-4"\} 1/,
    );
  });

  it('keeps an open alert on the policy version it opened with; a new alert pins the new version', async () => {
    const admin = await api.login('admin@esc.test');
    const created = await api
      .http()
      .post(`/api/v1/care-teams/${teamA.careTeamId}/escalation-policy`)
      .set(bearer(admin))
      .send({
        tiers: [
          { name: 'whole team', targets: [{ type: 'team' }], timeoutMinutes: { critical: 5, warning: 60 } },
        ],
        repeat: 0,
        note: 'shorter critical limit',
      });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ careTeamId: teamA.careTeamId, version: 1 });
    expect(created.body.effective.tiers.map((t: { name: string }) => t.name)).toEqual([
      'whole team',
      'safety officers',
    ]);
    patients.E2 = await enrol(ds(), SITE, teamA.careTeamId, 'MRN-E2', 'Eva Second');
    await stack.waitForEnrolment({ authority: 'HOSP', id: 'MRN-E2' });
    clock.advance(60 * MINUTE);
    const second = await criticalPlatelets('MRN-E2');
    const pins = await rowsOf<{ id: string; policy: string }>(
      ds(),
      `SELECT a.id, a.escalation_policy_id AS policy FROM alerts a WHERE a.id = ANY($1::uuid[])`,
      [[alert.id, second.id]],
    );
    const byId = new Map(pins.map((p) => [p.id, p.policy]));
    expect(byId.get(second.id)).toBe(created.body.id);
    expect(byId.get(alert.id)).not.toBe(created.body.id);
    // The new version's first tier is the whole team, with 5 minutes for a critical.
    await stack.smtp.waitForMessages(3, (m) => m.subject.includes(second.reference));
    await waitFor(async () => (await escalationOf(second.id))?.tier === 1, {
      description: 'the escalation timer',
    });
    expect((await escalationOf(second.id))!.next_at).toEqual(new Date(clock.now().getTime() + 5 * MINUTE));
    const overview = await api
      .http()
      .get(`/api/v1/care-teams/${teamA.careTeamId}/escalation-policy`)
      .set(bearer(admin));
    expect(overview.body).toMatchObject({
      inForce: { id: created.body.id },
      onDuty: [teamA.people['oncall@esc.test']!.userId],
    });
    // Resolved: its timer stops in the same transaction, and nobody is paged for it again.
    await ds().query(
      `UPDATE alerts SET state = 'resolved', resolved_at = $2, updated_at = $2 WHERE id = $1`,
      [second.id, clock.now()],
    );
    expect(await escalationOf(second.id)).toMatchObject({ next_at: null, stop_reason: 'resolved' });
    clock.advance(5 * MINUTE);
    expect(await notifier.sweep()).toMatchObject({ escalated: 0 });
  });

  it('fails an SMS over when the provider accepted it but never reported it delivered in time: the next tier, and the admins hear nobody was reached', async () => {
    const teamC = await seedTeam(ds(), SITE, 'MS team C', [
      {
        email: 'sms-only@esc.test',
        displayName: 'Dr. Pager',
        role: 'clinician',
        contacts: [
          { channel: 'sms', address: '+420601000007' },
          { channel: 'email', address: 'sms-only@esc.test', verified: false },
        ],
      },
      { email: 'backup@esc.test', displayName: 'Dr. Backup', role: 'clinician' },
    ]);
    await setOnDuty(ds(), teamC.careTeamId, [teamC.people['sms-only@esc.test']!.userId]);
    patients.C1 = await enrol(ds(), SITE, teamC.careTeamId, 'MRN-C1', 'Carl Third');
    await stack.waitForEnrolment({ authority: 'HOSP', id: 'MRN-C1' });
    sms.reportAutomatically('manual');
    clock.advance(60 * MINUTE);
    const c1 = await criticalPlatelets('MRN-C1');
    const [text] = await sms.waitForMessages(1, (m) => m.to === '+420601000007');
    await waitFor(
      async () =>
        (
          await rowsOf(ds(), `SELECT 1 FROM deliveries WHERE provider_message_id = $1 AND state = 'sent'`, [
            text!.sid,
          ])
        ).length === 1,
      {
        description: 'the SMS accepted',
      },
    );
    expect(mailsTo('backup@esc.test')).toEqual([]);

    clock.advance(5 * MINUTE - 1000);
    expect(await notifier.sweep()).toMatchObject({ receiptsTimedOut: 0 });
    clock.advance(1000 + 1);
    expect(await notifier.sweep()).toMatchObject({ receiptsTimedOut: 1 });
    const [failed] = await rowsOf(
      ds(),
      `SELECT state, last_error FROM deliveries WHERE provider_message_id = $1`,
      [text!.sid],
    );
    expect(failed).toEqual({ state: 'failed', last_error: 'no delivery receipt in time' });
    // Nobody at tier 1 was reached: the next tier is due at once (not in 15 minutes), and the admins are told.
    expect((await escalationOf(c1.id))!.next_at).toEqual(clock.now());
    expect(await notifier.sweep()).toMatchObject({ escalated: 1 });
    await stack.smtp.waitForMessages(
      1,
      (m) => m.to.includes('backup@esc.test') && m.subject.includes(c1.reference),
    );
    const [unreachable] = await rowsOf<{
      id: string;
      reference: string;
      kind: string;
      severity: string;
      dedup_key: string;
    }>(ds(), `SELECT id, reference, kind, severity, dedup_key FROM alerts WHERE kind = 'unreachable'`);
    expect(unreachable).toMatchObject({
      kind: 'unreachable',
      severity: 'critical',
      dedup_key: `unreachable|${c1.id}`,
    });
    const [adminMail] = await stack.smtp.waitForMessages(1, (m) => m.to.includes('admin@esc.test'));
    expect(adminMail!.subject).toBe(
      `[CRITICAL] Lab safety alert ${unreachable!.reference} could not reach anybody on the care team`,
    );
    expect(adminMail!.text).not.toContain('Carl');
    // A late "delivered" still tells the truth about that message.
    expect(await sms.report(text!.sid, 'delivered')).toBe(204);
    const [late] = await rowsOf(ds(), `SELECT state FROM deliveries WHERE provider_message_id = $1`, [
      text!.sid,
    ]);
    expect(late).toEqual({ state: 'delivered' });
    sms.reportAutomatically('delivered');

    // Acknowledged through the alerts endpoint instead of a link: on record (via api), escalation stopped at once.
    await seedUser(ds(), { email: 'backup@esc.test', roles: ['clinician'] });
    const backup = await api.login('backup@esc.test');
    const acked = await api.http().post(`/api/v1/alerts/${c1.id}/acknowledge`).set(bearer(backup)).send({});
    expect(acked.status).toBe(200);
    expect(await escalationOf(c1.id)).toMatchObject({ next_at: null, stop_reason: 'acknowledged' });
    expect(
      await rowsOf(ds(), `SELECT via, user_id, delivery_id FROM alert_acknowledgements WHERE alert_id = $1`, [
        c1.id,
      ]),
    ).toEqual([{ via: 'api', user_id: teamC.people['backup@esc.test']!.userId, delivery_id: null }]);
  });

  it('raises the nobody-reachable alert for a team without any verified contact, through the same path to the admins', async () => {
    const teamD = await seedTeam(ds(), SITE, 'MS team D', [
      {
        email: 'unverified@esc.test',
        displayName: 'Dr. New',
        role: 'clinician',
        contacts: [{ channel: 'email', address: 'unverified@esc.test', verified: false }],
      },
    ]);
    patients.D1 = await enrol(ds(), SITE, teamD.careTeamId, 'MRN-D1', 'Dora Fourth');
    clock.advance(60 * MINUTE);
    const d1 = await criticalPlatelets('MRN-D1');
    const unreachable = await waitFor(
      async () =>
        (
          await rowsOf<{ id: string; reference: string }>(
            ds(),
            `SELECT id, reference FROM alerts WHERE dedup_key = $1`,
            [`unreachable|${d1.id}`],
          )
        )[0],
      { description: 'the unreachable alert' },
    );
    await stack.smtp.waitForMessages(
      1,
      (m) => m.to.includes('admin@esc.test') && m.subject.includes(unreachable.reference),
    );
    expect(mailsTo('unverified@esc.test')).toEqual([]);
    const events = await rowsOf<{ type: string; detail: Record<string, unknown> }>(
      ds(),
      `SELECT type, detail FROM alert_events WHERE alert_id = $1 ORDER BY id`,
      [d1.id],
    );
    expect(events.map((e) => e.type)).toContain('nobody-reachable');
    expect(events.find((e) => e.type === 'nobody-reachable')!.detail).toMatchObject({
      tier: 1,
      reason: 'no verified contact',
      unreachableAlertId: unreachable.id,
    });
    // Tier 1 had nobody: tier 2 is due now, not in 15 minutes.
    expect((await escalationOf(d1.id))!.next_at).toEqual(clock.now());
  });

  it('verifies a contact point by a code sent through its own channel before it receives alerts', async () => {
    const colleague = teamA.people['colleague@esc.test']!;
    const admin = await api.login('admin@esc.test');
    const created = await api
      .http()
      .post(`/api/v1/users/${colleague.userId}/contact-points`)
      .set(bearer(admin))
      .send({ channel: 'sms', address: '+420601000009' });
    expect(created.status).toBe(201);
    expect(created.body.verifiedAt).toBeNull();
    // Creating the contact sends it a code at once; asking again sends a new one that replaces it.
    const [first] = await sms.waitForMessages(1, (m) => m.to === '+420601000009');
    const firstCode = /code is (\d{6})/.exec(first!.body)![1]!;
    const token = await api.login('colleague@esc.test');
    const started = await api
      .http()
      .post(`/api/v1/contact-points/${created.body.id}/verification`)
      .set(bearer(token));
    expect(started.status).toBe(202);
    const texts = await sms.waitForMessages(2, (m) => m.to === '+420601000009');
    const code = /code is (\d{6})/.exec(texts[1]!.body)![1]!;
    const wrong = code === '000000' ? '111111' : '000000';
    if (firstCode !== code) {
      const stale = await api
        .http()
        .post(`/api/v1/contact-points/${created.body.id}/verification/confirm`)
        .set(bearer(token))
        .send({ code: firstCode });
      expect(stale.status).toBe(400);
    }
    const bad = await api
      .http()
      .post(`/api/v1/contact-points/${created.body.id}/verification/confirm`)
      .set(bearer(token))
      .send({ code: wrong });
    expect(bad.status).toBe(400);
    const other = await api.login('other@esc.test');
    expect(
      (
        await api
          .http()
          .post(`/api/v1/contact-points/${created.body.id}/verification/confirm`)
          .set(bearer(other))
          .send({ code })
      ).status,
    ).toBe(404);
    const ok = await api
      .http()
      .post(`/api/v1/contact-points/${created.body.id}/verification/confirm`)
      .set(bearer(token))
      .send({ code });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      id: created.body.id,
      channel: 'sms',
      verifiedAt: clock.now().toISOString(),
    });
    const actions = (
      await rowsOf<{ action: string; outcome: string }>(
        ds(),
        `SELECT action, outcome FROM audit_log WHERE entity_id = $1 ORDER BY seq`,
        [created.body.id],
      )
    ).map((a) => `${a.action}:${a.outcome}`);
    expect(actions).toEqual([
      'contact-point.create:success',
      'contact-point.verification-send:success', // the code sent on creation
      'contact-point.verification-request:success',
      'contact-point.verification-send:success',
      'contact-point.verify:failure', // the first code, replaced
      'contact-point.verify:failure',
      'contact-point.verify:success',
    ]);
  });
});
