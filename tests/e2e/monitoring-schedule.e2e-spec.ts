import { addDays } from '@alem/clinical';
import { TOPICS } from '@alem/messaging';
import { ManualClock } from '@alem/runtime';
import { asMessage, labResult } from '../support/lab-results';
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
  THYROID,
  timelineOf,
  userActor,
} from '../support/monitoring';
import { readableText } from '../support/mail-text';

/**
 * The monitoring schedule over a simulated 48-month course (clinical rules §1.2, §3): the scheduler runs on a
 * manual clock that the tests move, results are stored as the processor stores them (and wake the patient as
 * the processor will), and each sweep is called directly. No sleeps: the clock jumps to the next draw or to
 * the instant the scheduler itself asked to be woken (`monitoring_patients.next_check_at`).
 */
describe('monitoring schedule: expectations and missed-result alerts', () => {
  const clock = new ManualClock('2024-02-21T08:00:00Z');
  const COURSE_1 = infusions('2024-03-04', 5); // last infusion 2024-03-08 → monitoring_end 2028-03-08
  let stack: TestStack;
  let site: MonitoringSite;
  let sweep: () => Promise<unknown>;

  beforeAll(async () => {
    stack = await startTestStack({ clock });
    site = await seedMonitoringSite(stack.dataSource);
    ({ sweep } = await startScheduler(stack.config, clock));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const ds = () => stack.dataSource;

  /** Takes a finished test's patient out of later sweeps (the clock goes back between tests). */
  const retire = (patientId: string) =>
    ds().query(`DELETE FROM monitoring_patients WHERE patient_id = $1`, [patientId]);

  /** A patient on course 1, baseline labs (incl. UPCR and HIV) 2024-02-20, CD4 ≥ 200 on 2024-05-01. */
  async function coursePatient(courses: string[][] = [COURSE_1]): Promise<string> {
    const id = await enrolMsPatient(ds(), site, courses, '2024-02-15');
    await storeResults(ds(), id, '2024-02-20', BASELINE);
    await storeResults(ds(), id, '2024-05-01', ['cd4'], { value: 450 });
    return id;
  }

  async function nextCheck(patientId: string): Promise<{ wake: boolean; at: Date | null }> {
    const [row] = await ds().query(
      `SELECT next_check_at = '-infinity' AS wake,
              CASE WHEN next_check_at = '-infinity' THEN NULL ELSE next_check_at END AS at
       FROM monitoring_patients WHERE patient_id = $1`,
      [patientId],
    );
    return { wake: row.wake === true, at: row.at };
  }

  it('raises nothing for 48 months of on-time results, and ends monitoring 48 months after the last infusion', async () => {
    clock.set('2024-02-21T08:00:00Z');
    const patientId = await coursePatient();
    // Monthly draws 30 days apart from course end + 30 until monitoring_end; thyroid with every third.
    const draws: Array<{ day: string; analytes: typeof MONTHLY }> = [];
    for (let day = '2024-04-07', i = 0; day <= '2028-03-08'; day = addDays(day, 30), i++) {
      draws.push({ day, analytes: (i + 1) % 3 === 0 ? [...MONTHLY, ...THYROID] : MONTHLY });
    }
    let sweeps = 0;
    for (;;) {
      const check = await nextCheck(patientId);
      const draw = draws[0];
      const drawAt = draw ? at(draw.day) : null;
      if (!check.wake) {
        const next = [check.at, drawAt].filter((d): d is Date => d !== null).sort((a, b) => +a - +b)[0];
        if (!next) break;
        clock.set(next);
        if (draw && drawAt!.getTime() === next.getTime()) {
          draws.shift();
          await storeResults(ds(), patientId, draw.day, draw.analytes);
        }
      }
      await sweep();
      sweeps++;
      expect(sweeps).toBeLessThan(600);
    }

    expect(await alertsOf(ds(), patientId)).toEqual([]);
    const cbc = await expectationOf(ds(), patientId, 'MISSED-CBC');
    expect(cbc).toMatchObject({ status: 'ended', severity: 'none' });
    expect(cbc.explanation).toMatchObject({ endDay: '2028-03-08', endReason: 'monitoring-ended' });
    // It ended at the first instant of 2028-03-09 in Prague, and nothing is scheduled after that.
    const [{ since }] = await ds().query(
      `SELECT status_since AS since FROM monitoring_expectations WHERE patient_id = $1 AND rule_id = 'MISSED-CBC'`,
      [patientId],
    );
    expect(since.toISOString()).toBe('2028-03-08T23:00:00.000Z');
    const statuses = await ds().query(
      `SELECT DISTINCT status FROM monitoring_expectations WHERE patient_id = $1`,
      [patientId],
    );
    expect(statuses).toEqual([{ status: 'ended' }]);
    expect(await nextCheck(patientId)).toEqual({ wake: false, at: null });

    // After monitoring_end, nothing arriving is not missed.
    clock.set('2028-09-01T10:00:00Z');
    await ds().query(`UPDATE monitoring_patients SET next_check_at = '-infinity' WHERE patient_id = $1`, [
      patientId,
    ]);
    await sweep();
    expect(await alertsOf(ds(), patientId)).toEqual([]);
    await retire(patientId);
  });

  it('warns at day 38 and goes critical at day 45 of a skipped month, emails the care team, and resolves itself when the result comes', async () => {
    clock.set('2024-02-21T08:00:00Z');
    const patientId = await coursePatient();
    await stack.startNotifier();
    clock.set(at('2024-04-07'));
    await storeResults(ds(), patientId, '2024-04-07', MONTHLY);
    clock.set(at('2024-05-07'));
    await storeResults(ds(), patientId, '2024-05-07', [...MONTHLY, ...THYROID]);
    await sweep();

    // The June draw (due 2024-06-06) never comes. Day 37: due, not yet missed.
    clock.set(at('2024-06-13', '12:00'));
    await sweep();
    expect(await alertsOf(ds(), patientId)).toEqual([]);
    expect(await expectationOf(ds(), patientId, 'MISSED-CBC')).toMatchObject({
      status: 'due',
      severity: 'none',
    });

    // Day 38 (local midnight): warning, notified.
    clock.set(at('2024-06-14', '00:00'));
    await sweep();
    let alerts = await alertsOf(ds(), patientId);
    expect(alerts.map((a) => [a.rule_id, a.kind, a.severity, a.state])).toEqual([
      ['MISSED-CBC', 'missed', 'warning', 'open'],
      ['MISSED-CREATININE', 'missed', 'warning', 'open'],
      ['MISSED-UA', 'missed', 'warning', 'open'],
    ]);
    expect(alerts.map((a) => a.dedup_key)).toContain(`${patientId}|MISSED-CBC`);
    const cbc = alerts[0]!;
    expect(await notificationsOf(ds(), cbc.id)).toMatchObject([{ reason: 'opened', severity: 'warning' }]);
    const warnings = await stack.smtp.waitForMessages(6);
    expect(
      warnings.filter((m) => m.subject === `[Warning] Lab safety alert ${cbc.reference} needs review`),
    ).toHaveLength(2);
    expect(warnings.flatMap((m) => m.to).sort()).toEqual(
      [
        ...Array(3).fill(`ms-nurse@${site.siteId}.test`),
        ...Array(3).fill(`neurologist@${site.siteId}.test`),
      ].sort(),
    );

    // Day 45: critical, notified again.
    clock.set(at('2024-06-21', '00:00'));
    await sweep();
    alerts = await alertsOf(ds(), patientId);
    expect(alerts.map((a) => [a.rule_id, a.severity, a.state])).toEqual([
      ['MISSED-CBC', 'critical', 'open'],
      ['MISSED-CREATININE', 'critical', 'open'],
      ['MISSED-UA', 'critical', 'open'],
    ]);
    expect(await notificationsOf(ds(), cbc.id)).toMatchObject([
      { reason: 'opened', severity: 'warning' },
      { reason: 'severity-raised', severity: 'critical' },
    ]);
    const all = await stack.smtp.waitForMessages(12);
    expect(
      all.filter((m) => m.subject.startsWith(`[CRITICAL] Lab safety alert ${cbc.reference}`)),
    ).toHaveLength(2);
    for (const mail of all) expect(readableText(mail)).not.toMatch(/MISSED|CBC|creatinine|urinalysis/i);

    // The late sample arrives on day 46: the alerts resolve by themselves, with a timeline entry.
    clock.set(at('2024-06-22', '11:00'));
    await storeResults(ds(), patientId, '2024-06-22', MONTHLY);
    await sweep();
    alerts = await alertsOf(ds(), patientId);
    expect(alerts.map((a) => [a.rule_id, a.state, a.resolution_reason])).toEqual([
      ['MISSED-CBC', 'resolved', 'received'],
      ['MISSED-CREATININE', 'resolved', 'received'],
      ['MISSED-UA', 'resolved', 'received'],
    ]);
    const timeline = (await timelineOf(ds(), cbc.id)).filter((e) => e.type !== 'notification-dispatched');
    expect(timeline.map((e) => e.type)).toEqual([
      'opened',
      'notification-queued',
      'severity-raised',
      'notification-queued',
      'resolved',
    ]);
    expect(timeline.at(-1)!.detail).toMatchObject({
      reason: 'received',
      by: 'monitoring-scheduler',
      status: 'pending',
    });
    expect(await expectationOf(ds(), patientId, 'MISSED-CBC')).toMatchObject({
      status: 'pending',
      severity: 'none',
    });
    await retire(patientId);
  });

  it('counts from a backfilled sample from before enrolment, even one older than the results window (§3; decision 7)', async () => {
    // Enrolled on 2025-01-15, ten months after course 1; the site backfills each patient's last monthly draw.
    clock.set(at('2025-01-15', '08:00'));
    const lapsed = await enrolMsPatient(ds(), site, [COURSE_1], '2025-01-15');
    const recent = await enrolMsPatient(ds(), site, [COURSE_1], '2025-01-15');
    // 135 days before enrolment: older than the sweep's 123-day results window.
    await storeResults(ds(), lapsed, '2024-09-02', MONTHLY, { receivedAt: clock.now() });
    await storeResults(ds(), recent, '2024-12-20', MONTHLY, { receivedAt: clock.now() });
    clock.set(at('2025-01-15', '10:00'));
    await sweep();

    // Day 135 after its last sample: critical at once, paged (not pending from the enrolment day); the liver
    // tests of the same draw are past their 100 days too.
    const overdue = await expectationOf(ds(), lapsed, 'MISSED-CBC');
    expect(overdue).toMatchObject({ status: 'overdue-critical', severity: 'critical' });
    expect(overdue.explanation).toMatchObject({ anchorDay: '2024-09-02', anchorSource: 'result' });
    const missed = (await alertsOf(ds(), lapsed)).filter((a) => a.rule_id.startsWith('MISSED-'));
    expect(missed.map((a) => [a.rule_id, a.severity, a.state])).toEqual([
      ['MISSED-CBC', 'critical', 'open'],
      ['MISSED-CREATININE', 'critical', 'open'],
      ['MISSED-LFT', 'warning', 'open'],
      ['MISSED-UA', 'critical', 'open'],
    ]);
    expect(await notificationsOf(ds(), missed[0]!.id)).toMatchObject([
      { reason: 'opened', severity: 'critical' },
    ]);

    // The other counts from 2024-12-20: warning on day 38 (2025-01-27), not 38 days after enrolment.
    expect((await expectationOf(ds(), recent, 'MISSED-CBC')).explanation).toMatchObject({
      anchorDay: '2024-12-20',
      anchorSource: 'result',
      dueDay: '2025-01-19',
      warningDay: '2025-01-27',
    });
    clock.set(at('2025-01-27', '00:00'));
    await sweep();
    expect(await expectationOf(ds(), recent, 'MISSED-CBC')).toMatchObject({
      status: 'overdue-warning',
      severity: 'warning',
    });
    await retire(lapsed);
    await retire(recent);
  });

  it('shows a urinalysis without microscopy as partial, and alerts on it like a missing one', async () => {
    clock.set('2024-02-21T08:00:00Z');
    const patientId = await coursePatient();
    await storeResults(ds(), patientId, '2024-04-07', MONTHLY);
    await storeResults(ds(), patientId, '2024-05-07', [...MONTHLY, ...THYROID]);
    // The June draw is complete except for the urine microscopy: dipstick only.
    const june = MONTHLY.filter((a) => a !== 'urine-rbc');
    clock.set(at('2024-06-05', '12:00'));
    await storeResults(ds(), patientId, '2024-06-05', june);
    await sweep();
    expect(await expectationOf(ds(), patientId, 'MISSED-UA')).toMatchObject({
      status: 'partial',
      severity: 'none',
    });
    expect(await expectationOf(ds(), patientId, 'MISSED-CBC')).toMatchObject({ status: 'pending' });

    clock.set(at('2024-06-14', '00:00')); // day 38 after the last complete urinalysis (2024-05-07)
    await sweep();
    const ua = await expectationOf(ds(), patientId, 'MISSED-UA');
    expect(ua).toMatchObject({ status: 'partial', severity: 'warning' });
    expect(ua.explanation).toMatchObject({
      lastReceivedDay: '2024-05-07',
      partialDay: '2024-06-05',
      missingComponents: ['urine-rbc-microscopy'],
    });
    expect(ua.explanation.receivedComponents).toEqual(expect.arrayContaining(['urine-protein']));
    expect((await alertsOf(ds(), patientId)).map((a) => [a.rule_id, a.severity])).toEqual([
      ['MISSED-UA', 'warning'],
    ]);
    await retire(patientId);
  });

  it('extends the schedule when a second course is recorded', async () => {
    clock.set('2024-02-21T08:00:00Z');
    const patientId = await coursePatient();
    await storeResults(ds(), patientId, '2027-12-20', [...MONTHLY, ...THYROID]);
    clock.set(at('2028-01-05'));
    await sweep();
    expect(await expectationOf(ds(), patientId, 'MISSED-CBC')).toMatchObject({ status: 'pending' });

    // 2028-03-20: 91 days without a draw, but monitoring ended on 2028-03-08 (course 1 + 48 months).
    clock.set(at('2028-03-20', '12:00'));
    await sweep();
    expect(await alertsOf(ds(), patientId)).toEqual([]);
    expect(await expectationOf(ds(), patientId, 'MISSED-CBC')).toMatchObject({ status: 'ended' });

    // Course 2 (2025-03-10 … 12) is recorded: monitoring_end moves to 2029-03-12, the gap is now missed.
    await ds().query(
      `INSERT INTO treatment_courses (patient_id, course_number, infusion_dates) VALUES ($1, 2, $2::date[])`,
      [patientId, infusions('2025-03-10', 3)],
    );
    await sweep();
    const cbc = await expectationOf(ds(), patientId, 'MISSED-CBC');
    expect(cbc).toMatchObject({ status: 'overdue-critical', severity: 'critical' });
    expect(cbc.explanation).toMatchObject({ endDay: '2029-03-12', lastReceivedDay: '2027-12-20' });
    const alerts = await alertsOf(ds(), patientId);
    expect(alerts.filter((a) => a.severity === 'critical').map((a) => a.rule_id)).toEqual([
      'MISSED-CBC',
      'MISSED-CREATININE',
      'MISSED-UA',
    ]);
    // The CD4 reminder restarts with course 2: recorded as info, never paged.
    const cd4 = alerts.find((a) => a.rule_id === 'CD4-REMINDER')!;
    expect(cd4).toMatchObject({ severity: 'info', dedup_key: `${patientId}|CD4-REMINDER|course-2` });
    expect(await notificationsOf(ds(), cd4.id)).toEqual([]);
    await retire(patientId);
  });

  it('holds missed-result alerts during a suspension, audited, and alerts again when it expires', async () => {
    clock.set('2024-02-21T08:00:00Z');
    const patientId = await coursePatient();
    await storeResults(ds(), patientId, '2024-04-07', MONTHLY);
    await storeResults(ds(), patientId, '2024-05-07', [...MONTHLY, ...THYROID]);
    clock.set(at('2024-06-14', '00:00'));
    await sweep();
    const warnings = await alertsOf(ds(), patientId);
    expect(warnings.map((a) => a.severity)).toEqual(['warning', 'warning', 'warning']);

    // The patient is admitted: suspended 2024-06-15 … 2024-06-30 by a clinician.
    clock.set(at('2024-06-15', '10:00'));
    const suspension = await monitoringRepository(ds()).addSuspension(
      {
        patientId,
        reason: 'hospitalised',
        authorUserId: site.team.members[0]!.userId,
        startDay: '2024-06-15',
        endDay: '2024-06-30',
        note: 'ICU',
      },
      userActor(site.team),
      clock.now(),
    );
    const [audit] = await ds().query(
      `SELECT action, actor_id, patient_id, entity_id, detail FROM audit_log WHERE entity_id = $1`,
      [suspension.id],
    );
    expect(audit).toMatchObject({
      action: 'monitoring-suspension.create',
      actor_id: site.team.members[0]!.userId,
      patient_id: patientId,
      detail: { after: { reason: 'hospitalised', start: '2024-06-15', end: '2024-06-30' } },
    });
    await sweep();
    expect((await alertsOf(ds(), patientId)).map((a) => [a.state, a.resolution_reason])).toEqual([
      ['resolved', 'suspended'],
      ['resolved', 'suspended'],
      ['resolved', 'suspended'],
    ]);
    const suspended = await expectationOf(ds(), patientId, 'MISSED-CBC');
    expect(suspended).toMatchObject({ status: 'suspended', severity: 'none' });
    expect(suspended.explanation).toMatchObject({
      suspension: {
        reason: 'hospitalised',
        author: 'Dr. Eva Svobodová',
        start: '2024-06-15',
        end: '2024-06-30',
      },
      underlying: { status: 'overdue-warning', severity: 'warning' },
    });

    // Day 45 passes silently inside the suspension.
    clock.set(at('2024-06-21', '12:00'));
    await sweep();
    expect((await alertsOf(ds(), patientId)).filter((a) => a.state !== 'resolved')).toEqual([]);

    // It expires: still nothing received, so the alerts come back at once, critical, and are notified.
    expect(
      (
        await ds().query(`SELECT next_check_at FROM monitoring_patients WHERE patient_id = $1`, [patientId])
      )[0].next_check_at,
    ).toEqual(at('2024-07-01', '00:00'));
    clock.set(at('2024-07-01', '00:00'));
    await sweep();
    const open = (await alertsOf(ds(), patientId)).filter((a) => a.state === 'open');
    expect(open.map((a) => [a.rule_id, a.severity])).toEqual([
      ['MISSED-CBC', 'critical'],
      ['MISSED-CREATININE', 'critical'],
      ['MISSED-UA', 'critical'],
    ]);
    expect(await notificationsOf(ds(), open[0]!.id)).toMatchObject([
      { reason: 'opened', severity: 'critical' },
    ]);
    await retire(patientId);
  });

  it('resolves a missed-result alert when the result comes through Kafka and the result processor', async () => {
    clock.set('2024-02-21T08:00:00Z');
    const patientId = await enrolMsPatient(ds(), site, [COURSE_1], '2024-02-15', 'MRN-KAFKA-1');
    await storeResults(ds(), patientId, '2024-02-20', BASELINE);
    await storeResults(ds(), patientId, '2024-05-01', ['cd4'], { value: 450 });
    await storeResults(ds(), patientId, '2024-05-07', [...MONTHLY, ...THYROID]);
    clock.set(at('2024-06-14', '00:00'));
    await sweep();
    const cbc = (await alertsOf(ds(), patientId)).find((a) => a.rule_id === 'MISSED-CBC')!;
    expect(cbc).toMatchObject({ severity: 'warning', state: 'open' });

    // The June CBC arrives from the lab as lab-result.v1 events; the processor stores it and wakes the patient.
    await stack.startProcessor();
    clock.set(at('2024-06-14', '11:00'));
    const observedAt = '2024-06-14T08:30:00+02:00';
    const patient = { id: 'MRN-KAFKA-1', authority: 'HOSP' };
    await stack.producer.send(
      TOPICS.labResults,
      [
        ['777-3', 231, '10*9/L', '150-400'],
        ['718-7', 13.9, 'g/dL', '12-16'],
        ['6690-2', 6.1, '10*9/L', '4-10'],
        ['751-8', 3.2, '10*9/L', '1.8-7.7'],
      ].map(([code, value, unit, referenceRange]) =>
        asMessage(
          labResult({
            patient,
            observation: { code: String(code), system: 'LN', orderId: 'ORD-JUNE-CBC' },
            value: Number(value),
            unit: String(unit),
            referenceRange: String(referenceRange),
            observedAt,
          }),
        ),
      ),
    );
    await stack.waitUntilConsumed();
    expect(
      (
        await ds().query(
          `SELECT next_check_at = '-infinity' AS wake FROM monitoring_patients WHERE patient_id = $1`,
          [patientId],
        )
      )[0].wake,
    ).toBe(true);
    await sweep();
    const alerts = await alertsOf(ds(), patientId);
    expect(alerts.find((a) => a.rule_id === 'MISSED-CBC')).toMatchObject({
      state: 'resolved',
      resolution_reason: 'received',
    });
    // Creatinine and urinalysis were not in that message: still missing.
    expect(alerts.filter((a) => a.state === 'open').map((a) => a.rule_id)).toEqual([
      'MISSED-CREATININE',
      'MISSED-UA',
    ]);
    expect((await timelineOf(ds(), cbc.id)).at(-1)).toMatchObject({
      type: 'resolved',
      detail: { reason: 'received' },
    });
    await retire(patientId);
  });
});
