/**
 * The drill's account of every result, alert and message: what was sent against what the system kept and
 * what reached people. `judgeLedger` is pure (the drill's observations in, the ledger out), so that what counts
 * as a loss or a duplicate is pinned by unit tests; drill-observe.ts gathers the observations.
 */

export interface ChannelObservation {
  /** Per expected (alert reference, address): when each copy was accepted by the provider. */
  copies: Map<string, Date[]>;
}

export interface FaultTiming {
  name: string;
  injectedAt: Date;
  healedAt: Date;
  /** The first result stored after the fault was healed, if any. */
  firstStoredAfterHeal: Date | null;
  /** When the backlog (items due but not sent, plus consumer lag) was back to its level before the fault. */
  drainedAt: Date | null;
  /** The longest time nothing was stored, from the fault until the backlog drained. */
  longestStallMs: number;
}

export interface DrillObservations {
  /** Distinct valid results the labs sent (control ids), and re-sends among the items. */
  sentResults: string[];
  resendItems: number;
  labRetries: number;
  /** Rows stored per control id of the feed. */
  storedPerControlId: Map<string, number>;
  refusedValid: Array<{ controlId: string; reason: string }>;
  malformedKafka: string[];
  malformedMllp: string[];
  /** dlq_records rows per malformed Kafka message key. */
  deadLetteredPerKey: Map<string, number>;
  /** Malformed MLLP messages refused (AE) with a reason, and any the gateway took. */
  malformedRefused: Array<{ controlId: string; reason: string }>;
  malformedAccepted: string[];
  /** Patients whose critical result must open an alert of `rule`. */
  breachingPatients: string[];
  rule: string;
  /** Alerts as stored: patient identifier, rule, reference. */
  alerts: Array<{ patient: string; rule: string; reference: string }>;
  /** Who must get each alert: email addresses and phone numbers. */
  emailRecipients: string[];
  smsRecipients: string[];
  /** Accepted copies, keyed `reference|address`. */
  email: Map<string, Date[]>;
  sms: Map<string, Date[]>;
  /** Messages of the run that name no expected alert (a reference the drill does not know). */
  strayEmails: number;
  straySms: number;
  notificationsUnsettled: number;
  deliveriesUnsettled: number;
  deliveriesFailed: number;
  /** Occurrences, notifications, deliveries and timeline events that are not there exactly once. */
  rowsNotOnce: string[];
  /** Moments the notifier was killed: a copy accepted just before one may be sent again after it. */
  notifierKills: Date[];
  faults: FaultTiming[];
  peakLag: number;
  seconds: number;
}

export interface ChannelLedger {
  expected: number;
  accepted: number;
  missing: string[];
  /** Copies beyond the first whose first was taken in the instant of a notifier kill: the at-least-once window, counted, allowed. */
  resentAfterKill: number;
  /** Any other extra copy: a fault. */
  duplicates: string[];
  stray: number;
}

export interface Ledger {
  results: {
    sent: number;
    stored: number;
    missing: string[];
    duplicated: string[];
    resendItems: number;
    labRetries: number;
    refusedValid: string[];
  };
  malformed: { sent: number; deadLettered: number; refusedAtGateway: number; unaccounted: string[] };
  alerts: {
    expected: number;
    opened: number;
    missing: string[];
    duplicates: string[];
    unexpected: string[];
  };
  email: ChannelLedger;
  sms: ChannelLedger;
  outbox: { notificationsUnsettled: number; deliveriesUnsettled: number; deliveriesFailed: number };
  /** Rows that must be there exactly once and are not (occurrences, notifications, deliveries, events). */
  rowsNotOnce: string[];
  faults: Array<{
    name: string;
    injectedAt: string;
    healedAt: string;
    heldSeconds: number;
    firstStoredSeconds: number | null;
    drainedSeconds: number | null;
    longestStallSeconds: number;
  }>;
  notifierKills: string[];
  peakLag: number;
  seconds: number;
  /** Every loss, duplicate or leftover, in words; empty when the run kept its promise. */
  problems: string[];
}

/**
 * How close to a notifier kill a copy may have been accepted and not recorded: the provider took it just before
 * the kill (the notifier had not recorded its answer yet), or just after (the request was in flight, its answer
 * never read). Either way the notifier cannot know, and runs the delivery again.
 */
export const KILL_WINDOW_MS = 5000;

