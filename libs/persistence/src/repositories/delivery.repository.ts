import { Injectable } from '@nestjs/common';
import { type Severity } from '@alem/clinical';
import { DataSource, type EntityManager } from 'typeorm';
import { queryRows } from '../query-rows';
import { alertsTable } from '../tables/alert.tables';
import { type DeliveryOutcome, deliveriesTable } from '../tables/notification.tables';
import { type RowOf } from '../tables/table';
import { appendDeliveryAttemptAudit } from './audit.repository';

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
export type ClaimedItem = Pick<
  DeliveryToSend,
  | 'deliveryId'
  | 'notificationId'
  | 'reason'
  | 'alertId'
  | 'alertReference'
  | 'alertState'
  | 'alertKind'
  | 'severity'
  | 'emergency'
  | 'createdAt'
>;

/** One send attempt, as recorded (`delivery_attempts`) and audited. */
export interface AttemptRow {
  deliveryId: string;
  attempt: number;
  startedAt: Date;
  finishedAt: Date;
  outcome: DeliveryOutcome;
  providerResponse: string | null;
  providerMessageId: string | null;
}

/** A provider's delivery receipt for one message. */
export interface ReceiptRow {
  providerMessageId: string;
  status: string;
  errorCode: string | null;
  at: Date;
  source: string;
  detail?: Record<string, unknown>;
}

/** A notification one of whose deliveries failed for good, with what the failover needs to know of it. */
export interface FailedNotificationRow {
  notificationId: string;
  tier: number;
  alertId: string;
  reference: string;
  kind: string;
  alertState: string;
  careTeamId: string | null;
  escalationPolicyId: string | null;
  /** Whether another of its deliveries is still alive (not failed, not skipped). */
  alive: boolean;
}

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
 * Deliveries (one message to one person on one channel): the queries of the notifier's relay and sender. Each
 * transactional query takes the caller's transaction; what to do (claim, rate limit, grouping, attempt state,
 * receipts, failover) is decided by the notifier's `DeliveryService` with the planners of `@alem/notifications`.
 */
@Injectable()
export class DeliveryRepository {
  constructor(private readonly dataSource: DataSource) {}

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

  /** The delivery's contact point (null: none), or undefined when there is no such delivery. */
  async contactOf(m: EntityManager, deliveryId: string): Promise<string | null | undefined> {
    const [row] = await queryRows<{ contact_point_id: string | null }>(
      m,
      `SELECT contact_point_id FROM deliveries WHERE id = $1`,
      [deliveryId],
    );
    return row ? row.contact_point_id : undefined;
  }

