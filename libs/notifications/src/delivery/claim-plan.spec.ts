import fc from 'fast-check';
import { type ClaimCandidate, type ClaimPlan, type ContactFacts, planClaim } from './claim-plan';

const NOW = new Date('2026-03-01T10:00:00Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
const LIMIT = { count: 3, windowMs: 10 * 60_000 };
const candidate = (over: Partial<ClaimCandidate> = {}): ClaimCandidate => ({
  state: 'queued',
  coalescedInto: null,
  notBefore: null,
  claimedAt: null,
  contactPointId: 'cp-1',
  groupKey: 'patient-1',
  severity: 'warning',
  ...over,
});

/** Plans as the service does: answering each question the plan asks from `facts`, until it decides. */
function settle(
  d: ClaimCandidate | null,
  facts: Required<ContactFacts>,
): { plan: ClaimPlan; asked: string[] } {
  const known: ContactFacts = {};
  const asked: string[] = [];
  for (;;) {
    const plan = planClaim(d, known, LIMIT, NOW);
    if (plan.kind !== 'ask') return { plan, asked };
    asked.push(plan.fact);
    if (plan.fact === 'recentClaims') known.recentClaims = facts.recentClaims;
    else known.sendInFlight = facts.sendInFlight;
  }
}

describe('claiming a delivery for sending', () => {
  it('sends nothing that is unknown, final, or carried by another message', () => {
    expect(planClaim(null, {}, LIMIT, NOW)).toEqual({ kind: 'done', reason: 'unknown delivery' });
    expect(planClaim(candidate({ state: 'sent' }), {}, LIMIT, NOW)).toEqual({
      kind: 'done',
      reason: 'already sent',
    });
    expect(planClaim(candidate({ coalescedInto: 'd-9' }), {}, LIMIT, NOW)).toEqual({
      kind: 'done',
      reason: 'carried by d-9',
    });
  });

  it('puts back a delivery whose group window has not come', () => {
    const notBefore = new Date(NOW.getTime() + 60_000);
    expect(planClaim(candidate({ notBefore }), {}, LIMIT, NOW)).toEqual({ kind: 'not-due', notBefore });
  });

  it("asks for the contact's recent messages before the rate limit decides, and nothing more under it", () => {
    const { plan, asked } = settle(candidate(), { recentClaims: [ago(1)], sendInFlight: true });
    expect(asked).toEqual(['recentClaims']);
    expect(plan).toEqual({ kind: 'send', carry: 'held', group: null });
  });

  it('holds a warning at the limit until the window has room', () => {
    const { plan } = settle(candidate(), { recentClaims: [ago(2), ago(8), ago(5)], sendInFlight: false });
    expect(plan).toEqual({ kind: 'held', until: new Date(ago(8).getTime() + LIMIT.windowMs) });
  });

  it('sends a critical at the limit carrying everything, unless another message to the contact is in flight', () => {
    const flood = [ago(1), ago(2), ago(3)];
    const critical = candidate({ severity: 'critical' });
    expect(settle(critical, { recentClaims: flood, sendInFlight: false })).toEqual({
      plan: { kind: 'send', carry: 'all', group: null },
      asked: ['recentClaims', 'sendInFlight'],
    });
    expect(settle(critical, { recentClaims: flood, sendInFlight: true }).plan).toEqual({ kind: 'busy' });
  });

  it('does not count a retry again, nor rate-limit a delivery without a contact point', () => {
    const flood = { recentClaims: [ago(1), ago(2), ago(3)], sendInFlight: true };
    expect(settle(candidate({ claimedAt: ago(1) }), flood)).toEqual({
      plan: { kind: 'send', carry: 'held', group: null },
      asked: [],
    });
    expect(settle(candidate({ contactPointId: null }), flood).asked).toEqual([]);
  });

  it("carries its group once a warning's group window has come", () => {
    const { plan } = settle(candidate({ notBefore: ago(0) }), { recentClaims: [], sendInFlight: false });
    expect(plan).toEqual({ kind: 'send', carry: 'held', group: 'patient-1' });
  });

  it('never holds or delays a critical by the rate limit, whatever the recent messages (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 20 }), (minutesAgo) => {
        const { plan } = settle(candidate({ severity: 'critical' }), {
          recentClaims: minutesAgo.map(ago),
          sendInFlight: false,
        });
        return plan.kind === 'send';
      }),
    );
  });
});