function channel(
  name: string,
  references: string[],
  recipients: string[],
  copies: Map<string, Date[]>,
  kills: Date[],
  stray: number,
): ChannelLedger {
  const out: ChannelLedger = {
    expected: references.length * recipients.length,
    accepted: 0,
    missing: [],
    resentAfterKill: 0,
    duplicates: [],
    stray,
  };
  for (const reference of references) {
    for (const address of recipients) {
      const key = `${reference}|${address}`;
      const times = [...(copies.get(key) ?? [])].sort((a, b) => a.getTime() - b.getTime());
      if (times.length === 0) {
        out.missing.push(`${name} ${key}`);
        continue;
      }
      out.accepted++;
      for (let i = 1; i < times.length; i++) {
        const before = times[i - 1]!.getTime();
        const after = times[i]!.getTime();
        const straddled = kills.some(
          (k) => Math.abs(k.getTime() - before) <= KILL_WINDOW_MS && after > k.getTime(),
        );
        if (straddled) out.resentAfterKill++;
        else out.duplicates.push(`${name} ${key} at ${times.map((t) => t.toISOString()).join(', ')}`);
      }
    }
  }
  return out;
}

const seconds = (from: Date, to: Date | null) =>
  to === null ? null : Math.round((to.getTime() - from.getTime()) / 100) / 10;

