import { Injectable } from '@nestjs/common';
import { type Severity } from '@alem/clinical';
import { decideSend, type RateLimit } from '@alem/notifications';
import { DataSource, type EntityManager } from 'typeorm';
import { type DeliveryOutcome } from '../entities/notification.entities';
import { AlertLedger } from '../alert-ledger/alert-ledger';
import { type UnreachableRaised } from '../alert-ledger/unreachable-alert';
import { queryRows } from '../query-rows';
import { appendDeliveryAttemptAudit } from './audit.repository';
import { hurryEscalation, pinnedPolicyOf } from './escalation.repository';

/** What a sender needs to send one delivery: the address, and the alert's reference and state. No PHI. */
export interface DeliveryToSend {
  deliveryId: string;
  state: string;
  channel: 'email' | 'sms';
  address: string;
  userId: string | null;
  contactPointId: string | null;
  notificationId: string;
  reason: string;
  tier: number;
  alertId: string;
  alertReference: string;
  alertState: string;
  alertKind: string;
  severity: Severity;
  emergency: boolean;
  attempts: number;
  generation: number;
  createdAt: Date;
  coalescedInto: string | null;
}

/** One alert a message is about (the delivery itself, or one it carries as a summary). */
export interface ClaimedItem {
  deliveryId: string;
  notificationId: string;
  reason: string;
  alertId: string;
  alertReference: string;
  alertState: string;
  alertKind: string;
  severity: Severity;
  emergency: boolean;
  createdAt: Date;
}

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

