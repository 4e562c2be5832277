import { waitFor } from '@alem/local-stack';
import { EscalationSweeper } from '../../notifier/src/escalation.sweeper';
import { call, DEMO_CLINICIAN, DEMO_PASSWORD } from './demo-admin-api';
import { type LocalSystem } from './local-system';

/**
 * Escalation and the closed loop of one critical alert: the texts sent so far; then, instead of waiting the 15
 * minutes of the first tier, the alert's escalation timer is moved to now and the notifier sweeps (the whole
 * team is paged); the neurologist follows the link in their message, reads back patient, test and value, and
 * acknowledges, which stops the escalation.
 */
export async function showEscalation(system: LocalSystem): Promise<void> {
  const { dataSource: ds, sms, smtp } = system;
  console.log('Texts accepted by the SMS provider stand-in (no names, identifiers or values):');
  console.table(sms.messages.map((m) => ({ to: m.to, body: m.body })));
  const [alert] = (await ds.query(
    `SELECT a.id, a.reference, e.tier FROM alerts a JOIN alert_escalations e ON e.alert_id = a.id
     WHERE a.state = 'open' AND a.severity = 'critical' AND e.next_at IS NOT NULL ORDER BY a.opened_at LIMIT 1`,
  )) as Array<{ id: string; reference: string; tier: number }>;
  const base = system.adminApiUrl;
  const sweeper = system.apps.get('notifier')?.get(EscalationSweeper);
  if (!alert || !base || !sweeper) return;

  console.log(
    `Escalation of ${alert.reference}: nobody acknowledged it at tier ${alert.tier} (the person on duty). The demo does not wait 15 minutes: it moves the timer to now.`,
  );
  await ds.query(`UPDATE alert_escalations SET next_at = now() WHERE alert_id = $1`, [alert.id]);
  await sweeper.sweep();
  const escalated = (m: { subject: string }) =>
    m.subject.includes(`${alert.reference} is still not acknowledged`);
  await waitFor(() => smtp.messages.filter(escalated).length >= 2, {
    timeoutMs: 15000,
    description: 'the second tier to be paged',
  });
  console.table(smtp.messages.filter(escalated).map((m) => ({ to: m.to.join(', '), subject: m.subject })));

  const mail = smtp.messages.filter((m) => escalated(m) && m.to.includes(DEMO_CLINICIAN)).at(-1)!;
  const link = /(\/acknowledgements\/[A-Za-z]+)/.exec(mail.text)![1]!;
  // The link opens the console's page; the page reads and acknowledges through the API behind it.
  const api = `/api/v1${link}`;
  const token = (
    await call<{ accessToken: string }>(base, '/api/v1/auth/login', {
      method: 'POST',
      body: JSON.stringify({ email: DEMO_CLINICIAN, password: DEMO_PASSWORD }),
    })
  ).accessToken;
  type ReadBack = {
    patient: { displayName: string | null; identifiers: Array<{ identifier: string }> } | null;
    results: Array<{ test: string | null; value: number | string | null; unit: string | null }>;
    alert: { title: string };
  };
  const readBack = await call<ReadBack>(base, api, { token });
  const result = readBack.results[0];
  console.log(
    `${DEMO_CLINICIAN} opens the link from the email, signs in, and reads back: ${readBack.patient?.displayName ?? '(no patient)'} (${readBack.patient?.identifiers.map((i) => i.identifier).join(', ')}), ${result?.test ?? readBack.alert.title} ${result?.value ?? ''} ${result?.unit ?? ''}.`,
  );
  const ack = await call<{ acknowledgedAt: string; tier: number; channel: string }>(base, api, {
    token,
    method: 'POST',
    body: JSON.stringify({ note: 'repeat CBC ordered, patient called' }),
  });
  const [escalation] = (await ds.query(`SELECT stop_reason FROM alert_escalations WHERE alert_id = $1`, [
    alert.id,
  ])) as Array<{ stop_reason: string | null }>;
  console.log(
    `Acknowledged through the link at ${ack.acknowledgedAt}; escalation stopped (${escalation?.stop_reason}). Timeline:`,
  );
  console.table(
    (
      (await ds.query(
        `SELECT to_char(at AT TIME ZONE 'Europe/Prague', 'HH24:MI:SS') AS at, type,
                coalesce(detail->>'tierName', detail->>'via', '') AS detail
         FROM alert_events WHERE alert_id = $1 ORDER BY id`,
        [alert.id],
      )) as Array<Record<string, string>>
    ).map((e) => ({ ...e })),
  );
}
