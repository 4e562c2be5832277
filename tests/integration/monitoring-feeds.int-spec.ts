import { type INestApplicationContext } from '@nestjs/common';
import { notifierServices } from '../support/notifier';
import { ManualClock } from '@alem/runtime';
import { type FeedAlertExplanation } from '../../apps/monitoring-scheduler/src/feed-alert-plan';
import { startTestStack, type TestStack } from '../support/test-stack';
import {
  alertsOf,
  at,
  BASELINE,
  enrolMsPatient,
  expectationOf,
  infusions,
  monitoringRepository,
  MONTHLY,
  type MonitoringSite,
  notificationsOf,
  seedMonitoringSite,
  startScheduler,
  storeResults,
  SYSTEM_TEST_ACTOR,
  THYROID,
  timelineOf,
  userActor,
} from '../support/monitoring';

const HOUR = 3_600_000;

/**
 * Quiet lab feeds (alerting-anchors §4 item 6a): a lab that goes silent raises ONE interface alert for its
 * site's integration team and holds the missed-result alerts of the patients it serves (recorded, not sent)
 * until it speaks again, a person releases them, or the hold runs out. Activity is reported as the result
 * processor will report it (`MonitoringRepository.recordFeedActivity`).
 */
describe('monitoring: quiet lab feeds', () => {
  const clock = new ManualClock('2024-02-21T08:00:00Z');
  let stack: TestStack;
  let site: MonitoringSite;
  let scheduler: { app: INestApplicationContext; sweep: () => Promise<unknown> };

  beforeAll(async () => {
    stack = await startTestStack({ clock });
    site = await seedMonitoringSite(stack.dataSource);
    scheduler = await startScheduler(stack.config, clock);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const ds = () => stack.dataSource;
  const sweep = () => scheduler.sweep();
  const repo = () => monitoringRepository(ds());
  const retire = (patientIds: string[]) =>
    ds().query(`DELETE FROM monitoring_patients WHERE patient_id = ANY($1::uuid[])`, [patientIds]);

  /** Results from `sender`, and the processor's activity report for the message that carried them. */
  async function fromLab(
    sender: string,
    patientId: string,
    day: string,
    analytes: Parameters<typeof storeResults>[3],
    receivedAt?: Date,
  ) {
    const received = receivedAt ?? new Date(at(day).getTime() + 2 * HOUR);
    await storeResults(ds(), patientId, day, analytes, { sender, receivedAt: received });
    await repo().recordFeedActivity([{ sender, lastSeenAt: received }]);
  }

  /** Other patients' traffic: one message a day at 09:00 local, from `from` to `to`. */
  async function dailyTraffic(sender: string, from: Date, to: Date) {
    for (let t = from.getTime(); t <= to.getTime(); t += 24 * HOUR) {
      await repo().recordFeedActivity([{ sender, lastSeenAt: new Date(t) }]);
    }
  }

  /** An MS patient served by `sender`: course, baseline, CD4, and two monthly draws (the second with TSH). */
  async function servedPatient(
    sender: string,
    course: string[],
    draws: { baseline: string; cd4: string; first: string; second: string },
  ): Promise<string> {
    const id = await enrolMsPatient(ds(), site, [course], draws.baseline);
    await fromLab(sender, id, draws.baseline, BASELINE);
    await fromLab(sender, id, draws.cd4, ['cd4']);
    await fromLab(sender, id, draws.first, MONTHLY);
    await fromLab(sender, id, draws.second, [...MONTHLY, ...THYROID]);
    return id;
  }

  const feedAlerts = (sender: string) =>
    ds().query(
      `SELECT id, reference, kind, severity, state, patient_id, resolution_reason FROM alerts
       WHERE rule_id = 'FEED-QUIET' AND dedup_key = $1 ORDER BY opened_at`,
      [`feed|${sender}`],
    );

  it('raises ONE feed alert for the integration team, holds its patients’ missed alerts, and releases them when the lab speaks again', async () => {
    const SENDER = 'LIS^CENTRAL-LAB';
    const dates = { baseline: '2024-02-20', cd4: '2024-05-01', first: '2024-04-07', second: '2024-05-07' };
    await repo().configureFeed(SENDER, { quietAfterHours: 48 }, SYSTEM_TEST_ACTOR, clock.now());
    const served = await servedPatient(SENDER, infusions('2024-03-04', 5), dates);
    const backlog = await servedPatient(SENDER, infusions('2024-03-04', 5), dates);
    // The lab keeps sending other patients' results daily until 2024-06-11 09:00, then goes silent.
    await dailyTraffic(SENDER, at('2024-05-08'), at('2024-06-11'));

    clock.set(at('2024-06-12', '12:00'));
    await sweep();
    expect(await feedAlerts(SENDER)).toEqual([]);
    // The first patient sweep learned which site the feed belongs to (its FEED-QUIET route).
    expect(
      (await ds().query(`SELECT site_id, site_source FROM lab_feeds WHERE sender = $1`, [SENDER]))[0],
    ).toEqual({ site_id: site.siteId, site_source: 'learned' });

    // 48 h after the last message: one interface alert, to the site's integration team.
    clock.set(at('2024-06-13', '09:00'));
    await sweep();
    const [feedAlert] = await feedAlerts(SENDER);
    expect(feedAlert).toMatchObject({ kind: 'feed', severity: 'warning', state: 'open', patient_id: null });
    const [notification] = await notificationsOf(ds(), feedAlert.id);
    const plan = await notifierServices(ds()).dispatch.loadPlan(notification!.id);
    expect(plan!.recipients.map((r) => r.address)).toEqual([`interfaces@${site.siteId}.test`]);

    // Day 38 of both patients: overdue, but held (recorded, not sent) while their lab is quiet.
    clock.set(at('2024-06-14', '00:00'));
    await sweep();
    await sweep();
    for (const patientId of [served, backlog]) {
      const alerts = await alertsOf(ds(), patientId);
      expect(alerts.map((a) => [a.rule_id, a.severity, a.state])).toEqual([
        ['MISSED-CBC', 'warning', 'open'],
        ['MISSED-CREATININE', 'warning', 'open'],
        ['MISSED-UA', 'warning', 'open'],
      ]);
      for (const alert of alerts) expect(await notificationsOf(ds(), alert.id)).toEqual([]);
      expect((await timelineOf(ds(), alerts[0]!.id)).map((e) => e.type)).toEqual(['opened', 'held']);
      expect(await expectationOf(ds(), patientId, 'MISSED-CBC')).toMatchObject({
        status: 'held',
        severity: 'warning',
        held_by: [SENDER],
      });
    }
    expect(await feedAlerts(SENDER)).toHaveLength(1);

    // The lab comes back with its backlog: one patient's June sample (drawn 06-06) is in it, the other's is not.
    clock.set(at('2024-06-15', '10:00'));
    await fromLab(SENDER, backlog, '2024-06-06', [...MONTHLY], clock.now());
    await sweep();

    expect(await feedAlerts(SENDER)).toMatchObject([
      { state: 'resolved', resolution_reason: 'feed-resumed' },
    ]);
    // Backlog patient: resolved by the late sample, nobody was paged for nothing.
    const resolved = await alertsOf(ds(), backlog);
    expect(resolved.map((a) => [a.state, a.resolution_reason])).toEqual([
      ['resolved', 'received'],
      ['resolved', 'received'],
      ['resolved', 'received'],
    ]);
    for (const alert of resolved) expect(await notificationsOf(ds(), alert.id)).toEqual([]);
    // The other: still missing, now told.
    const released = await alertsOf(ds(), served);
    expect(released.map((a) => [a.state, a.severity])).toEqual([
      ['open', 'warning'],
      ['open', 'warning'],
      ['open', 'warning'],
    ]);
    expect(await notificationsOf(ds(), released[0]!.id)).toMatchObject([
      { reason: 'hold-released', severity: 'warning' },
    ]);
    expect((await timelineOf(ds(), released[0]!.id)).map((e) => e.type)).toEqual([
      'opened',
      'held',
      'hold-released',
      'notification-queued',
    ]);
    expect(await expectationOf(ds(), served, 'MISSED-CBC')).toMatchObject({
      status: 'overdue-warning',
      held_by: [],
    });
    await retire([served, backlog]);
  });

  it('lets a person release a hold (audited), and turns the feed alert critical when the hold runs out', async () => {
    const SENDER = 'LIS^NORTH-LAB';
    clock.set('2024-12-19T08:00:00Z');
    await repo().configureFeed(
      SENDER,
      { quietAfterHours: 48, siteId: site.siteId },
      SYSTEM_TEST_ACTOR,
      clock.now(),
    );
    const patientId = await servedPatient(SENDER, infusions('2025-01-06', 5), {
      baseline: '2024-12-20',
      cd4: '2025-03-01',
      first: '2025-02-09',
      second: '2025-03-11',
    });
    await dailyTraffic(SENDER, at('2025-03-12'), at('2025-04-15'));
    clock.set(at('2025-04-17', '09:00'));
    await sweep();
    const [feedAlert] = await feedAlerts(SENDER);
    expect(feedAlert).toMatchObject({ severity: 'warning', state: 'open' });
    clock.set(at('2025-04-18', '00:00')); // day 38 after 2025-03-11
    await sweep();
    expect(await expectationOf(ds(), patientId, 'MISSED-CBC')).toMatchObject({ status: 'held' });

    // The interface team knows the outage is long: a person releases the hold.
    clock.set(at('2025-04-18', '10:00'));
    await repo().releaseFeedHold(SENDER, userActor(site.integration), clock.now(), 'engine down for days');
    await sweep();
    const alerts = await alertsOf(ds(), patientId);
    expect(alerts.map((a) => a.state)).toEqual(['open', 'open', 'open']);
    expect(await notificationsOf(ds(), alerts[0]!.id)).toMatchObject([
      { reason: 'hold-released', severity: 'warning' },
    ]);
    const [released] = await ds().query(
      `SELECT type, actor_user_id FROM alert_events WHERE alert_id = $1 AND type = 'hold-released'`,
      [feedAlert.id],
    );
    expect(released).toEqual({ type: 'hold-released', actor_user_id: site.integration.members[0]!.userId });
    expect(
      await ds().query(`SELECT action, actor_id FROM audit_log WHERE action = 'lab-feed.release-hold'`),
    ).toEqual([{ action: 'lab-feed.release-hold', actor_id: site.integration.members[0]!.userId }]);
    expect(await feedAlerts(SENDER)).toMatchObject([{ state: 'open', severity: 'warning' }]);

    // Seven days after it went quiet, the outage itself is critical.
    clock.set(new Date(at('2025-04-17', '09:00').getTime() + 7 * 24 * HOUR));
    await sweep();
    const [critical] = await feedAlerts(SENDER);
    expect(critical).toMatchObject({ severity: 'critical', state: 'open' });
    expect((await notificationsOf(ds(), critical.id)).map((n) => n.severity)).toEqual([
      'warning',
      'critical',
    ]);
    await retire([patientId]);
  });

  it('pages a critical missed result 24 h into a lab outage while the lab is still quiet, holds warnings 7 days, and counts the held patients on the feed alert', async () => {
    // README decision 15 (feeds.maxCriticalHoldHours, [P] 24 h): a critical missed result is a same-day matter
    // (clinical-rules severity levels; §3 #1 critical at day 45), so a quiet lab may hold its page one day only.
    const SENDER = 'LIS^EAST-LAB';
    clock.set('2025-06-20T08:00:00Z');
    await repo().configureFeed(
      SENDER,
      { quietAfterHours: 48, siteId: site.siteId },
      SYSTEM_TEST_ACTOR,
      clock.now(),
    );
    const course = infusions('2025-07-07', 5);
    const draws = { baseline: '2025-06-25', cd4: '2025-09-10', first: '2025-08-10' };
    // Last monthly draws: 2025-09-08 (warning 10-16, critical 10-23) and 2025-09-16 (warning 10-24).
    const critical = await servedPatient(SENDER, course, { ...draws, second: '2025-09-08' });
    const warning = await servedPatient(SENDER, course, { ...draws, second: '2025-09-16' });
    // The lab's last message: 2025-10-20 09:00 Prague; quiet 48 h later.
    await dailyTraffic(SENDER, at('2025-09-17'), at('2025-10-20'));
    const quietAt = at('2025-10-22', '09:00');
    const criticalHoldEnd = new Date(quietAt.getTime() + 24 * HOUR);
    const warningHoldEnd = new Date(quietAt.getTime() + 7 * 24 * HOUR);
    const feedAlert = async () => {
      const [row] = await ds().query(
        `SELECT id, severity, state, explanation FROM alerts WHERE dedup_key = $1 AND state <> 'resolved'`,
        [`feed|${SENDER}`],
      );
      return row as { id: string; severity: string; state: string; explanation: FeedAlertExplanation };
    };
    const cbcAlert = async (patientId: string) =>
      (await alertsOf(ds(), patientId)).find((a) => a.rule_id === 'MISSED-CBC')!;

    // Day 38 of the first patient, the lab still sending: paged at once.
    clock.set(at('2025-10-16', '00:00'));
    await sweep();
    expect(await notificationsOf(ds(), (await cbcAlert(critical)).id)).toMatchObject([
      { reason: 'opened', severity: 'warning' },
    ]);

    // The lab goes quiet: one feed alert, and the overdue patient's alerts are held from now on.
    clock.set(quietAt);
    await sweep();
    expect(await expectationOf(ds(), critical, 'MISSED-CBC')).toMatchObject({
      status: 'held',
      severity: 'warning',
    });
    let alert = await feedAlert();
    expect(alert).toMatchObject({ severity: 'warning', state: 'open' });
    expect(alert.explanation.feed).toMatchObject({
      heldPatients: 1,
      criticalHoldUntil: criticalHoldEnd.toISOString(),
      holdUntil: warningHoldEnd.toISOString(),
    });
    expect(alert.explanation.summary).toContain(
      `Holding the missed-result alerts of 1 patient it serves (recorded, not sent): critical ones until ${criticalHoldEnd.toISOString()}, warnings until ${warningHoldEnd.toISOString()}.`,
    );

    // Day 45, 15 h into the outage: critical, recorded and still held; the scheduler will look again at
    // quiet + 24 h exactly.
    clock.set(at('2025-10-23', '00:00'));
    await sweep();
    expect(await expectationOf(ds(), critical, 'MISSED-CBC')).toMatchObject({
      status: 'held',
      severity: 'critical',
      explanation: { hold: { senders: [SENDER], until: criticalHoldEnd.toISOString() } },
    });
    expect(await cbcAlert(critical)).toMatchObject({ severity: 'critical', state: 'open' });
    expect(await notificationsOf(ds(), (await cbcAlert(critical)).id)).toHaveLength(1);
    const [{ next_check_at: nextCheck }] = await ds().query(
      `SELECT next_check_at FROM monitoring_patients WHERE patient_id = $1`,
      [critical],
    );
    expect(nextCheck).toEqual(criticalHoldEnd);
    clock.set(new Date(criticalHoldEnd.getTime() - 1));
    await sweep();
    expect(await expectationOf(ds(), critical, 'MISSED-CBC')).toMatchObject({ status: 'held' });

    // Quiet + 24 h: the critical page goes out although the lab is still quiet.
    clock.set(criticalHoldEnd);
    await sweep();
    expect(await expectationOf(ds(), critical, 'MISSED-CBC')).toMatchObject({
      status: 'overdue-critical',
      severity: 'critical',
      held_by: [],
    });
    const paged = await cbcAlert(critical);
    expect(await notificationsOf(ds(), paged.id)).toMatchObject([
      { reason: 'opened', severity: 'warning' },
      { reason: 'hold-released', severity: 'critical' },
    ]);
    expect((await timelineOf(ds(), paged.id)).map((e) => e.type)).toEqual(
      expect.arrayContaining(['held', 'severity-raised', 'hold-released']),
    );
    expect((await ds().query(`SELECT state, holding FROM lab_feeds WHERE sender = $1`, [SENDER]))[0]).toEqual(
      {
        state: 'quiet',
        holding: true,
      },
    );
    alert = await feedAlert();
    expect(alert).toMatchObject({ severity: 'warning', state: 'open' });
    expect(alert.explanation.feed.heldPatients).toBe(0);
    expect(alert.explanation.summary).toContain(
      `Holding the missed-result alerts of 0 patients it serves (recorded, not sent): warnings until ${warningHoldEnd.toISOString()}; critical ones go out`,
    );

    // The second patient's warning starts while the lab is quiet: held, not paged, and counted.
    clock.set(at('2025-10-24', '00:00'));
    await sweep();
    expect(await expectationOf(ds(), warning, 'MISSED-CBC')).toMatchObject({
      status: 'held',
      severity: 'warning',
      explanation: { hold: { until: warningHoldEnd.toISOString() } },
    });
    expect(await notificationsOf(ds(), (await cbcAlert(warning)).id)).toEqual([]);
    expect((await feedAlert()).explanation.feed.heldPatients).toBe(1);

    // A warning is held the full 7 days, then paged; the outage itself turns critical.
    clock.set(new Date(warningHoldEnd.getTime() - 1));
    await sweep();
    expect(await expectationOf(ds(), warning, 'MISSED-CBC')).toMatchObject({ status: 'held' });
    clock.set(warningHoldEnd);
    await sweep();
    expect(await expectationOf(ds(), warning, 'MISSED-CBC')).toMatchObject({ status: 'overdue-warning' });
    expect(await notificationsOf(ds(), (await cbcAlert(warning)).id)).toMatchObject([
      { reason: 'hold-released', severity: 'warning' },
    ]);
    alert = await feedAlert();
    expect(alert).toMatchObject({ severity: 'critical', state: 'open' });
    expect(alert.explanation.feed.heldPatients).toBe(0);
    await retire([critical, warning]);
  });

  it('learns a feed’s rhythm from its daily longest silences (a clinic lab that sends 08:00–20:00)', async () => {
    const SENDER = 'LIS^CLINIC-LAB';
    clock.set('2025-06-01T08:00:00Z');
    for (let day = 0; day < 10; day++) {
      for (let hour = 8; hour <= 20; hour++) {
        const t = new Date(Date.UTC(2025, 5, 1 + day, hour));
        await repo().recordFeedActivity([{ sender: SENDER, lastSeenAt: t }]);
      }
    }
    clock.set('2025-06-10T21:00:00Z');
    await sweep();
    const [feed] = await ds().query(
      `SELECT quiet_after_ms::float8 AS quiet_after_ms, rhythm_source, rhythm_learned_from, state FROM lab_feeds
       WHERE sender = $1`,
      [SENDER],
    );
    // The nightly 12 h silence is the daily longest; p90 × 1.5 = 18 h.
    expect(feed).toEqual({
      quiet_after_ms: 18 * HOUR,
      rhythm_source: 'learned',
      rhythm_learned_from: { activeDays: 10, percentileSilenceMs: 12 * HOUR },
      state: 'ok',
    });
    // Quiet only after 18 h without a message, not at the usual 12 h night.
    clock.set('2025-06-11T13:59:00Z');
    await sweep();
    expect(await feedAlerts(SENDER)).toEqual([]);
    clock.set('2025-06-11T14:00:00Z');
    await sweep();
    expect(await feedAlerts(SENDER)).toMatchObject([{ severity: 'warning', state: 'open' }]);
  });
});