export function judgeLedger(o: DrillObservations): Ledger {
  const problems: string[] = [];
  const missing = o.sentResults.filter((id) => !o.storedPerControlId.has(id));
  const duplicated = [...o.storedPerControlId].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`);
  let stored = 0;
  for (const n of o.storedPerControlId.values()) stored += n;
  if (missing.length > 0) problems.push(`${missing.length} result(s) sent and not stored`);
  if (duplicated.length > 0) problems.push(`${duplicated.length} result(s) stored more than once`);
  if (o.refusedValid.length > 0) problems.push(`${o.refusedValid.length} valid result(s) refused`);

  const unaccounted = [
    ...o.malformedKafka.filter((key) => (o.deadLetteredPerKey.get(key) ?? 0) !== 1),
    ...o.malformedMllp.filter((id) => !o.malformedRefused.some((r) => r.controlId === id && r.reason)),
  ];
  if (unaccounted.length > 0)
    problems.push(`${unaccounted.length} malformed message(s) not refused exactly once`);

  const byPatientRule = new Map<string, string[]>();
  for (const a of o.alerts) {
    const key = `${a.patient} ${a.rule}`;
    byPatientRule.set(key, [...(byPatientRule.get(key) ?? []), a.reference]);
  }
  const breaching = new Set(o.breachingPatients);
  const missingAlerts = o.breachingPatients.filter((p) => !byPatientRule.has(`${p} ${o.rule}`));
  const duplicateAlerts = [...byPatientRule]
    .filter(([, refs]) => refs.length > 1)
    .map(([k, r]) => `${k} ×${r.length}`);
  const unexpected = o.alerts
    .filter((a) => !(breaching.has(a.patient) && a.rule === o.rule))
    .map((a) => `${a.patient} ${a.rule}`);
  if (missingAlerts.length > 0) problems.push(`${missingAlerts.length} expected alert(s) not opened`);
  if (duplicateAlerts.length > 0) problems.push(`${duplicateAlerts.length} alert(s) opened more than once`);
  if (unexpected.length > 0) problems.push(`${unexpected.length} alert(s) the feed should not have opened`);

  const references = o.alerts
    .filter((a) => breaching.has(a.patient) && a.rule === o.rule)
    .map((a) => a.reference);
  // Every expected alert that is missing also misses its messages: count them against the expected total.
  const expectedReferences = [...references, ...missingAlerts.map((p) => `(no alert for ${p})`)];
  const email = channel(
    'email',
    expectedReferences,
    o.emailRecipients,
    o.email,
    o.notifierKills,
    o.strayEmails,
  );
  const sms = channel('sms', expectedReferences, o.smsRecipients, o.sms, o.notifierKills, o.straySms);
  for (const c of [email, sms]) {
    const name = c === email ? 'email' : 'SMS';
    if (c.missing.length > 0) problems.push(`${c.missing.length} ${name} message(s) never accepted`);
    if (c.duplicates.length > 0)
      problems.push(`${c.duplicates.length} ${name} message(s) sent twice outside a kill`);
    if (c.stray > 0) problems.push(`${c.stray} ${name} message(s) for no expected alert`);
  }
  if (o.notificationsUnsettled > 0)
    problems.push(`${o.notificationsUnsettled} notification(s) left in the outbox`);
  if (o.deliveriesUnsettled > 0) problems.push(`${o.deliveriesUnsettled} deliveries left unsent`);
  if (o.deliveriesFailed > 0) problems.push(`${o.deliveriesFailed} deliveries failed`);
  if (o.rowsNotOnce.length > 0) problems.push(`${o.rowsNotOnce.length} row(s) not there exactly once`);

  return {
    results: {
      sent: o.sentResults.length,
      stored,
      missing,
      duplicated,
      resendItems: o.resendItems,
      labRetries: o.labRetries,
      refusedValid: o.refusedValid.map((r) => `${r.controlId}: ${r.reason}`),
    },
    malformed: {
      sent: o.malformedKafka.length + o.malformedMllp.length,
      deadLettered: [...o.deadLetteredPerKey.values()].reduce((s, n) => s + n, 0),
      refusedAtGateway: o.malformedRefused.length,
      unaccounted: [...unaccounted, ...o.malformedAccepted.map((id) => `${id} (taken by the gateway)`)],
    },
    alerts: {
      expected: o.breachingPatients.length,
      opened: o.alerts.length,
      missing: missingAlerts,
      duplicates: duplicateAlerts,
      unexpected,
    },
    email,
    sms,
    outbox: {
      notificationsUnsettled: o.notificationsUnsettled,
      deliveriesUnsettled: o.deliveriesUnsettled,
      deliveriesFailed: o.deliveriesFailed,
    },
    rowsNotOnce: o.rowsNotOnce,
    notifierKills: o.notifierKills.map((k) => k.toISOString()),
    faults: o.faults.map((f) => ({
      name: f.name,
      injectedAt: f.injectedAt.toISOString(),
      healedAt: f.healedAt.toISOString(),
      heldSeconds: seconds(f.injectedAt, f.healedAt)!,
      firstStoredSeconds: seconds(f.healedAt, f.firstStoredAfterHeal),
      drainedSeconds: seconds(f.healedAt, f.drainedAt),
      longestStallSeconds: Math.round(f.longestStallMs / 100) / 10,
    })),
    peakLag: o.peakLag,
    seconds: o.seconds,
    problems:
      o.malformedAccepted.length > 0
        ? [...problems, `${o.malformedAccepted.length} malformed message(s) taken`]
        : problems,
  };
}

/** The ledger as the table the drill prints. */
export function formatLedger(ledger: Ledger, title: string): string {
  const rows: Array<[string, string, string]> = [];
  const row = (what: string, value: string | number, note = '') => rows.push([what, String(value), note]);
  const r = ledger.results;
  row(
    'results sent (distinct)',
    r.sent,
    `${r.resendItems} exact re-sends in the feed, ${r.labRetries} retries by the labs`,
  );
  row('results stored', r.stored);
  row('  missing / stored twice', `${r.missing.length} / ${r.duplicated.length}`);
  row('  valid results refused', r.refusedValid.length);
  const m = ledger.malformed;
  row(
    'malformed sent',
    m.sent,
    `${m.deadLettered} in dlq_records, ${m.refusedAtGateway} refused by the gateway (AE)`,
  );
  row('  unaccounted', m.unaccounted.length);
  const a = ledger.alerts;
  row('alerts expected / opened', `${a.expected} / ${a.opened}`);
  row(
    '  missing / duplicate / unexpected',
    `${a.missing.length} / ${a.duplicates.length} / ${a.unexpected.length}`,
  );
  for (const [name, c] of [
    ['email', ledger.email],
    ['SMS', ledger.sms],
  ] as const) {
    row(`${name} expected / accepted`, `${c.expected} / ${c.accepted}`);
    row(
      `  missing / twice / stray`,
      `${c.missing.length} / ${c.duplicates.length} / ${c.stray}`,
      `${c.resentAfterKill} re-sent after a notifier kill (allowed, counted)`,
    );
  }
  const o = ledger.outbox;
  row(
    'outbox left / unsent / failed',
    `${o.notificationsUnsettled} / ${o.deliveriesUnsettled} / ${o.deliveriesFailed}`,
  );
  row(
    'rows not exactly once',
    ledger.rowsNotOnce.length,
    'occurrences, notifications, deliveries, timeline events',
  );
  for (const f of ledger.faults) {
    row(
      `fault ${f.name}`,
      `${f.heldSeconds} s`,
      `after it: first result stored ${f.firstStoredSeconds ?? '—'} s, backlog drained ${f.drainedSeconds ?? '—'} s; ` +
        `nothing stored for ${f.longestStallSeconds} s at most`,
    );
  }
  row('peak consumer lag', ledger.peakLag, 'messages');
  row('run', `${ledger.seconds} s`);
  const width = [0, 1].map((i) => Math.max(...rows.map((x) => x[i]!.length)));
  const lines = rows.map(([w, v, n]) => `  ${w.padEnd(width[0]!)}  ${v.padStart(width[1]!)}  ${n}`.trimEnd());
  const verdict =
    ledger.problems.length === 0
      ? 'nothing lost, nothing doubled'
      : `PROBLEMS:\n${ledger.problems.map((p) => `  - ${p}`).join('\n')}`;
  return `${title}\n${lines.join('\n')}\n${verdict}`;
}
