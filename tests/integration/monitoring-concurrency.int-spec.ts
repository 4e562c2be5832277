import { ManualClock } from '@alem/runtime';
import { startTestStack, type TestStack } from '../support/test-stack';
import {
  at,
  enrolMsPatient,
  infusions,
  MONTHLY,
  seedMonitoringSite,
  startScheduler,
  storeResults,
} from '../support/monitoring';
import { type SweepReport } from '../../apps/monitoring-scheduler/src/monitoring-sweep.service';

/**
 * Two scheduler instances sweeping the same database at the same moment share the due patients through
 * FOR UPDATE SKIP LOCKED: every patient is evaluated once per round, and no alert or notification is doubled.
 */
describe('monitoring: two scheduler instances at once', () => {
  const clock = new ManualClock('2024-03-01T08:00:00Z');
  const PATIENTS = 60;
  let stack: TestStack;
  let a: () => Promise<SweepReport>;
  let b: () => Promise<SweepReport>;
  const patients: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ clock });
    const site = await seedMonitoringSite(stack.dataSource);
    for (let i = 0; i < PATIENTS; i++) {
      patients.push(await enrolMsPatient(stack.dataSource, site, [infusions('2024-03-04', 5)], '2024-02-15'));
    }
    // Small batches, so the two instances interleave many transactions.
    ({ sweep: a } = await startScheduler(stack.config, clock, { batchSize: 7 }));
    ({ sweep: b } = await startScheduler(stack.config, clock, { batchSize: 7 }));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  async function round(): Promise<number> {
    const [ra, rb] = await Promise.all([a(), b()]);
    return ra.patients + rb.patients;
  }

  async function duplicates(): Promise<{ openPerKey: number; notificationsPerSeverity: number }> {
    const [row] = await stack.dataSource.query(`
      SELECT (SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM alerts WHERE state <> 'resolved'
                                               GROUP BY dedup_key) x)::int AS "openPerKey",
             (SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM notifications
                                               GROUP BY alert_id, severity) y)::int AS "notificationsPerSeverity"`);
    return row;
  }

  it('evaluates each due patient once and never double-alerts', async () => {
    // Enrolment: everyone is due at once.
    expect(await round()).toBe(PATIENTS);

    // Course end + 40 days without a single result: monthly tests overdue (warning) and the gates unmet.
    clock.set(at('2024-04-17', '00:00'));
    expect(await round()).toBe(PATIENTS);
    const [{ opened, keys }] = await stack.dataSource.query(
      `SELECT count(*)::int AS opened, count(DISTINCT dedup_key)::int AS keys FROM alerts`,
    );
    expect(opened).toBe(keys);
    expect(opened).toBe(PATIENTS * 6); // MISSED-CBC, -CREATININE, -UA; GATE-BASELINE, -UPCR, -HIV
    expect(await duplicates()).toEqual({ openPerKey: 1, notificationsPerSeverity: 1 });

    // Day 45: raised to critical, once each.
    clock.set(at('2024-04-22', '00:00'));
    expect(await round()).toBe(PATIENTS);
    const [{ critical }] = await stack.dataSource.query(
      `SELECT count(*)::int AS critical FROM notifications WHERE reason = 'severity-raised'`,
    );
    expect(critical).toBe(PATIENTS * 3);
    expect(await duplicates()).toEqual({ openPerKey: 1, notificationsPerSeverity: 1 });

    // Half of them send their draw; both instances sweep again while the rest stay overdue.
    clock.set(at('2024-04-23', '12:00'));
    for (const id of patients.slice(0, PATIENTS / 2))
      await storeResults(stack.dataSource, id, '2024-04-23', MONTHLY);
    expect(await round()).toBe(PATIENTS / 2);
    const [{ resolved }] = await stack.dataSource.query(
      `SELECT count(*)::int AS resolved FROM alerts WHERE resolution_reason = 'received'`,
    );
    expect(resolved).toBe((PATIENTS / 2) * 3);
    expect(await duplicates()).toEqual({ openPerKey: 1, notificationsPerSeverity: 1 });
    const [{ events }] = await stack.dataSource.query(
      `SELECT max(n)::int AS events FROM (SELECT count(*) AS n FROM alert_events WHERE type = 'resolved' GROUP BY alert_id) x`,
    );
    expect(events).toBe(1);
  });
});
