import { FAULTS } from '../../apps/drill/src/drill-faults';
import { runDrill } from '../../apps/drill/src/drill';
import { formatLedger } from '../../apps/drill/src/drill-ledger';

/**
 * Issue 15: `npm run drill`, short. The whole system as deployed (two processors in one group, the notifier,
 * the gateway and the scheduler, each its own process) on a Postgres, a Redis, a Kafka-protocol cluster, an SMTP
 * server and an SMS provider of the drill's own, fed over MLLP and Kafka with re-sends and malformed messages,
 * while every fault is injected once: a processor and the notifier killed, the broker down, Postgres crashed,
 * Redis killed with everything in it, SMTP down, the SMS provider answering 500. Judged on the ledger, not on
 * time: every result stored once, every expected alert opened once, every message accepted, nothing left owed.
 */
describe('the drill, short: every fault once under a small feed', () => {
  it('loses nothing and doubles nothing', async () => {
    const lines: string[] = [];
    const report = await runDrill({
      // Long enough (about 23 s) for every fault to fall while the feed runs and alerts are being sent.
      results: 900,
      rate: 40,
      patients: 300,
      breaching: 20,
      resendShare: 0.02,
      malformed: 6,
      seed: 20261207,
      faults: [...FAULTS],
      holdMs: 1500,
      quietTimeoutMs: 150_000,
      build: 'source',
      log: (line) => lines.push(line),
    });
    const { ledger } = report;
    // On failure, the ledger's own words say what went wrong, with the drill's log and its details.
    const details = ledger.problems.length
      ? [formatLedger(ledger, 'Ledger'), ...lines, JSON.stringify(ledger, null, 1)].join('\n')
      : '';
    expect({ problems: ledger.problems, details }).toEqual({ problems: [], details: '' });
    expect(ledger.results.stored).toBe(900);
    expect(ledger.alerts).toMatchObject({ expected: 20, opened: 20 });
    expect(ledger.email).toMatchObject({ expected: 40, accepted: 40, duplicates: [] });
    expect(ledger.sms).toMatchObject({ expected: 40, accepted: 40, duplicates: [] });
    expect(ledger.malformed.unaccounted).toEqual([]);
    // Every fault ran: the killed apps were replaced, and the feed went on after each outage.
    expect(ledger.faults.map((f) => f.name)).toEqual([...FAULTS]);
    expect(report.starts).toMatchObject({ 'processor-1': 2, notifier: 2 });
  }, 480_000);
});
