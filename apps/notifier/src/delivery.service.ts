import { Injectable } from '@nestjs/common';
import {
  AlertLedger,
  type AttemptRow,
  type ClaimedItem,
  DeliveryRepository,
  type ReceiptRow,
  type UnreachableRaised,
} from '@alem/persistence';
import {
  type ContactFacts,
  deliveryStateAfter,
  nobodyReached,
  planClaim,
  type RateLimit,
  receiptStep,
} from '@alem/notifications';
import { DataSource, type EntityManager } from 'typeorm';
import { EscalationService } from './escalation.service';

export type ClaimResult =
  /** Nothing to send (already sent, failed, skipped, or carried by another message). */
  | { kind: 'done'; reason: string }
  /** Not due yet (a group window): put back with a new generation, the relay queues it when due. */
  | { kind: 'not-due'; notBefore: Date }
  /** The rate limit holds it; it goes as a summary when the window has room. */
  | { kind: 'held'; until: Date }
  /** Another message to the same contact is on its way in a flood: try again in a moment (never delayed long). */
  | { kind: 'busy' }
  /** Send: `items[0]` is the delivery itself; the rest are carried by this (summary) message. */
  | { kind: 'send'; items: ClaimedItem[] };

export interface ClaimSettings {
  rateLimit: RateLimit;
  /** How long a send in flight keeps other floods of the same contact waiting at most. */
  leaseMs: number;
}

export interface AttemptRecord extends AttemptRow {
  final: boolean;
  /** Deliveries this message carried (a summary); they share its outcome. */
  carriedIds?: readonly string[];
  /** Carried deliveries whose alert was closed before sending: skipped, not sent. */
  skippedIds?: readonly string[];
  /** Whether the next channel may be SMS (a provider is configured); default true. */
  smsEnabled?: boolean;
}

/** What a failure set in motion: the next channel, and for tiers nobody could be reached at, the next tier. */
export interface FailoverOutcome {
  fallbacks: Array<{ id: string; generation: number }>;
  unreachable: UnreachableRaised[];
  hurriedAlertIds: string[];
}

/** What a receipt did to the delivery that sent its message. */
export type ReceiptOutcome = FailoverOutcome & { deliveryId: string; state: string; changed: boolean };

/** A delivery as a receipt finds it: its state and the provider's latest status applied to it. */
interface ReceiptTarget {
  id: string;
  state: string;
  providerStatus: string | null;
}

const NO_FAILOVER: FailoverOutcome = { fallbacks: [], unreachable: [], hurriedAlertIds: [] };

/**
 * A delivery's life from claim to receipt, one transaction each: the notifier's sender claims a delivery, records
 * each attempt, and the provider's receipts settle it; a final failure sets the failover going in the same
 * transaction. The decisions are the planners' of `@alem/notifications` (`planClaim`, `deliveryStateAfter`,
 * `receiptStep`, `nobodyReached`) and the `EscalationService`'s; the queries are `DeliveryRepository`'s; alert
 * changes go through the `AlertLedger`.
 */
