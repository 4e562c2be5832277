import { MONITORING_SCHEDULE_VERSION, MonitoringSettingsError } from '@alem/clinical';
import { MonitoringInputError } from '@alem/persistence';
import { ManualClock } from '@alem/runtime';
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
  seedMonitoringSite,
  startScheduler,
  storeResults,
  THYROID,
  userActor,
} from '../support/monitoring';

/**
 * What other apps write for the schedule (MonitoringRepository): arrivals and enrolment wake the sweep unit;
 * suspensions, the monitoring plan and site settings are validated, audited in their transaction, and picked
 * up by the next sweep.
 */
describe('monitoring: storage for the processor and the admin API', () => {
  const clock = new ManualClock('2024-02-21T08:00:00Z');
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
  const repo = () => monitoringRepository(ds());
  const nextCheck = async (patientId: string): Promise<string | null> =>
    (
      await ds().query(
        `SELECT CASE WHEN next_check_at = '-infinity' THEN '-infinity'
                     ELSE to_char(next_check_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') END AS t
         FROM monitoring_patients WHERE patient_id = $1`,
        [patientId],
      )
    )[0].t;
  const retire = (patientId: string) =>
    ds().query(`DELETE FROM monitoring_patients WHERE patient_id = $1`, [patientId]);

  it('gives every enrolled patient a sweep unit, woken by enrolment, courses and arriving results', async () => {
    const patientId = await enrolMsPatient(ds(), site, [infusions('2024-03-04', 5)], '2024-02-15');
    expect(await nextCheck(patientId)).toBe('-infinity');
    clock.set(at('2024-03-01'));
    await sweep();
    expect(await nextCheck(patientId)).not.toBe('-infinity');

    // The processor's call, in its batch transaction: one statement for the batch.
    const versions = () =>
      ds().query(
        `SELECT rule_id, xmin::text FROM monitoring_expectations WHERE patient_id = $1 ORDER BY rule_id`,
        [patientId],
      );
    const before = await versions();
    await ds().transaction((m) => repo().markResultsArrived(m, [patientId, patientId]));
    expect(await nextCheck(patientId)).toBe('-infinity');
    await sweep();
    // Woken with nothing new: nothing changed, so no expectation row was rewritten.
    expect(await versions()).toEqual(before);
    await ds().query(`UPDATE treatment_courses SET infusion_dates = $2::date[] WHERE patient_id = $1`, [
      patientId,
      infusions('2024-03-05', 5),
    ]);
    expect(await nextCheck(patientId)).toBe('-infinity');
    await sweep();
    // Due days are days in the site's zone: changing the zone re-evaluates the site's patients.
    await ds().query(`UPDATE sites SET time_zone = 'Europe/Lisbon' WHERE id = $1`, [site.siteId]);
    expect(await nextCheck(patientId)).toBe('-infinity');
    await ds().query(`UPDATE sites SET time_zone = 'Europe/Prague' WHERE id = $1`, [site.siteId]);
    await sweep();
    // Leaving the programme closes the schedule: open missed-result alerts resolve, nothing more is expected.
    expect((await alertsOf(ds(), patientId)).length).toBeGreaterThan(0); // the unmet course-1 gates
    await ds().query(`UPDATE patients SET enrolment_ended_at = $2 WHERE id = $1`, [
      patientId,
      at('2024-03-02'),
    ]);
    clock.set(at('2024-03-02', '12:00'));
    await sweep();
    expect((await alertsOf(ds(), patientId)).map((a) => [a.state, a.resolution_reason])).toEqual(
      expect.arrayContaining([['resolved', 'enrolment-ended']]),
    );
    expect((await alertsOf(ds(), patientId)).every((a) => a.state === 'resolved')).toBe(true);
    expect(
      await ds().query(`SELECT * FROM monitoring_expectations WHERE patient_id = $1`, [patientId]),
    ).toEqual([]);
    expect(await nextCheck(patientId)).toBeNull();
  });

  it('re-evaluates, once per scheduler start, the patients another schedule version evaluated', async () => {
    clock.set(at('2024-03-01'));
    const older = await enrolMsPatient(ds(), site, [infusions('2024-03-04', 5)], '2024-02-15');
    const current = await enrolMsPatient(ds(), site, [infusions('2024-03-04', 5)], '2024-02-15');
    await sweep();
    const evaluation = async (patientId: string) =>
      (
        await ds().query(
          `SELECT evaluated_at, schedule_version FROM monitoring_patients WHERE patient_id = $1`,
          [patientId],
        )
      )[0];
    const scheduled = await nextCheck(older);
    expect(scheduled).not.toBe('-infinity');
    // As if the first had last been evaluated before an upgrade of the schedule.
    await ds().query(
      `UPDATE monitoring_patients SET schedule_version = 'monitoring-0' WHERE patient_id = $1`,
      [older],
    );
    clock.set(at('2024-03-02'));
    await sweep(); // this scheduler looked at its start: nothing is due
    expect(await evaluation(older)).toEqual({
      evaluated_at: at('2024-03-01'),
      schedule_version: 'monitoring-0',
    });

    const restarted = await startScheduler(stack.config, clock);
    try {
      await restarted.sweep();
      expect(await evaluation(older)).toEqual({
        evaluated_at: at('2024-03-02'),
        schedule_version: MONITORING_SCHEDULE_VERSION,
      });
      expect(await evaluation(current)).toMatchObject({ evaluated_at: at('2024-03-01') });
      expect(await nextCheck(older)).toBe(scheduled);
    } finally {
      await restarted.app.close();
    }
    await retire(older);
    await retire(current);
  });

  it('validates suspensions, audits creating, moving and withdrawing them, and the schedule follows', async () => {
    clock.set('2024-02-21T08:00:00Z');
    const patientId = await enrolMsPatient(ds(), site, [infusions('2024-03-04', 5)], '2024-02-15');
    await storeResults(ds(), patientId, '2024-02-20', BASELINE);
    await storeResults(ds(), patientId, '2024-05-07', [...MONTHLY, ...THYROID, 'cd4']);
    const author = site.team.members[0]!.userId;
    const actor = userActor(site.team);

    await expect(
      repo().addSuspension(
        { patientId, reason: 'transferred', authorUserId: author, startDay: '2024-06-01', endDay: null },
        actor,
        clock.now(),
      ),
    ).rejects.toThrow(MonitoringInputError);
    await expect(
      repo().addSuspension(
        {
          patientId,
          reason: 'off-protocol',
          authorUserId: author,
          startDay: '2024-06-10',
          endDay: '2024-06-01',
        },
        actor,
        clock.now(),
      ),
    ).rejects.toThrow(/end must not be before start/);

    const s = await repo().addSuspension(
      {
        patientId,
        reason: 'transferred',
        authorUserId: author,
        startDay: '2024-06-01',
        endDay: '2024-07-31',
      },
      actor,
      clock.now(),
    );
    clock.set(at('2024-06-20'));
    await sweep();
    expect(await expectationOf(ds(), patientId, 'MISSED-CBC')).toMatchObject({ status: 'suspended' });

    // Moved to end earlier: the overdue draw alerts from the day after the new end.
    const moved = await repo().changeSuspensionEnd(s.id, '2024-06-21', actor, clock.now());
    expect(moved.endDay).toBe('2024-06-21');
    await sweep();
    expect(await nextCheck(patientId)).toBe('2024-06-21T22:00Z');
    clock.set(at('2024-06-22', '00:00'));
    await sweep();
    expect(await expectationOf(ds(), patientId, 'MISSED-CBC')).toMatchObject({ status: 'overdue-critical' });

    // A deceased record made in error is withdrawn: kept, but ignored.
    const deceased = await repo().addSuspension(
      { patientId, reason: 'deceased', authorUserId: author, startDay: '2024-06-22', endDay: null },
      actor,
      clock.now(),
    );
    await sweep();
    expect(await expectationOf(ds(), patientId, 'MISSED-CBC')).toMatchObject({ status: 'ended' });
    expect((await alertsOf(ds(), patientId)).map((a) => a.resolution_reason)).toContain('deceased');
    await repo().withdrawSuspension(deceased.id, actor, clock.now());
    await sweep();
    expect(await expectationOf(ds(), patientId, 'MISSED-CBC')).toMatchObject({ status: 'overdue-critical' });
    expect((await repo().suspensions(patientId)).map((x) => [x.reason, x.withdrawnAt !== null])).toEqual([
      ['transferred', false],
      ['deceased', true],
    ]);

    const audit = await ds().query(
      `SELECT action, actor_id, patient_id, detail FROM audit_log WHERE patient_id = $1 ORDER BY seq`,
      [patientId],
    );
    expect(audit.map((r: { action: string }) => r.action)).toEqual([
      'monitoring-suspension.create',
      'monitoring-suspension.update',
      'monitoring-suspension.create',
      'monitoring-suspension.withdraw',
    ]);
    expect(audit[1].detail).toMatchObject({ before: { end: '2024-07-31' }, after: { end: '2024-06-21' } });
    expect(audit.every((r: { actor_id: string }) => r.actor_id === author)).toBe(true);
    await retire(patientId);
  });

  it('gates a planned course: baseline labs expected within 30 days before it', async () => {
    clock.set('2025-01-10T08:00:00Z');
    const patientId = await enrolMsPatient(ds(), site, [infusions('2024-03-04', 5)], '2024-02-15');
    await storeResults(ds(), patientId, '2025-01-05', [...MONTHLY, ...THYROID, 'cd4']);
    await repo().setMonitoringPlan(
      patientId,
      { plannedCourse: { startDay: '2025-03-10' } },
      userActor(site.team),
      clock.now(),
    );
    clock.set(at('2025-03-03', '00:00')); // start − 7: the gate starts to alert
    await sweep();
    const gate = await expectationOf(ds(), patientId, 'GATE-BASELINE');
    expect(gate).toMatchObject({ status: 'open', severity: 'warning' });
    expect(gate.explanation).toMatchObject({ courseNumber: 2, courseStartDay: '2025-03-10' });
    expect((await alertsOf(ds(), patientId)).map((a) => a.dedup_key)).toContain(
      `${patientId}|GATE-BASELINE|course-2`,
    );

    // The pre-course draw arrives: the gate is met and its alert resolves.
    clock.set(at('2025-03-04', '10:00'));
    await storeResults(ds(), patientId, '2025-03-04', [...MONTHLY, ...THYROID]);
    await sweep();
    expect(await expectationOf(ds(), patientId, 'GATE-BASELINE')).toMatchObject({ status: 'met' });
    expect((await alertsOf(ds(), patientId)).find((a) => a.rule_id === 'GATE-BASELINE')).toMatchObject({
      state: 'resolved',
      resolution_reason: 'received',
    });
    const [audit] = await ds().query(`SELECT detail FROM audit_log WHERE action = 'monitoring-plan.update'`);
    expect(audit.detail.after).toMatchObject({ planned_course_start_day: '2025-03-10' });
    await retire(patientId);
  });

  it('stores site settings as validated, immutable, audited versions that the sweep applies', async () => {
    clock.set('2024-02-21T08:00:00Z');
    const actor = userActor(site.team);
    await expect(
      repo().saveSiteSettings(site.siteId, { cbc: { warningDays: 20 } }, actor, clock.now()),
    ).rejects.toThrow(MonitoringSettingsError);
    expect((await repo().siteSettings(site.siteId)).version).toBe(0);

    const patientId = await enrolMsPatient(ds(), site, [infusions('2024-03-04', 5)], '2024-02-15');
    await storeResults(ds(), patientId, '2024-02-20', BASELINE);
    await storeResults(ds(), patientId, '2024-05-07', [...MONTHLY, ...THYROID, 'cd4']);
    clock.set(at('2024-06-10', '12:00')); // day 34: due, no alert under the defaults
    await sweep();
    expect(await alertsOf(ds(), patientId)).toEqual([]);

    // The site warns earlier (day 33): saved as version 1, the site's patients are re-evaluated at once.
    const saved = await repo().saveSiteSettings(
      site.siteId,
      { cbc: { warningDays: 33 } },
      actor,
      clock.now(),
      'pilot',
    );
    expect(saved.version).toBe(1);
    expect(await nextCheck(patientId)).toBe('-infinity');
    await sweep();
    expect((await alertsOf(ds(), patientId)).map((a) => [a.rule_id, a.severity])).toEqual([
      ['MISSED-CBC', 'warning'],
    ]);
    const [row] = await ds().query(
      `SELECT settings_version FROM monitoring_expectations WHERE patient_id = $1 AND rule_id = 'MISSED-CBC'`,
      [patientId],
    );
    expect(row.settings_version).toBe(1);
    await expect(ds().query(`UPDATE monitoring_site_settings SET reason = 'x'`)).rejects.toThrow(/immutable/);
    const [audit] = await ds().query(
      `SELECT detail FROM audit_log WHERE action = 'monitoring-settings.update'`,
    );
    expect(audit.detail).toMatchObject({
      before: { version: 0 },
      after: { version: 1, overrides: { cbc: { warningDays: 33 } } },
      reason: 'pilot',
    });
    await retire(patientId);
  });
});
