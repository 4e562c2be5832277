import { type INestApplicationContext } from '@nestjs/common';
import { waitFor } from '@alem/local-stack';
import { loadConfig, ManualClock } from '@alem/runtime';
import { EscalationSweeper } from '../../apps/notifier/src/escalation.sweeper';
import { enrol, rowsOf, seedPragueSite, seedTeam } from '../support/notifier';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * The notifier's grouping on a moved clock, on real Postgres, Redis and SMTP: warnings about one patient within
 * the group window go to a person as one message when the window ends (criticals never wait), and informational
 * alerts are never paged but counted in the daily digest at the site's local digest time, once.
 */
describe('notifications: warning groups and the daily digest', () => {
  const clock = new ManualClock('2026-03-10T06:00:00Z'); // 07:00 in Prague
  const SITE = 'site-grp';
  let stack: TestStack;
  let notifier: INestApplicationContext;
  let careTeamId: string;
  let patientId: string;

  const ds = () => stack.dataSource;

  /** An alert with its outbox row, as the processor writes them. */
  async function openAlert(ruleId: string, severity: 'info' | 'warning' | 'critical'): Promise<string> {
    const [alert] = await rowsOf<{ id: string; reference: string }>(
      ds(),
      `INSERT INTO alerts (reference, patient_id, rule_id, kind, severity, dedup_key, rule_set_version, explanation,
                           opened_at, last_occurrence_at, updated_at)
       VALUES (upper(substr(md5(random()::text), 1, 4)) || '-' || upper(substr(md5(random()::text), 1, 4)),
               $1::uuid, $2, 'breach', $3, $1::text || '|' || $2, 'test', '{"summary": "s"}', $4, $4, $4)
       RETURNING id, reference`,
      [patientId, ruleId, severity, clock.now()],
    );
    if (severity !== 'info') {
      await ds().query(
        `INSERT INTO notifications (alert_id, reason, severity, created_at, available_at) VALUES ($1, 'opened', $2, $3, $3)`,
        [alert!.id, severity, clock.now()],
      );
    }
    return alert!.reference;
  }

  beforeAll(async () => {
    stack = await startTestStack({ clock });
    await seedPragueSite(ds(), SITE);
    ({ careTeamId } = await seedTeam(ds(), SITE, 'Team G', [
      { email: 'grp@grp.test', displayName: 'Dr. Group', role: 'clinician' },
    ]));
    patientId = await enrol(ds(), SITE, careTeamId, 'MRN-G1');
    const config = loadConfig({
      ...stack.env(),
      WARNING_GROUP_WINDOW_MS: '300000',
      DIGEST_LOCAL_TIME: '08:00',
    });
    notifier = await stack.startNotifier({ config, relay: { pollMs: 100 } });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('sends warnings about one patient within the window as one message when it ends; a critical does not wait', async () => {
    await openAlert('PLT-1', 'warning');
    await waitFor(async () => (await rowsOf(ds(), `SELECT 1 FROM deliveries`)).length === 1, {
      description: 'the first warning dispatched',
    });
    clock.advance(60_000);
    await openAlert('CREA-1', 'warning');
    await waitFor(
      async () => (await rowsOf(ds(), `SELECT 1 FROM deliveries WHERE not_before IS NOT NULL`)).length === 2,
      { description: 'two warning deliveries waiting for the window' },
    );
    const windows = await rowsOf<{ not_before: Date }>(ds(), `SELECT DISTINCT not_before FROM deliveries`);
    // The second joined the first one's group: one window, five minutes from the first.
    expect(windows).toEqual([{ not_before: new Date('2026-03-10T06:05:00Z') }]);
    const critical = await openAlert('PLT-4', 'critical');
    await stack.smtp.waitForMessages(1);
    expect(stack.smtp.messages.map((m) => m.subject)).toEqual([
      `[CRITICAL] Lab safety alert ${critical} needs review`,
    ]);

    clock.set('2026-03-10T06:05:00Z');
    const [group] = await stack.smtp.waitForMessages(2).then((m) => m.slice(1));
    expect(group!.subject).toBe('[Warning] 2 lab safety alerts need review');
    const states = () =>
      rowsOf<{ state: string; carried: boolean }>(
        ds(),
        `SELECT d.state, d.coalesced_into IS NOT NULL AS carried FROM deliveries d
         JOIN notifications n ON n.id = d.notification_id WHERE n.severity = 'warning' ORDER BY carried`,
      );
    await waitFor(async () => (await states()).every((d) => d.state === 'sent'), {
      description: 'both sent',
    });
    expect(await states()).toEqual([
      { state: 'sent', carried: false },
      { state: 'sent', carried: true },
    ]);
    expect(stack.smtp.messages).toHaveLength(2);
  });

  it('never pages an informational alert, and counts it in the daily digest at 08:00 Prague time, once', async () => {
    await openAlert('CD4-REMINDER', 'info');
    const sweeper = notifier.get(EscalationSweeper);
    clock.set('2026-03-10T06:59:00Z');
    expect(await sweeper.sweep()).toMatchObject({ digestEmails: 0 });
    clock.set('2026-03-10T07:00:30Z');
    expect(await sweeper.sweep()).toMatchObject({ digestsPlanned: 1, digestEmails: 1 });
    // (The critical alert of the first test escalates in the same sweep: the clock moved an hour.)
    const [digest] = stack.smtp.messages.filter((m) => m.subject.startsWith('[Info]'));
    expect(digest!.to).toEqual(['grp@grp.test']);
    expect(digest!.subject).toBe('[Info] Daily digest: 1 informational lab alert');
    expect(digest!.text).toContain('https://alerts.test.example/alerts?severity=info');
    expect(await sweeper.sweep()).toMatchObject({ digestsPlanned: 0, digestEmails: 0 });
    expect(stack.smtp.messages.filter((m) => m.subject.startsWith('[Info]'))).toHaveLength(1);
    const [audit] = await rowsOf(ds(), `SELECT outcome FROM audit_log WHERE action = 'notification.digest'`);
    expect(audit).toEqual({ outcome: 'success' });
  });
});