@Injectable()
export class DeliveryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly deliveries: DeliveryRepository,
    private readonly ledger: AlertLedger,
    private readonly escalation: EscalationService,
  ) {}

  /**
   * Takes a delivery for sending, serialised per contact point (a transaction-scoped advisory lock): whether it
   * goes now, alone or as a summary carrying the contact's other waiting deliveries (held ones; a warning's
   * group; in a flood, everything), or is held. The alert states are read here, so the sender works on what is
   * true now.
   */
  async claim(deliveryId: string, now: Date, settings: ClaimSettings): Promise<ClaimResult> {
    return this.dataSource.transaction(async (m) => {
      const contact = await this.deliveries.contactOf(m, deliveryId);
      if (contact === undefined) return { kind: 'done', reason: 'unknown delivery' };
      await this.deliveries.lockContactSends(m, contact ?? deliveryId);
      const delivery = await this.deliveries.lockForClaim(m, deliveryId);
      const facts: ContactFacts = {};
      for (;;) {
        const plan = planClaim(delivery, facts, settings.rateLimit, now);
        switch (plan.kind) {
          case 'ask': {
            const contactPointId = delivery!.contactPointId!;
            if (plan.fact === 'recentClaims') {
              const since = new Date(now.getTime() - settings.rateLimit.windowMs);
              facts.recentClaims = await this.deliveries.claimsSince(m, contactPointId, since, deliveryId);
            } else {
              facts.sendInFlight = await this.deliveries.sendInFlight(m, contactPointId, deliveryId);
            }
            continue;
          }
          case 'done':
          case 'busy':
            return plan;
          case 'not-due':
            await this.deliveries.putBack(m, deliveryId);
            return plan;
          case 'held':
            await this.deliveries.holdForRateLimit(m, deliveryId, plan.until);
            return plan;
          case 'send': {
            await this.deliveries.markClaimed(m, deliveryId, now, settings.leaseMs);
            const contactPointId = delivery!.contactPointId;
            if (contactPointId) {
              await this.deliveries.carryWaiting(m, {
                deliveryId,
                contactPointId,
                carryAll: plan.carry === 'all',
                group: plan.group,
                now,
              });
            }
            return { kind: 'send', items: await this.deliveries.claimedItems(m, deliveryId) };
          }
        }
      }
    });
  }

  /**
   * Records one attempt and moves the delivery on (`deliveryStateAfter`). The deliveries a summary carried share
   * the outcome. A final failure sets the failover in motion in the same transaction (`FailoverOutcome`).
   */
  async recordAttempt(attempt: AttemptRecord): Promise<FailoverOutcome> {
    const state = deliveryStateAfter(attempt.outcome, attempt.final);
    const carried = [...(attempt.carriedIds ?? [])];
    const smsEnabled = attempt.smsEnabled ?? true;
    return this.dataSource.transaction(async (m) => {
      // Serialised with the provider's receipts for this message (see `recordReceipt`), first thing, before the
      // audit chain's lock, so both transactions take the two locks in the same order.
      if (attempt.providerMessageId) {
        await this.deliveries.lockProviderMessage(m, attempt.providerMessageId);
      }
      const inserted = await this.deliveries.insertAttempt(m, attempt, carried.length);
      const changed = await this.deliveries.applyAttemptState(m, attempt, state, carried);
      await this.deliveries.skipCarried(m, attempt.skippedIds ?? []);
      let outcome = NO_FAILOVER;
      if (state === 'failed' && changed.length > 0) {
        outcome = await this.failover(m, changed, attempt.finishedAt, smsEnabled, {
          reason: attempt.providerResponse ?? 'every attempt failed',
        });
      }
      // The audit rows of the attempt, last in the transaction (they wait on the audit chain's lock); once only.
      if (inserted) await this.deliveries.appendAttemptAudit(m, attempt, carried);
      if (state === 'sent' && attempt.providerMessageId) {
        // Receipts the provider sent before this transaction committed: attach them and apply them in the order
        // they came, by the same rules as a receipt that finds its delivery (`applyStatus`).
        const early = await this.deliveries.attachEarlyReceipts(
          m,
          attempt.deliveryId,
          attempt.providerMessageId,
        );
        let delivery: ReceiptTarget = { id: attempt.deliveryId, state: 'sent', providerStatus: null };
        for (const r of early) {
          const applied = await this.applyStatus(
            m,
            delivery,
            { providerMessageId: attempt.providerMessageId, ...r },
            smsEnabled,
          );
          if (applied.changed) outcome = applied;
          delivery = applied.delivery;
        }
      }
      return outcome;
    });
  }

  /**
   * A provider's delivery receipt (SMS status callback): kept as a row, written on the attempt that sent the
   * message, and moving the delivery (and what it carried) to `delivered`, or to `failed` with the failover.
   * A receipt that arrives before the attempt that sent the message is recorded (it can: the provider may
   * answer the callback before our transaction commits) is kept without a delivery and applied by
   * `recordAttempt`. Returns null when no delivery has this provider message id yet.
   *
   * A status counts once per message: the same receipt again (a replayed callback, signed as the first was)
   * is not recorded and changes nothing. A receipt that does not move the message forward (`receiptStep`) is
   * recorded and changes nothing either.
   */
  async recordReceipt(
    receipt: ReceiptRow & { source: 'provider' | 'notifier'; smsEnabled?: boolean },
  ): Promise<ReceiptOutcome | null> {
    return this.dataSource.transaction(async (m) => {
      // A receipt can overtake the attempt that sent its message: without this lock, a receipt that does not yet
      // see the attempt's provider message id (uncommitted) could commit after the attempt looked for early
      // receipts, and stay unattached for ever (the SMS would then count as undelivered).
      await this.deliveries.lockProviderMessage(m, receipt.providerMessageId);
      const delivery = await this.deliveries.lockForReceipt(m, receipt.providerMessageId);
      const recorded = await this.deliveries.insertReceipt(m, delivery?.id ?? null, receipt);
      if (!delivery) return null;
      if (!recorded)
        return { ...NO_FAILOVER, deliveryId: delivery.id, state: delivery.state, changed: false };
      const { delivery: _after, ...outcome } = await this.applyStatus(
        m,
        delivery,
        receipt,
        receipt.smsEnabled ?? true,
      );
      return outcome;
    });
  }

  /**
   * Moves a delivery on by a receipt's status (`receiptStep`), with an audit row for final statuses. A status that
   * does not move the message forward changes nothing: a late or replayed one cannot undo a later state, and a
   * failure the provider reported stays a failure.
   */
  private async applyStatus(
    m: EntityManager,
    d: ReceiptTarget,
    receipt: ReceiptRow,
    smsEnabled: boolean,
  ): Promise<ReceiptOutcome & { delivery: ReceiptTarget }> {
    const step = receiptStep(d.providerStatus, receipt);
    if (step.kind === 'ignore') {
      return { ...NO_FAILOVER, deliveryId: d.id, state: d.state, changed: false, delivery: d };
    }
    await this.deliveries.setAttemptProviderStatus(m, d.id, receipt);
    let outcome = NO_FAILOVER;
    let changed: string[] = [];
    if (step.kind === 'delivered') {
      changed = await this.deliveries.markDelivered(m, d.id, receipt);
    } else if (step.kind === 'failed') {
      changed = await this.deliveries.markUndelivered(m, d.id, receipt, step.why);
      if (changed.length > 0) {
        outcome = await this.failover(m, changed, receipt.at, smsEnabled, { reason: step.why });
      }
    }
    // The provider's latest word on the message, whether or not it changed the state (a "failed" after we gave
    // up waiting is what a later "delivered" is then checked against).
    await this.deliveries.setProviderStatus(m, d.id, receipt.status);
    const settled = step.kind === 'delivered' || step.kind === 'failed' ? step.kind : null;
    if (settled && changed.length > 0) {
      await this.deliveries.appendReceiptAudit(m, changed, receipt, settled);
    }
    const state = settled && changed.includes(d.id) ? settled : d.state;
    return {
      ...outcome,
      deliveryId: d.id,
      state: settled ?? d.state,
      changed: changed.length > 0,
      delivery: { id: d.id, state, providerStatus: receipt.status.toLowerCase() },
    };
  }

  /**
   * Deliveries failed for good: the person's other verified channels not yet used for that notification get a
   * delivery of their own (the next channel); a notification none of whose deliveries is still alive means
   * nobody at that tier was reached (`nobodyReached`): the admins' `unreachable` alert, and the next tier at once
   * where the policy allows (`hurriesNextTier`).
   */
  private async failover(
    m: EntityManager,
    failedIds: readonly string[],
    now: Date,
    smsEnabled: boolean,
    why: { reason: string },
  ): Promise<FailoverOutcome> {
    const fallbacks = await this.deliveries.insertFallbacks(m, failedIds, now, smsEnabled);
    const unreachable: UnreachableRaised[] = [];
    const hurriedAlertIds: string[] = [];
    for (const n of await this.deliveries.failedNotifications(m, failedIds)) {
      if (!nobodyReached(n)) continue;
      const raised = await this.ledger.raiseUnreachable(m, {
        alertId: n.alertId,
        reference: n.reference,
        kind: n.kind,
        tier: n.tier,
        reason: `every message failed (${why.reason.slice(0, 120)})`,
        now,
      });
      if (raised) unreachable.push(raised);
      const pinned = await this.escalation.pinnedPolicy(m, {
        id: n.alertId,
        kind: n.kind,
        careTeamId: n.careTeamId,
        escalationPolicyId: n.escalationPolicyId,
      });
      if (
        await this.escalation.hurryNextTier(m, {
          alertId: n.alertId,
          tier: n.tier,
          policy: pinned.policy,
          now,
        })
      ) {
        hurriedAlertIds.push(n.alertId);
      }
    }
    return { fallbacks, unreachable, hurriedAlertIds };
  }
}