export interface AttemptRecord {
  deliveryId: string;
  attempt: number;
  startedAt: Date;
  finishedAt: Date;
  outcome: DeliveryOutcome;
  providerResponse: string | null;
  providerMessageId: string | null;
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

const NO_FAILOVER: FailoverOutcome = { fallbacks: [], unreachable: [], hurriedAlertIds: [] };
const at = (d: Date) => d.toISOString();

const ITEM_SQL = `
  SELECT d.id, d.notification_id, n.reason, a.id AS alert_id, a.reference, a.state AS alert_state, a.kind,
         a.severity, a.emergency, d.created_at
  FROM deliveries d JOIN notifications n ON n.id = d.notification_id JOIN alerts a ON a.id = n.alert_id`;

interface ItemRow {
  id: string;
  notification_id: string;
  reason: string;
  alert_id: string;
  reference: string;
  alert_state: string;
  kind: string;
  severity: Severity;
  emergency: boolean;
  created_at: Date;
}

const toItem = (r: ItemRow): ClaimedItem => ({
  deliveryId: r.id,
  notificationId: r.notification_id,
  reason: r.reason,
  alertId: r.alert_id,
  alertReference: r.reference,
  alertState: r.alert_state,
  alertKind: r.kind,
  severity: r.severity,
  emergency: r.emergency,
  createdAt: r.created_at,
});

/**
 * Deliveries (one message to one person on one channel), as the notifier's relay and sender use them: the
 * per-contact rate limit and grouping at send time, a row and an audit row per attempt, SMS receipts, and what a
 * final failure sets in motion (the person's next channel; when nobody at a tier was reached, the next tier and
 * the admins' `unreachable` alert).
 */
@Injectable()
export class DeliveryRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: AlertLedger,
  ) {}

  async markQueued(ids: readonly string[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE deliveries SET state = 'queued', queued_at = $2 WHERE id = ANY($1::uuid[]) AND state IN ('pending', 'queued')`,
      [ids, now.toISOString()],
    );
  }

  /**
   * Deliveries to queue: pending ones that are due (their group window or rate-limit hold has passed), and
   * queued ones not sent after `staleAfterMs` (`stale`: their job may have been lost with a Redis restart, or
   * ended without sending: stalled out, or failed on an outage; the relay looks). `replay`
   * marks a dead-lettered delivery an admin asked to send again (its failed job is retried under its own id).
   */
  async findUnsent(
    now: Date,
    staleAfterMs: number,
    limit: number,
  ): Promise<Array<{ id: string; generation: number; replay: boolean; stale: boolean }>> {
    const rows = await queryRows<{ id: string; generation: number; replay: boolean; stale: boolean }>(
      this.dataSource.manager,
      `SELECT id, generation, (replayed_at IS NOT NULL AND replay_queued_at IS NULL) AS replay,
              state = 'queued' AS stale
       FROM deliveries
       WHERE state IN ('pending', 'queued') AND coalesced_into IS NULL
         AND (not_before IS NULL OR not_before <= $1)
         AND (state = 'pending'
              OR coalesce(queued_at, created_at) < $1::timestamptz - make_interval(secs => $2::double precision / 1000))
       ORDER BY created_at LIMIT $3`,
      [now.toISOString(), staleAfterMs, limit],
    );
    return rows;
  }

  async markReplayQueued(ids: readonly string[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE deliveries SET replay_queued_at = $2 WHERE id = ANY($1::uuid[]) AND replay_queued_at IS NULL`,
      [ids, at(now)],
    );
  }

  async load(deliveryId: string): Promise<DeliveryToSend | null> {
    const rows: Array<{
      id: string;
      state: string;
      channel: 'email' | 'sms';
      address: string;
      user_id: string | null;
      contact_point_id: string | null;
      notification_id: string;
      reason: string;
      tier: number;
      alert_id: string;
      reference: string;
      alert_state: string;
      kind: string;
      severity: Severity;
      emergency: boolean;
      attempts: number;
      generation: number;
      created_at: Date;
      coalesced_into: string | null;
    }> = await this.dataSource.query(
      `SELECT d.id, d.state, d.channel, d.address, d.user_id, d.contact_point_id, d.notification_id, n.reason, n.tier,
              a.id AS alert_id, a.reference, a.state AS alert_state, a.kind, a.severity, a.emergency, d.attempts,
              d.generation, d.created_at, d.coalesced_into
       FROM deliveries d JOIN notifications n ON n.id = d.notification_id JOIN alerts a ON a.id = n.alert_id
       WHERE d.id = $1`,
      [deliveryId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      deliveryId: r.id,
      state: r.state,
      channel: r.channel,
      address: r.address,
      userId: r.user_id,
      contactPointId: r.contact_point_id,
      notificationId: r.notification_id,
      reason: r.reason,
      tier: r.tier,
      alertId: r.alert_id,
      alertReference: r.reference,
      alertState: r.alert_state,
      alertKind: r.kind,
      severity: r.severity,
      emergency: r.emergency,
      attempts: r.attempts,
      generation: r.generation,
      createdAt: r.created_at,
      coalescedInto: r.coalesced_into,
    };
  }

  /**
   * Takes a delivery for sending, serialised per contact point (a transaction-scoped advisory lock), and decides
   * with the rate limit (`decideSend`) whether it goes now, alone or as a summary carrying the contact's other
   * waiting deliveries (held ones; a warning's group; in a flood, everything), or is held. The alert states are
   * read here, so the sender works on what is true now.
   */
  async claim(deliveryId: string, now: Date, settings: ClaimSettings): Promise<ClaimResult> {
    return this.dataSource.transaction(async (m) => {
      const [key] = await queryRows<{ contact_point_id: string | null }>(
        m,
        `SELECT contact_point_id FROM deliveries WHERE id = $1`,
        [deliveryId],
      );
      if (!key) return { kind: 'done', reason: 'unknown delivery' };
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [
        `contact-send|${key.contact_point_id ?? deliveryId}`,
      ]);
      const [d] = await queryRows<{
        state: string;
        coalesced_into: string | null;
        not_before: Date | null;
        claimed_at: Date | null;
        contact_point_id: string | null;
        group_key: string | null;
        severity: Severity;
      }>(
        m,
        `SELECT d.state, d.coalesced_into, d.not_before, d.claimed_at, d.contact_point_id, d.group_key, a.severity
         FROM deliveries d JOIN notifications n ON n.id = d.notification_id JOIN alerts a ON a.id = n.alert_id
         WHERE d.id = $1 FOR UPDATE OF d`,
        [deliveryId],
      );
      if (!d) return { kind: 'done', reason: 'unknown delivery' };
      if (d.state !== 'pending' && d.state !== 'queued')
        return { kind: 'done', reason: `already ${d.state}` };
      if (d.coalesced_into) return { kind: 'done', reason: `carried by ${d.coalesced_into}` };
      if (d.not_before && d.not_before.getTime() > now.getTime()) {
        await m.query(`UPDATE deliveries SET state = 'pending', generation = generation + 1 WHERE id = $1`, [
          deliveryId,
        ]);
        return { kind: 'not-due', notBefore: d.not_before };
      }
      let carryAll = false;
      if (!d.claimed_at && d.contact_point_id) {
        const recent = await queryRows<{ claimed_at: Date }>(
          m,
          `SELECT claimed_at FROM deliveries
           WHERE contact_point_id = $1 AND coalesced_into IS NULL AND claimed_at > $2 AND id <> $3`,
          [d.contact_point_id, at(new Date(now.getTime() - settings.rateLimit.windowMs)), deliveryId],
        );
        const decision = decideSend(
          d.severity,
          recent.map((r) => r.claimed_at),
          settings.rateLimit,
          now,
        );
        if (decision.kind === 'hold') {
          await m.query(
            `UPDATE deliveries SET state = 'pending', not_before = $2, held_reason = 'rate-limit',
                    generation = generation + 1
             WHERE id = $1`,
            [deliveryId, at(decision.until)],
          );
          return { kind: 'held', until: decision.until };
        }
        carryAll = decision.carry === 'all';
        if (carryAll) {
          // In a flood, one message at a time per contact: whatever arrives meanwhile rides on the next one.
          const inFlight = await queryRows<{ id: string }>(
            m,
            `SELECT id FROM deliveries
             WHERE contact_point_id = $1 AND state IN ('pending', 'queued') AND id <> $2 AND coalesced_into IS NULL
               AND lease_until > clock_timestamp() LIMIT 1`,
            [d.contact_point_id, deliveryId],
          );
          if (inFlight.length > 0) return { kind: 'busy' };
        }
      }
      await m.query(
        `UPDATE deliveries SET claimed_at = coalesce(claimed_at, $2),
                lease_until = clock_timestamp() + make_interval(secs => $3::double precision / 1000)
         WHERE id = $1`,
        [deliveryId, at(now), settings.leaseMs],
      );
      if (d.contact_point_id) {
        await m.query(
          `UPDATE deliveries x SET coalesced_into = $1
           WHERE x.contact_point_id = $2 AND x.id <> $1 AND x.state IN ('pending', 'queued')
             AND x.coalesced_into IS NULL AND x.claimed_at IS NULL
             AND ($3 OR x.held_reason IS NOT NULL
                  OR ($4::text IS NOT NULL AND $5 AND x.group_key = $4 AND x.not_before IS NOT NULL AND x.not_before <= $6))`,
          [deliveryId, d.contact_point_id, carryAll, d.group_key, d.not_before !== null, at(now)],
        );
      }
      const rows = await queryRows<ItemRow>(
        m,
        `${ITEM_SQL} WHERE d.id = $1 OR d.coalesced_into = $1 ORDER BY (d.id = $1) DESC, d.created_at, d.id`,
        [deliveryId],
      );
      return { kind: 'send', items: rows.map(toItem) };
    });
  }

  /**
   * Records one attempt and moves the delivery on: `sent` on success, `failed` on a permanent failure or the
   * last attempt, `skipped` when there was nothing left to send; a transient failure leaves it queued. The
   * deliveries a summary carried share the outcome. A final failure sets the failover in motion in the same
   * transaction (`FailoverOutcome`).
   */
  async recordAttempt(attempt: AttemptRecord): Promise<FailoverOutcome> {
    const state =
      attempt.outcome === 'sent'
        ? 'sent'
        : attempt.outcome === 'skipped'
          ? 'skipped'
          : attempt.outcome === 'permanent-failure' || attempt.final
            ? 'failed'
            : 'queued';
    const carried = [...(attempt.carriedIds ?? [])];
    const skipped = [...(attempt.skippedIds ?? [])];
    return this.dataSource.transaction(async (m) => {
      // Serialised with the provider's receipts for this message (see `recordReceipt`), first thing, before the
      // audit chain's lock, so both transactions take the two locks in the same order.
      if (attempt.providerMessageId) await lockProviderMessage(m, attempt.providerMessageId);
      const inserted: unknown[] = await m.query(
        `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, finished_at, outcome, provider_response,
                                        provider_message_id, carried)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (delivery_id, attempt) DO NOTHING RETURNING id`,
        [
          attempt.deliveryId,
          attempt.attempt,
          at(attempt.startedAt),
          at(attempt.finishedAt),
          attempt.outcome,
          attempt.providerResponse?.slice(0, 2000) ?? null,
          attempt.providerMessageId,
          carried.length,
        ],
      );
      const error = attempt.outcome === 'sent' ? null : (attempt.providerResponse?.slice(0, 500) ?? null);
      const changed = await queryRows<{ id: string }>(
        m,
        `UPDATE deliveries SET state = $2, attempts = greatest(attempts, $3), last_error = $4,
                sent_at = CASE WHEN $2 = 'sent' THEN $5::timestamptz ELSE sent_at END,
                failed_at = CASE WHEN $2 = 'failed' THEN $5::timestamptz ELSE failed_at END,
                provider_message_id = CASE WHEN id = $1 THEN coalesce($6, provider_message_id) ELSE provider_message_id END,
                lease_until = NULL
         WHERE (id = $1 OR id = ANY($7::uuid[])) AND state NOT IN ('sent', 'delivered', 'failed', 'skipped')
         RETURNING id`,
        [
          attempt.deliveryId,
          state,
          attempt.attempt,
          error,
          at(attempt.finishedAt),
          attempt.providerMessageId,
          carried,
        ],
      );
      if (skipped.length > 0) {
        await m.query(
          `UPDATE deliveries SET state = 'skipped', last_error = 'alert no longer open before sending', lease_until = NULL
           WHERE id = ANY($1::uuid[]) AND state IN ('pending', 'queued')`,
          [skipped],
        );
      }
      let outcome = NO_FAILOVER;
      if (state === 'failed' && changed.length > 0) {
        outcome = await this.failover(
          m,
          changed.map((r) => r.id),
          attempt.finishedAt,
          attempt.smsEnabled ?? true,
          attempt.providerResponse ?? 'every attempt failed',
        );
      }
      // The audit rows of the attempt, last in the transaction (they wait on the audit chain's lock); once only.
      if (inserted.length > 0) {
        await appendDeliveryAttemptAudit(m, attempt);
        if (carried.length > 0) await appendCarriedAttemptAudit(m, attempt, carried);
      }
      if (state === 'sent' && attempt.providerMessageId) {
        // Receipts the provider sent before this transaction committed: attach them and apply them in the order
        // they came, by the same rules as a receipt that finds its delivery (`applyStatus`).
        const early = await queryRows<{
          status: string;
          error_code: string | null;
          received_at: Date;
          source: string;
        }>(
          m,
          `WITH attached AS (
             UPDATE delivery_receipts SET delivery_id = $1 WHERE provider_message_id = $2 AND delivery_id IS NULL
             RETURNING id, status, error_code, received_at, source)
           SELECT status, error_code, received_at, source FROM attached ORDER BY received_at, id`,
          [attempt.deliveryId, attempt.providerMessageId],
        );
        let delivery: ReceiptTarget = { id: attempt.deliveryId, state: 'sent', providerStatus: null };
        for (const r of early) {
          const applied = await this.applyStatus(
            m,
            delivery,
            {
              providerMessageId: attempt.providerMessageId,
              status: r.status,
              errorCode: r.error_code,
              at: r.received_at,
              source: r.source,
            },
            attempt.smsEnabled ?? true,
          );
          if (applied.changed) outcome = applied;
          delivery = applied.delivery;
        }
      }
      return outcome;
    });
  }

  /**
   * A delivery failed for good: for each failed delivery, the person's other verified channels not yet used for
   * that notification get a delivery of their own (the next channel); a notification none of whose deliveries
   * is still alive means nobody at that tier was reached: the admins' `unreachable` alert, and the next tier at
   * once.
   */
  private async failover(
    m: EntityManager,
    failedIds: readonly string[],
    now: Date,
    smsEnabled: boolean,
    reason: string,
  ): Promise<FailoverOutcome> {
    const fallbacks = await queryRows<{ id: string; generation: number }>(
      m,
      `INSERT INTO deliveries (notification_id, user_id, contact_point_id, channel, address, created_at, fallback_of, group_key)
       SELECT DISTINCT ON (f.notification_id, c.id) f.notification_id, f.user_id, c.id, c.channel, c.address, $2::timestamptz,
              f.id, f.group_key
       FROM deliveries f
       JOIN users u ON u.id = f.user_id AND u.active
       JOIN contact_points c ON c.user_id = f.user_id AND c.verified_at IS NOT NULL
       WHERE f.id = ANY($1::uuid[]) AND ($3 OR c.channel <> 'sms')
         AND NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.notification_id = f.notification_id AND x.contact_point_id = c.id)
       ON CONFLICT (notification_id, contact_point_id) DO NOTHING
       RETURNING id, generation`,
      [failedIds, at(now), smsEnabled],
    );
    const notifications = await queryRows<{
      notification_id: string;
      tier: number;
      alert_id: string;
      reference: string;
      kind: string;
      alert_state: string;
      care_team_id: string | null;
      escalation_policy_id: string | null;
      alive: boolean;
    }>(
      m,
      `SELECT n.id AS notification_id, n.tier, a.id AS alert_id, a.reference, a.kind, a.state AS alert_state,
              coalesce(p.care_team_id, r.care_team_id) AS care_team_id, a.escalation_policy_id,
              EXISTS (SELECT 1 FROM deliveries x WHERE x.notification_id = n.id AND x.state NOT IN ('failed', 'skipped')) AS alive
       FROM notifications n JOIN alerts a ON a.id = n.alert_id
       LEFT JOIN patients p ON p.id = a.patient_id LEFT JOIN alert_routes r ON r.alert_id = a.id
       WHERE n.id IN (SELECT notification_id FROM deliveries WHERE id = ANY($1::uuid[]))
       ORDER BY n.id`,
      [failedIds],
    );
    const unreachable: UnreachableRaised[] = [];
    const hurriedAlertIds: string[] = [];
    for (const n of notifications) {
      if (n.alive || n.alert_state !== 'open') continue;
      const raised = await this.ledger.raiseUnreachable(m, {
        alertId: n.alert_id,
        reference: n.reference,
        kind: n.kind,
        tier: n.tier,
        reason: `every message failed (${reason.slice(0, 120)})`,
        now,
      });
      if (raised) unreachable.push(raised);
      const pinned = await pinnedPolicyOf(m, this.ledger, {
        id: n.alert_id,
        kind: n.kind,
        careTeamId: n.care_team_id,
        escalationPolicyId: n.escalation_policy_id,
      });
      if (await hurryEscalation(m, { alertId: n.alert_id, tier: n.tier, policy: pinned.policy, now })) {
        hurriedAlertIds.push(n.alert_id);
      }
    }
    return { fallbacks, unreachable, hurriedAlertIds };
  }

  /**
   * A provider's delivery receipt (SMS status callback): kept as a row, written on the attempt that sent the
   * message, and moving the delivery (and what it carried) to `delivered`, or to `failed` with the failover.
   * A receipt that arrives before the attempt that sent the message is recorded (it can: the provider may
   * answer the callback before our transaction commits) is kept without a delivery and applied by
   * `recordAttempt`. Returns null when no delivery has this provider message id yet.
   *
   * A status counts once per message: the same receipt again (a replayed callback, signed as the first was)
   * is not recorded and changes nothing. A receipt that does not move the message forward (`movesForward`) is
   * recorded and changes nothing either.
   */
  async recordReceipt(receipt: {
    providerMessageId: string;
    status: string;
    errorCode: string | null;
    at: Date;
    source: 'provider' | 'notifier';
    detail?: Record<string, unknown>;
    smsEnabled?: boolean;
  }): Promise<(FailoverOutcome & { deliveryId: string; state: string; changed: boolean }) | null> {
    return this.dataSource.transaction(async (m) => {
      // A receipt can overtake the attempt that sent its message: without this lock, a receipt that does not yet
      // see the attempt's provider message id (uncommitted) could commit after the attempt looked for early
      // receipts, and stay unattached for ever (the SMS would then count as undelivered). Under the lock, either
      // the attempt has committed and the receipt applies to it, or the receipt has, and the attempt finds it.
      await lockProviderMessage(m, receipt.providerMessageId);
      const [d] = await queryRows<{ id: string; state: string; provider_status: string | null }>(
        m,
        `SELECT id, state, provider_status FROM deliveries WHERE provider_message_id = $1 FOR UPDATE`,
        [receipt.providerMessageId],
      );
      const recorded = await queryRows<{ id: string }>(
        m,
        `INSERT INTO delivery_receipts (delivery_id, provider_message_id, status, error_code, source, received_at, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (provider_message_id, lower(status)) DO NOTHING RETURNING id`,
        [
          d?.id ?? null,
          receipt.providerMessageId,
          receipt.status,
          receipt.errorCode,
          receipt.source,
          at(receipt.at),
          JSON.stringify(receipt.detail ?? {}),
        ],
      );
      if (!d) return null;
      if (recorded.length === 0) return { ...NO_FAILOVER, deliveryId: d.id, state: d.state, changed: false };
      const target = { id: d.id, state: d.state, providerStatus: d.provider_status };
      const { delivery: _after, ...outcome } = await this.applyStatus(
        m,
        target,
        receipt,
        receipt.smsEnabled ?? true,
      );
      return outcome;
    });
  }

  /**
   * Moves a delivery on by a receipt's status (see `recordReceipt`), with an audit row for final statuses. A
   * status that does not move the message forward (`movesForward`) changes nothing: a late or replayed one
   * cannot undo a later state, and a failure the provider reported stays a failure.
   */
  private async applyStatus(
    m: EntityManager,
    d: ReceiptTarget,
    receipt: {
      providerMessageId: string;
      status: string;
      errorCode: string | null;
      at: Date;
      source: string;
    },
    smsEnabled: boolean,
  ): Promise<
    FailoverOutcome & { deliveryId: string; state: string; changed: boolean; delivery: ReceiptTarget }
  > {
    const status = receipt.status.toLowerCase();
    if (!movesForward(d.providerStatus, status)) {
      return { ...NO_FAILOVER, deliveryId: d.id, state: d.state, changed: false, delivery: d };
    }
    await m.query(
      `UPDATE delivery_attempts SET provider_status = $2, status_at = $3
       WHERE delivery_id = $1 AND provider_message_id = $4`,
      [d.id, receipt.status, at(receipt.at), receipt.providerMessageId],
    );
    let next: string | null = null;
    if (status === 'delivered' || status === 'read') next = 'delivered';
    else if (status === 'undelivered' || status === 'failed' || status === 'no-receipt') next = 'failed';
    let outcome = NO_FAILOVER;
    let changed: Array<{ id: string }> = [];
    if (next === 'delivered') {
      // A late "delivered" after we gave up waiting (no-receipt) still tells the truth about the message; a
      // failure the provider reported is not undone (`movesForward`).
      changed = await queryRows<{ id: string }>(
        m,
        `UPDATE deliveries SET state = 'delivered', delivered_at = $2, provider_status = $3
         WHERE (id = $1 OR coalesced_into = $1)
           AND (state = 'sent' OR (state = 'failed' AND provider_status = 'no-receipt')) RETURNING id`,
        [d.id, at(receipt.at), receipt.status],
      );
    } else if (next === 'failed') {
      const why =
        status === 'no-receipt'
          ? 'no delivery receipt in time'
          : `provider: ${receipt.status}${receipt.errorCode ? ` (error ${receipt.errorCode})` : ''}`;
      changed = await queryRows<{ id: string }>(
        m,
        `UPDATE deliveries SET state = 'failed', failed_at = $2, provider_status = $3, last_error = $4
         WHERE (id = $1 OR coalesced_into = $1) AND state = 'sent' RETURNING id`,
        [d.id, at(receipt.at), receipt.status, why],
      );
      if (changed.length > 0) {
        outcome = await this.failover(
          m,
          changed.map((r) => r.id),
          receipt.at,
          smsEnabled,
          why,
        );
      }
    }
    // The provider's latest word on the message, whether or not it changed the state (a "failed" after we gave
    // up waiting is what a later "delivered" is then checked against).
    await m.query(`UPDATE deliveries SET provider_status = $2 WHERE id = $1 OR coalesced_into = $1`, [
      d.id,
      receipt.status,
    ]);
    if (next && changed.length > 0) {
      await m.query(
        `INSERT INTO audit_log (occurred_at, actor_type, actor_id, actor_label, action, entity_type, entity_id, patient_id,
                                data_category, outcome, detail)
         SELECT $2, 'system', 'notifier', 'notifier', 'notification.receipt', 'delivery', d.id::text, a.patient_id,
                'notifications', CASE WHEN $3 = 'delivered' THEN 'success' ELSE 'failure' END,
                jsonb_build_object('status', $4::text, 'errorCode', $5::text, 'source', $6::text,
                                   'channel', d.channel, 'notificationId', n.id::text, 'alertId', a.id::text,
                                   'alertReference', a.reference, 'providerMessageId', $7::text)
         FROM deliveries d JOIN notifications n ON n.id = d.notification_id JOIN alerts a ON a.id = n.alert_id
         WHERE d.id = ANY($1::uuid[]) ORDER BY d.id`,
        [
          changed.map((r) => r.id),
          at(receipt.at),
          next,
          receipt.status,
          receipt.errorCode,
          receipt.source,
          receipt.providerMessageId,
        ],
      );
    }
    const state = next && changed.some((r) => r.id === d.id) ? next : d.state;
    return {
      ...outcome,
      deliveryId: d.id,
      state: next ?? d.state,
      changed: changed.length > 0,
      delivery: { id: d.id, state, providerStatus: status },
    };
  }

  /**
   * SMS the provider accepted but never reported delivered within `timeoutMs`: they count as failed (the next
   * channel or tier takes over). Returns the provider message ids concluded.
   */
  async findAwaitingReceiptSince(before: Date, limit: number): Promise<string[]> {
    const rows = await queryRows<{ provider_message_id: string }>(
      this.dataSource.manager,
      `SELECT provider_message_id FROM deliveries
       WHERE channel = 'sms' AND state = 'sent' AND sent_at < $1 AND provider_message_id IS NOT NULL
         AND coalesced_into IS NULL
       ORDER BY sent_at LIMIT $2`,
      [at(before), limit],
    );
    return rows.map((r) => r.provider_message_id);
  }
}

