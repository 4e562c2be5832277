import { type EscalationPolicyDefinition, isLastTier } from '../escalation/escalation-policy';

/** What one send attempt came to. */
export type AttemptOutcome = 'sent' | 'transient-failure' | 'permanent-failure' | 'skipped';

/** Where a delivery stands after an attempt. */
export type AttemptState = 'sent' | 'skipped' | 'failed' | 'queued';

/**
 * A delivery after an attempt: `sent` on success, `skipped` when there was nothing left to send, `failed` on a
 * permanent failure or the last attempt (`final`); a transient failure leaves it queued for the next try.
 */
export function deliveryStateAfter(outcome: AttemptOutcome, final: boolean): AttemptState {
  if (outcome === 'sent') return 'sent';
  if (outcome === 'skipped') return 'skipped';
  return outcome === 'permanent-failure' || final ? 'failed' : 'queued';
}

/**
 * How far along an SMS provider's status is. Twilio's callbacks can arrive out of order and can be replayed,
 * but a message's status only moves forward: queued → sending → sent → delivered, undelivered or failed (final)
 * → read. `no-receipt` is the notifier's own conclusion that no final status came in time.
 */
const PROVIDER_STATUS_RANK: Record<string, number> = {
  accepted: 0,
  scheduled: 0,
  queued: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  undelivered: 3,
  failed: 3,
  'no-receipt': 3,
  read: 4,
};
const rankOf = (status: string) => PROVIDER_STATUS_RANK[status.toLowerCase()] ?? 0;

/**
 * Whether a receipt's status moves a message on from the latest one applied: only a later stage does. A
 * failure the provider reported is final (a "delivered" after it is stale or replayed and must not hide the
 * failure that set the failover going); our own `no-receipt` gives way to the provider's final word.
 */
export function movesForward(current: string | null, next: string): boolean {
  if (current === null) return true;
  const now = current.toLowerCase();
  if (now === 'undelivered' || now === 'failed') return false;
  if (now === 'no-receipt') return next !== 'no-receipt' && rankOf(next) >= rankOf('delivered');
  return rankOf(next) > rankOf(now);
}

/** What a receipt does to its delivery. */
export type ReceiptStep =
  /** Stale, replayed or out of order: recorded, changes nothing. */
  | { kind: 'ignore' }
  /** The provider's word moves on but settles nothing yet (`sending`, `sent`, ...). */
  | { kind: 'progress' }
  | { kind: 'delivered' }
  /** Failed for good: the failover takes over; `why` is the delivery's last error. */
  | { kind: 'failed'; why: string };

/** A receipt's status (case as the provider sent it) against the latest status applied to the message. */
export function receiptStep(
  current: string | null,
  receipt: { status: string; errorCode: string | null },
): ReceiptStep {
  const status = receipt.status.toLowerCase();
  if (!movesForward(current, status)) return { kind: 'ignore' };
  if (status === 'delivered' || status === 'read') return { kind: 'delivered' };
  if (status === 'undelivered' || status === 'failed' || status === 'no-receipt') {
    const why =
      status === 'no-receipt'
        ? 'no delivery receipt in time'
        : `provider: ${receipt.status}${receipt.errorCode ? ` (error ${receipt.errorCode})` : ''}`;
    return { kind: 'failed', why };
  }
  return { kind: 'progress' };
}

/** A notification whose delivery failed for good, as the failover weighs it. */
export interface FailedNotification {
  /** Whether another of its deliveries is still alive (not failed, not skipped). */
  alive: boolean;
  alertState: string;
}

/**
 * Nobody at the notification's tier was reached when none of its deliveries is alive while its alert is still
 * open: the admins hear of it (`unreachable`) and the next tier is paged at once.
 */
export function nobodyReached(n: FailedNotification): boolean {
  return !n.alive && n.alertState === 'open';
}

/**
 * Whether the next tier takes over at once when nobody at `tier` could be reached: yes, unless it is the last
 * tier (that one is reminded at its normal time; the admins hear of it through the `unreachable` alert).
 */
export function hurriesNextTier(policy: EscalationPolicyDefinition, tier: number): boolean {
  return !isLastTier(policy, tier);
}
