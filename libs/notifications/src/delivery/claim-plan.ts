import { type Severity } from '@alem/clinical';
import { decideSend, type RateLimit } from '../escalation/rate-limit';

/** A delivery as its claim finds it (locked): where it stands and who it is for. */
export interface ClaimCandidate {
  state: string;
  coalescedInto: string | null;
  /** A group window or a rate-limit hold: not to be sent before. */
  notBefore: Date | null;
  /** When a notifier first took it for sending (a retry finds it set). */
  claimedAt: Date | null;
  contactPointId: string | null;
  /** The patient (or alert) a warning's group window gathers by. */
  groupKey: string | null;
  severity: Severity;
}

/** What is known of the delivery's contact: read only when the plan asks for it (`ask`). */
export interface ContactFacts {
  /** When the contact's other messages were taken for sending, within the rate limit's window. */
  recentClaims?: readonly Date[];
  /** Whether another message to the contact is on its way now (its lease has not run out). */
  sendInFlight?: boolean;
}

export type ClaimPlan =
  /** Nothing to send (already sent, failed, skipped, carried by another message, or unknown). */
  | { kind: 'done'; reason: string }
  /** Not due yet (a group window): put it back; the relay queues it when due. */
  | { kind: 'not-due'; notBefore: Date }
  /** The rate limit holds it until then; it goes as a summary when the window has room. */
  | { kind: 'held'; until: Date }
  /** Another message to the same contact is on its way in a flood: try again in a moment. */
  | { kind: 'busy' }
  /**
   * Send it, carrying the contact's other waiting deliveries: the held ones (`held`) or, in a flood, all of them
   * (`all`); and, for a delivery whose group window has come, the others of its group (`group`, else null).
   */
  | { kind: 'send'; carry: 'held' | 'all'; group: string | null }
  /** The plan needs a fact about the contact first: read it, then plan again. */
  | { kind: 'ask'; fact: keyof ContactFacts };

/**
 * Whether a delivery goes now, and with what (the send-time half of grouping and the per-contact rate limit,
 * `decideSend`). A delivery already claimed once (a retry) is not counted again; one without a contact point is
 * not rate-limited.
 */
export function planClaim(
  delivery: ClaimCandidate | null,
  facts: ContactFacts,
  limit: RateLimit,
  now: Date,
): ClaimPlan {
  if (!delivery) return { kind: 'done', reason: 'unknown delivery' };
  if (delivery.state !== 'pending' && delivery.state !== 'queued') {
    return { kind: 'done', reason: `already ${delivery.state}` };
  }
  if (delivery.coalescedInto) return { kind: 'done', reason: `carried by ${delivery.coalescedInto}` };
  if (delivery.notBefore && delivery.notBefore.getTime() > now.getTime()) {
    return { kind: 'not-due', notBefore: delivery.notBefore };
  }
  let carry: 'held' | 'all' = 'held';
  if (!delivery.claimedAt && delivery.contactPointId) {
    if (!facts.recentClaims) return { kind: 'ask', fact: 'recentClaims' };
    const decision = decideSend(delivery.severity, facts.recentClaims, limit, now);
    if (decision.kind === 'hold') return { kind: 'held', until: decision.until };
    carry = decision.carry;
    if (carry === 'all') {
      // In a flood, one message at a time per contact: whatever arrives meanwhile rides on the next one.
      if (facts.sendInFlight === undefined) return { kind: 'ask', fact: 'sendInFlight' };
      if (facts.sendInFlight) return { kind: 'busy' };
    }
  }
  return { kind: 'send', carry, group: delivery.notBefore ? delivery.groupKey : null };
}
