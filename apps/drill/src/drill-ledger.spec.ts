import { type DrillObservations, formatLedger, judgeLedger, KILL_WINDOW_MS } from './drill-ledger';

const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 12, 0, s));

/** A run that kept its promise: two results, one breaching patient, one alert, one email and one SMS each. */
function clean(): DrillObservations {
  return {
    sentResults: ['DRILL-H1', 'DRILL-J2'],
    resendItems: 1,
    labRetries: 0,
    storedPerControlId: new Map([
      ['DRILL-H1', 1],
      ['DRILL-J2', 1],
    ]),
    refusedValid: [],
    malformedKafka: ['DRILL-HOSP|malformed-1'],
    malformedMllp: ['DRILL-BAD-0'],
    deadLetteredPerKey: new Map([['DRILL-HOSP|malformed-1', 1]]),
    malformedRefused: [{ controlId: 'DRILL-BAD-0', reason: 'OBX-3 observation code is missing' }],
    malformedAccepted: [],
    breachingPatients: ['D000000'],
    rule: 'PLT-4',
    alerts: [{ patient: 'D000000', rule: 'PLT-4', reference: 'K7Q2-9XMA' }],
    emailRecipients: ['a@drill.test'],
    smsRecipients: ['+420600000001'],
    email: new Map([['K7Q2-9XMA|a@drill.test', [at(10)]]]),
    sms: new Map([['K7Q2-9XMA|+420600000001', [at(11)]]]),
    strayEmails: 0,
    straySms: 0,
    notificationsUnsettled: 0,
    deliveriesUnsettled: 0,
    deliveriesFailed: 0,
    rowsNotOnce: [],
    notifierKills: [],
    faults: [],
    peakLag: 12,
    seconds: 30,
  };
}

describe('the drill ledger', () => {
  it('finds nothing wrong with a run that kept its promise', () => {
    const ledger = judgeLedger(clean());
    expect(ledger.problems).toEqual([]);
    expect(ledger.results).toMatchObject({ sent: 2, stored: 2, missing: [], duplicated: [] });
    expect(ledger.email).toMatchObject({ expected: 1, accepted: 1, resentAfterKill: 0, duplicates: [] });
    const table = formatLedger(ledger, 'Ledger');
    expect(table).toContain('nothing lost, nothing doubled');
    expect(table).toMatch(/rows not exactly once\s+0/);
  });

  it('counts a result sent and never stored as lost', () => {
    const o = clean();
    o.storedPerControlId.delete('DRILL-J2');
    const ledger = judgeLedger(o);
    expect(ledger.results.missing).toEqual(['DRILL-J2']);
    expect(ledger.problems).toEqual(['1 result(s) sent and not stored']);
  });

  it('counts a result stored twice, and an alert opened twice', () => {
    const o = clean();
    o.storedPerControlId.set('DRILL-H1', 2);
    o.alerts.push({ patient: 'D000000', rule: 'PLT-4', reference: 'ZZZZ-0000' });
    const ledger = judgeLedger(o);
    expect(ledger.results.duplicated).toEqual(['DRILL-H1 ×2']);
    expect(ledger.alerts.duplicates).toEqual(['D000000 PLT-4 ×2']);
  });

  it('counts an expected alert that never opened, and the messages it never sent', () => {
    const o = clean();
    o.alerts = [];
    o.email = new Map();
    o.sms = new Map();
    const ledger = judgeLedger(o);
    expect(ledger.alerts.missing).toEqual(['D000000']);
    expect(ledger.email.missing).toHaveLength(1);
    expect(ledger.sms.missing).toHaveLength(1);
  });

  it('allows a re-send that straddles a notifier kill, and counts it', () => {
    const o = clean();
    o.notifierKills = [at(10.5)];
    o.email.set('K7Q2-9XMA|a@drill.test', [at(10), at(40)]);
    const ledger = judgeLedger(o);
    expect(ledger.email.resentAfterKill).toBe(1);
    expect(ledger.problems).toEqual([]);
  });

  it('allows a copy accepted just after a kill (its request was in flight, its answer never read)', () => {
    const o = clean();
    o.notifierKills = [at(10)];
    o.sms.set('K7Q2-9XMA|+420600000001', [new Date(at(10).getTime() + 20), at(70)]);
    expect(judgeLedger(o).sms).toMatchObject({ resentAfterKill: 1, duplicates: [] });
  });

  it('calls any other second copy a duplicate: no kill, or the first copy long before the kill', () => {
    const noKill = clean();
    noKill.email.set('K7Q2-9XMA|a@drill.test', [at(10), at(12)]);
    expect(judgeLedger(noKill).email.duplicates).toEqual([
      `email K7Q2-9XMA|a@drill.test at ${at(10).toISOString()}, ${at(12).toISOString()}`,
    ]);

    const longBefore = clean();
    longBefore.notifierKills = [new Date(at(10).getTime() + KILL_WINDOW_MS + 1000)];
    longBefore.sms.set('K7Q2-9XMA|+420600000001', [at(10), at(60)]);
    const ledger = judgeLedger(longBefore);
    expect(ledger.sms.duplicates).toHaveLength(1);
    expect(ledger.problems).toEqual(['1 SMS message(s) sent twice outside a kill']);
  });

  it('holds malformed input to exactly one refusal each', () => {
    const o = clean();
    o.deadLetteredPerKey = new Map();
    o.malformedRefused = [];
    o.malformedAccepted = ['DRILL-BAD-2'];
    const ledger = judgeLedger(o);
    expect(ledger.malformed.unaccounted).toEqual([
      'DRILL-HOSP|malformed-1',
      'DRILL-BAD-0',
      'DRILL-BAD-2 (taken by the gateway)',
    ]);
    expect(ledger.problems).toContain('1 malformed message(s) taken');
  });

  it('reports what is left in the outbox and an alert the feed should not have opened', () => {
    const o = clean();
    o.deliveriesUnsettled = 2;
    o.rowsNotOnce = ['alert K7Q2-9XMA: 2 notifications'];
    o.alerts.push({ patient: 'D000007', rule: 'GATE-HIV', reference: 'AAAA-BBBB' });
    const ledger = judgeLedger(o);
    expect(ledger.alerts.unexpected).toEqual(['D000007 GATE-HIV']);
    expect(ledger.problems).toEqual([
      '1 alert(s) the feed should not have opened',
      '2 deliveries left unsent',
      '1 row(s) not there exactly once',
    ]);
  });
});