  /** Serialises the claims of one contact (or of one delivery without a contact) until the transaction ends. */
  async lockContactSends(m: EntityManager, key: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [`contact-send|${key}`]);
  }

  /** A delivery as its claim finds it (and the alert's severity), locked for the claim's transaction. */
  async lockForClaim(m: EntityManager, deliveryId: string) {
    const [d] = await queryRows<
      Pick<
        RowOf<typeof deliveriesTable>,
        'state' | 'coalesced_into' | 'not_before' | 'claimed_at' | 'contact_point_id' | 'group_key'
      > &
        Pick<RowOf<typeof alertsTable>, 'severity'>
    >(
      m,
      `SELECT d.state, d.coalesced_into, d.not_before, d.claimed_at, d.contact_point_id, d.group_key, a.severity
       FROM deliveries d JOIN notifications n ON n.id = d.notification_id JOIN alerts a ON a.id = n.alert_id
       WHERE d.id = $1 FOR UPDATE OF d`,
      [deliveryId],
    );
    if (!d) return null;
    const { state, coalesced_into, not_before, claimed_at, contact_point_id, group_key, severity } = d;
    return {
      state,
      coalescedInto: coalesced_into,
      notBefore: not_before,
      claimedAt: claimed_at,
      contactPointId: contact_point_id,
      groupKey: group_key,
      severity,
    };
  }

  /** When the contact's other messages were taken for sending since `since`. */
  async claimsSince(
    m: EntityManager,
    contactPointId: string,
    since: Date,
    exceptId: string,
  ): Promise<Date[]> {
    const rows = await queryRows<{ claimed_at: Date }>(
      m,
      `SELECT claimed_at FROM deliveries
       WHERE contact_point_id = $1 AND coalesced_into IS NULL AND claimed_at > $2 AND id <> $3`,
      [contactPointId, at(since), exceptId],
    );
    return rows.map((r) => r.claimed_at);
  }

  /** Whether another message to the contact is on its way (its lease has not run out). */
  async sendInFlight(m: EntityManager, contactPointId: string, exceptId: string): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(
      m,
      `SELECT id FROM deliveries
       WHERE contact_point_id = $1 AND state IN ('pending', 'queued') AND id <> $2 AND coalesced_into IS NULL
         AND lease_until > clock_timestamp() LIMIT 1`,
      [contactPointId, exceptId],
    );
    return rows.length > 0;
  }

  /** Back to pending with a new generation (its job is done; the relay queues it again when due). */
  async putBack(m: EntityManager, deliveryId: string): Promise<void> {
    await m.query(`UPDATE deliveries SET state = 'pending', generation = generation + 1 WHERE id = $1`, [
      deliveryId,
    ]);
  }

  async holdForRateLimit(m: EntityManager, deliveryId: string, until: Date): Promise<void> {
    await m.query(
      `UPDATE deliveries SET state = 'pending', not_before = $2, held_reason = 'rate-limit',
              generation = generation + 1
       WHERE id = $1`,
      [deliveryId, at(until)],
    );
  }

  /** Taken for sending: claimed (once) and leased to this sender for `leaseMs`. */
  async markClaimed(m: EntityManager, deliveryId: string, now: Date, leaseMs: number): Promise<void> {
    await m.query(
      `UPDATE deliveries SET claimed_at = coalesce(claimed_at, $2),
              lease_until = clock_timestamp() + make_interval(secs => $3::double precision / 1000)
       WHERE id = $1`,
      [deliveryId, at(now), leaseMs],
    );
  }

  /**
   * The contact's other waiting deliveries ride on this one: the held ones, all of them (`carryAll`), and those
   * of `group` whose window has come.
   */
  async carryWaiting(
    m: EntityManager,
    input: {
      deliveryId: string;
      contactPointId: string;
      carryAll: boolean;
      group: string | null;
      now: Date;
    },
  ): Promise<void> {
    await m.query(
      `UPDATE deliveries x SET coalesced_into = $1
       WHERE x.contact_point_id = $2 AND x.id <> $1 AND x.state IN ('pending', 'queued')
         AND x.coalesced_into IS NULL AND x.claimed_at IS NULL
         AND ($3 OR x.held_reason IS NOT NULL
              OR ($4::text IS NOT NULL AND x.group_key = $4 AND x.not_before IS NOT NULL AND x.not_before <= $5))`,
      [input.deliveryId, input.contactPointId, input.carryAll, input.group, at(input.now)],
    );
  }

  /** The alerts a claimed message is about: the delivery itself first, then those it carries. */
  async claimedItems(m: EntityManager, deliveryId: string): Promise<ClaimedItem[]> {
    const rows = await queryRows<ItemRow>(
      m,
      `${ITEM_SQL} WHERE d.id = $1 OR d.coalesced_into = $1 ORDER BY (d.id = $1) DESC, d.created_at, d.id`,
      [deliveryId],
    );
    return rows.map(toItem);
  }

  /** Records an attempt once (a redelivered job finds it there). Returns whether this call recorded it. */
  async insertAttempt(m: EntityManager, attempt: AttemptRow, carried: number): Promise<boolean> {
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
        carried,
      ],
    );
    return inserted.length > 0;
  }

  /**
   * Moves the delivery and those it carried to `state` after an attempt, unless already final. Returns the ids
   * that moved.
   */
  async applyAttemptState(
    m: EntityManager,
    attempt: AttemptRow,
    state: string,
    carried: readonly string[],
  ): Promise<string[]> {
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
    return changed.map((r) => r.id);
  }

  /** Carried deliveries whose alert closed before the message went: skipped, not sent. */
  async skipCarried(m: EntityManager, skipped: readonly string[]): Promise<void> {
    if (skipped.length === 0) return;
    await m.query(
      `UPDATE deliveries SET state = 'skipped', last_error = 'alert no longer open before sending', lease_until = NULL
       WHERE id = ANY($1::uuid[]) AND state IN ('pending', 'queued')`,
      [skipped],
    );
  }

  /** The audit rows of an attempt: the delivery's, and one for each delivery its summary carried. */
  async appendAttemptAudit(m: EntityManager, attempt: AttemptRow, carried: readonly string[]): Promise<void> {
    await appendDeliveryAttemptAudit(m, attempt);
    if (carried.length > 0) await appendCarriedAttemptAudit(m, attempt, carried);
  }

  /** Receipts that came before the attempt that sent their message was recorded: attached to it, in order. */
  async attachEarlyReceipts(
    m: EntityManager,
    deliveryId: string,
    providerMessageId: string,
  ): Promise<Array<{ status: string; errorCode: string | null; at: Date; source: string }>> {
    const rows = await queryRows<{
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
      [deliveryId, providerMessageId],
    );
    return rows.map((r) => ({
      status: r.status,
      errorCode: r.error_code,
      at: r.received_at,
      source: r.source,
    }));
  }

  /**
   * For each failed delivery, the person's other verified channels not yet used for that notification get a
   * delivery of their own (SMS only when `smsEnabled`). Returns them, to queue.
   */
  async insertFallbacks(
    m: EntityManager,
    failedIds: readonly string[],
    now: Date,
    smsEnabled: boolean,
  ): Promise<Array<{ id: string; generation: number }>> {
    return queryRows<{ id: string; generation: number }>(
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
  }

  /** The notifications of these failed deliveries, with their alerts and whether any delivery is still alive. */
  async failedNotifications(
    m: EntityManager,
    failedIds: readonly string[],
  ): Promise<FailedNotificationRow[]> {
    const rows = await queryRows<{
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
    return rows.map((n) => ({
      notificationId: n.notification_id,
      tier: n.tier,
      alertId: n.alert_id,
      reference: n.reference,
      kind: n.kind,
      alertState: n.alert_state,
      careTeamId: n.care_team_id,
      escalationPolicyId: n.escalation_policy_id,
      alive: n.alive,
    }));
  }

  /**
   * A transaction-scoped lock on one provider message id: its attempt and its receipts, one at a time. A receipt
   * can overtake the attempt that sent its message; under the lock, either the attempt has committed and the
   * receipt applies to it, or the receipt has, and the attempt finds it.
   */
  async lockProviderMessage(m: EntityManager, providerMessageId: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [
      `provider-message|${providerMessageId}`,
    ]);
  }

  /** The delivery that sent this provider message, locked; null when none has it (yet). */
  async lockForReceipt(
    m: EntityManager,
    providerMessageId: string,
  ): Promise<{ id: string; state: string; providerStatus: string | null } | null> {
    const [d] = await queryRows<{ id: string; state: string; provider_status: string | null }>(
      m,
      `SELECT id, state, provider_status FROM deliveries WHERE provider_message_id = $1 FOR UPDATE`,
      [providerMessageId],
    );
    return d ? { id: d.id, state: d.state, providerStatus: d.provider_status } : null;
  }

  /** Keeps a receipt, once per message and status. Returns whether this call kept it. */
  async insertReceipt(m: EntityManager, deliveryId: string | null, receipt: ReceiptRow): Promise<boolean> {
    const recorded = await queryRows<{ id: string }>(
      m,
      `INSERT INTO delivery_receipts (delivery_id, provider_message_id, status, error_code, source, received_at, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (provider_message_id, lower(status)) DO NOTHING RETURNING id`,
      [
        deliveryId,
        receipt.providerMessageId,
        receipt.status,
        receipt.errorCode,
        receipt.source,
        at(receipt.at),
        JSON.stringify(receipt.detail ?? {}),
      ],
    );
    return recorded.length > 0;
  }

  /** The provider's status on the attempt that sent the message. */
  async setAttemptProviderStatus(m: EntityManager, deliveryId: string, receipt: ReceiptRow): Promise<void> {
    await m.query(
      `UPDATE delivery_attempts SET provider_status = $2, status_at = $3
       WHERE delivery_id = $1 AND provider_message_id = $4`,
      [deliveryId, receipt.status, at(receipt.at), receipt.providerMessageId],
    );
  }

  /**
   * Delivered: the message and what it carried. A late "delivered" after we gave up waiting (no-receipt) still
   * tells the truth about the message. Returns the ids that moved.
   */
  async markDelivered(m: EntityManager, deliveryId: string, receipt: ReceiptRow): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      m,
      `UPDATE deliveries SET state = 'delivered', delivered_at = $2, provider_status = $3
       WHERE (id = $1 OR coalesced_into = $1)
         AND (state = 'sent' OR (state = 'failed' AND provider_status = 'no-receipt')) RETURNING id`,
      [deliveryId, at(receipt.at), receipt.status],
    );
    return rows.map((r) => r.id);
  }

  /** Failed after it was sent (the provider's word, or no word in time). Returns the ids that moved. */
  async markUndelivered(
    m: EntityManager,
    deliveryId: string,
    receipt: ReceiptRow,
    why: string,
  ): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      m,
      `UPDATE deliveries SET state = 'failed', failed_at = $2, provider_status = $3, last_error = $4
       WHERE (id = $1 OR coalesced_into = $1) AND state = 'sent' RETURNING id`,
      [deliveryId, at(receipt.at), receipt.status, why],
    );
    return rows.map((r) => r.id);
  }

  /** The provider's latest word on the message and what it carried. */
  async setProviderStatus(m: EntityManager, deliveryId: string, status: string): Promise<void> {
    await m.query(`UPDATE deliveries SET provider_status = $2 WHERE id = $1 OR coalesced_into = $1`, [
      deliveryId,
      status,
    ]);
  }

  /** The audit rows of a receipt that settled deliveries (delivered or failed). */
  async appendReceiptAudit(
    m: EntityManager,
    deliveryIds: readonly string[],
    receipt: ReceiptRow,
    settled: 'delivered' | 'failed',
  ): Promise<void> {
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
        deliveryIds,
        at(receipt.at),
        settled,
        receipt.status,
        receipt.errorCode,
        receipt.source,
        receipt.providerMessageId,
      ],
    );
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
  attempt: AttemptRow,
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