/** Audit rows for the deliveries a summary message carried: each patient's record says it was notified. */
async function appendCarriedAttemptAudit(
  m: EntityManager,
  attempt: AttemptRecord,
  carried: readonly string[],
): Promise<void> {
  await m.query(
    `INSERT INTO audit_log (occurred_at, actor_type, actor_id, actor_label, action, entity_type, entity_id, patient_id,
                            data_category, outcome, detail)
     SELECT $2, 'system', 'notifier', 'notifier', 'notification.attempt', 'delivery', d.id::text, a.patient_id,
            'notifications', CASE WHEN $4 IN ('sent', 'skipped') THEN 'success' ELSE 'failure' END,
            jsonb_build_object('attempt', $3::int, 'result', $4::text, 'channel', d.channel, 'carriedBy', $5::text,
                               'notificationId', n.id::text, 'alertId', a.id::text, 'alertReference', a.reference,
                               'contactPointId', d.contact_point_id::text, 'userId', d.user_id::text)
     FROM deliveries d JOIN notifications n ON n.id = d.notification_id JOIN alerts a ON a.id = n.alert_id
     WHERE d.id = ANY($1::uuid[]) ORDER BY d.id`,
    [carried, at(attempt.finishedAt), attempt.attempt, attempt.outcome, attempt.deliveryId],
  );
}

/** A delivery as a receipt finds it: its state and the provider's latest status applied to it. */
interface ReceiptTarget {
  id: string;
  state: string;
  providerStatus: string | null;
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
function movesForward(current: string | null, next: string): boolean {
  if (current === null) return true;
  const now = current.toLowerCase();
  if (now === 'undelivered' || now === 'failed') return false;
  if (now === 'no-receipt') return next !== 'no-receipt' && rankOf(next) >= rankOf('delivered');
  return rankOf(next) > rankOf(now);
}

/** A transaction-scoped lock on one provider message id: its attempt and its receipts, one at a time. */
async function lockProviderMessage(m: EntityManager, providerMessageId: string): Promise<void> {
  await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [
    `provider-message|${providerMessageId}`,
  ]);
}
