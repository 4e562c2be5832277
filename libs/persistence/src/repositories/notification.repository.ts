import { Injectable } from '@nestjs/common';
import { type Severity } from '@alem/clinical';
import { DataSource, type EntityManager } from 'typeorm';
import { AlertLedger } from '../alert-ledger/alert-ledger';
import { queryRows } from '../query-rows';

/** A notification with its alert and where the alert belongs: what its dispatch starts from. */
export interface NotificationHead {
  state: string;
  reason: string;
  tier: number;
  alertId: string;
  alertReference: string;
  alertKind: string;
  alertState: string;
  severity: Severity;
  patientId: string | null;
  /** The patient's team, or the team an alert without a patient is routed to. */
  careTeamId: string | null;
  siteId: string | null;
  escalationPolicyId: string | null;
}

/** A verified contact point of an active person. */
export interface ContactPointRow {
  userId: string;
  contactPointId: string;
  channel: 'email' | 'sms';
  address: string;
}

const at = (d: Date) => d.toISOString();

/**
 * The notification outbox and the people a notification can reach: the queries of the notifier's relay and
 * `DispatchService`, which decides who is paged, on which channels, and what follows. Outbox state changes go
 * through the `AlertLedger`.
 */
@Injectable()
export class NotificationRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: AlertLedger,
  ) {}

  /**
   * Outbox rows due for queueing: pending ones, and queued ones not dispatched after `staleAfterMs` (their
   * job may have been lost with a Redis restart; re-adding with the same job id is harmless).
   */
  async findUndispatched(
    now: Date,
    staleAfterMs: number,
    limit: number,
  ): Promise<Array<{ id: string; stale: boolean }>> {
    const rows: Array<{ id: string; stale: boolean }> = await this.dataSource.query(
      `SELECT id, state = 'queued' AS stale FROM notifications
       WHERE available_at <= $1
         AND (state = 'pending' OR (state = 'queued' AND queued_at < $1::timestamptz - make_interval(secs => $2::double precision / 1000)))
       ORDER BY available_at LIMIT $3`,
      [now.toISOString(), staleAfterMs, limit],
    );
    return rows;
  }

  async markQueued(ids: readonly string[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.ledger.markNotificationsQueued(this.dataSource.manager, ids, now);
  }

  async head(m: Pick<EntityManager, 'query'>, notificationId: string): Promise<NotificationHead | null> {
    const [row] = await queryRows<{
      state: string;
      reason: string;
      tier: number;
      alert_id: string;
      reference: string;
      kind: string;
      alert_state: string;
      severity: Severity;
      patient_id: string | null;
      care_team_id: string | null;
      site_id: string | null;
      escalation_policy_id: string | null;
    }>(
      m,
      `SELECT n.state, n.reason, n.tier, n.alert_id, a.reference, a.kind, a.state AS alert_state, a.severity,
              a.patient_id, coalesce(p.care_team_id, r.care_team_id) AS care_team_id, t.site_id, a.escalation_policy_id
       FROM notifications n JOIN alerts a ON a.id = n.alert_id LEFT JOIN patients p ON p.id = a.patient_id
       LEFT JOIN alert_routes r ON r.alert_id = a.id
       LEFT JOIN care_teams t ON t.id = coalesce(p.care_team_id, r.care_team_id)
       WHERE n.id = $1`,
      [notificationId],
    );
    if (!row) return null;
    return {
      state: row.state,
      reason: row.reason,
      tier: row.tier,
      alertId: row.alert_id,
      alertReference: row.reference,
      alertKind: row.kind,
      alertState: row.alert_state,
      severity: row.severity,
      patientId: row.patient_id,
      careTeamId: row.care_team_id,
      siteId: row.site_id,
      escalationPolicyId: row.escalation_policy_id,
    };
  }

  /** The team's members marked on duty. */
  async onDuty(m: Pick<EntityManager, 'query'>, careTeamId: string): Promise<string[]> {
    return this.userIds(
      m,
      `SELECT user_id FROM care_team_members WHERE care_team_id = $1 AND on_duty ORDER BY user_id`,
      [careTeamId],
    );
  }

  /** The team's members, or those with one of `roles`. */
  async teamMembers(
    m: Pick<EntityManager, 'query'>,
    careTeamId: string,
    roles: readonly string[] | null,
  ): Promise<string[]> {
    return this.userIds(
      m,
      `SELECT user_id FROM care_team_members
       WHERE care_team_id = $1 AND ($2::text[] IS NULL OR role = ANY($2::text[])) ORDER BY user_id`,
      [careTeamId, roles],
    );
  }

  /** The safety officers of any team of the site. */
  async safetyOfficers(m: Pick<EntityManager, 'query'>, siteId: string): Promise<string[]> {
    return this.userIds(
      m,
      `SELECT DISTINCT m.user_id FROM care_team_members m JOIN care_teams t ON t.id = m.care_team_id
       WHERE t.site_id = $1 AND m.role = 'safety-officer' ORDER BY m.user_id`,
      [siteId],
    );
  }

  async admins(m: Pick<EntityManager, 'query'>): Promise<string[]> {
    return this.userIds(
      m,
      `SELECT id AS user_id FROM users WHERE active AND 'admin' = ANY(roles) ORDER BY created_at, id`,
    );
  }

  private async userIds(
    m: Pick<EntityManager, 'query'>,
    sql: string,
    params: unknown[] = [],
  ): Promise<string[]> {
    return (await queryRows<{ user_id: string }>(m, sql, params)).map((r) => r.user_id);
  }

  /** The verified contact points of these people who are active (SMS only when `smsEnabled`). */
  async verifiedContacts(
    m: Pick<EntityManager, 'query'>,
    userIds: readonly string[],
    smsEnabled: boolean,
  ): Promise<ContactPointRow[]> {
    const rows = await queryRows<{ user_id: string; id: string; channel: 'email' | 'sms'; address: string }>(
      m,
      `SELECT c.user_id, c.id, c.channel, c.address
       FROM contact_points c JOIN users u ON u.id = c.user_id AND u.active
       WHERE c.user_id = ANY($1::uuid[]) AND c.verified_at IS NOT NULL AND ($2 OR c.channel <> 'sms')
       ORDER BY c.user_id, c.created_at, c.id`,
      [userIds, smsEnabled],
    );
    return rows.map((r) => ({
      userId: r.user_id,
      contactPointId: r.id,
      channel: r.channel,
      address: r.address,
    }));
  }

  /**
   * One delivery per recipient contact (once: a repeated dispatch finds them there). With a group window, a
   * delivery waits that long, or joins one of its group still waiting for the same contact.
   */
  async insertDeliveries(
    m: EntityManager,
    input: {
      notificationId: string;
      recipients: readonly ContactPointRow[];
      groupKey: string;
      groupWindowMs: number;
      now: Date;
    },
  ): Promise<void> {
    const { recipients } = input;
    if (recipients.length === 0) return;
    await m.query(
      `INSERT INTO deliveries (notification_id, user_id, contact_point_id, channel, address, created_at, group_key, not_before)
       SELECT $1, t.user_id, t.contact_point_id, t.channel, t.address, $6, $7,
              CASE WHEN $8::int > 0 THEN coalesce(
                (SELECT max(w.not_before) FROM deliveries w
                 WHERE w.contact_point_id = t.contact_point_id AND w.group_key = $7 AND w.state IN ('pending', 'queued')
                   AND w.claimed_at IS NULL AND w.coalesced_into IS NULL AND w.held_reason IS NULL AND w.not_before > $6),
                $6::timestamptz + make_interval(secs => $8::double precision / 1000)) END
       FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[]) AS t(user_id, contact_point_id, channel, address)
       ON CONFLICT (notification_id, contact_point_id) DO NOTHING`,
      [
        input.notificationId,
        recipients.map((r) => r.userId),
        recipients.map((r) => r.contactPointId),
        recipients.map((r) => r.channel),
        recipients.map((r) => r.address),
        at(input.now),
        input.groupKey,
        input.groupWindowMs,
      ],
    );
  }

  /** The notification's deliveries to queue now (their group window has come). */
  async dueDeliveries(
    m: EntityManager,
    notificationId: string,
    now: Date,
  ): Promise<Array<{ id: string; generation: number }>> {
    return queryRows<{ id: string; generation: number }>(
      m,
      `SELECT id, generation FROM deliveries
       WHERE notification_id = $1 AND state IN ('pending', 'queued') AND coalesced_into IS NULL
         AND (not_before IS NULL OR not_before <= $2)
       ORDER BY created_at, id`,
      [notificationId, at(now)],
    );
  }
}
