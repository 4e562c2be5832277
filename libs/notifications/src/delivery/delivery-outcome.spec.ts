import { parseEscalationPolicy } from '../escalation/escalation-policy';
import {
  deliveryStateAfter,
  hurriesNextTier,
  movesForward,
  nobodyReached,
  receiptStep,
} from './delivery-outcome';

describe('a delivery after an attempt', () => {
  it('is sent, skipped, failed on a permanent failure or the last try, else queued for the next', () => {
    expect(deliveryStateAfter('sent', false)).toBe('sent');
    expect(deliveryStateAfter('skipped', false)).toBe('skipped');
    expect(deliveryStateAfter('permanent-failure', false)).toBe('failed');
    expect(deliveryStateAfter('transient-failure', true)).toBe('failed');
    expect(deliveryStateAfter('transient-failure', false)).toBe('queued');
  });
});

describe("an SMS provider's receipts", () => {
  it('move a message forward only: out of order, replayed and stale ones change nothing', () => {
    expect(movesForward(null, 'sent')).toBe(true);
    expect(movesForward('sent', 'delivered')).toBe(true);
    expect(movesForward('delivered', 'sent')).toBe(false);
    expect(movesForward('delivered', 'read')).toBe(true);
    expect(movesForward('undelivered', 'delivered')).toBe(false);
    expect(movesForward('no-receipt', 'delivered')).toBe(true);
    expect(movesForward('no-receipt', 'sending')).toBe(false);
  });

  it('settle a message as delivered, or failed with the reason the failover records', () => {
    expect(receiptStep(null, { status: 'Delivered', errorCode: null })).toEqual({ kind: 'delivered' });
    expect(receiptStep('sent', { status: 'undelivered', errorCode: '30003' })).toEqual({
      kind: 'failed',
      why: 'provider: undelivered (error 30003)',
    });
    expect(receiptStep('sent', { status: 'no-receipt', errorCode: null })).toEqual({
      kind: 'failed',
      why: 'no delivery receipt in time',
    });
    expect(receiptStep(null, { status: 'sending', errorCode: null })).toEqual({ kind: 'progress' });
    expect(receiptStep('failed', { status: 'delivered', errorCode: null })).toEqual({ kind: 'ignore' });
  });
});

describe('the failover when a delivery failed for good', () => {
  it('finds nobody reached only when no delivery of the notification lives and its alert is open', () => {
    expect(nobodyReached({ alive: false, alertState: 'open' })).toBe(true);
    expect(nobodyReached({ alive: true, alertState: 'open' })).toBe(false);
    expect(nobodyReached({ alive: false, alertState: 'acknowledged' })).toBe(false);
  });

  it('pages the next tier at once unless this was the last tier', () => {
    const policy = parseEscalationPolicy({
      tiers: [
        { name: 'on duty', targets: [{ type: 'on-duty' }], timeoutMinutes: { critical: 15, warning: 60 } },
        { name: 'team', targets: [{ type: 'team' }], timeoutMinutes: { critical: 15, warning: 60 } },
      ],
      repeat: 0,
    });
    // The fail-safe tier (admins) is appended: three tiers.
    expect(policy.tiers.map((t) => t.name)).toHaveLength(3);
    expect(hurriesNextTier(policy, 1)).toBe(true);
    expect(hurriesNextTier(policy, 2)).toBe(true);
    expect(hurriesNextTier(policy, 3)).toBe(false);
  });
});
