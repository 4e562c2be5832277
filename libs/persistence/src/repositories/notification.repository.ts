import { Injectable } from '@nestjs/common';
import { type Severity } from '@alem/clinical';
import { type Channel, type EscalationTarget, firstChannels, hurriesNextTier } from '@alem/notifications';
import { DataSource, type EntityManager } from 'typeorm';
import { AlertLedger } from '../alert-ledger/alert-ledger';
import { type UnreachableRaised } from '../alert-ledger/unreachable-alert';
import { queryRows } from '../query-rows';
import { hurryEscalation, type PinnedPolicy, pinnedPolicyOf, startEscalation } from './escalation.repository';

export interface DispatchRecipient {
  userId: string;
  contactPointId: string;
  channel: Channel;
  address: string;
}

export interface DispatchPlan {
  notificationId: string;
  state: string;
  reason: string;
  tier: number;
  alertId: string;
  alertReference: string;
  alertKind: string;
  alertState: string;
  severity: Severity;
  patientId: string | null;
  careTeamId: string | null;
  siteId: string | null;
  pinned: PinnedPolicy;
  /** The tier's people with the contact points this severity uses first. */
  recipients: DispatchRecipient[];
  /** People of the tier without any usable verified contact (for the record). */
  unreachableUserIds: string[];
}

export interface DispatchSettings {
  /** Warnings to one person about one patient within this window go as one message (0: none). */
  warningGroupWindowMs: number;
  /** Whether SMS can be sent at all (a provider is configured). */
  smsEnabled: boolean;
}

export interface DispatchOutcome {
  /** Deliveries to queue now (their `not_before` has come). */
  due: Array<{ id: string; generation: number }>;
  /** True when this call moved the notification to `dispatched` (a retried job finds it done). */
  first: boolean;
  /** Nobody at the tier had a usable contact: the admins' alert, and whether the next tier was hurried. */
  unreachable: UnreachableRaised | null;
  hurried: boolean;
}

const at = (d: Date) => d.toISOString();

/** No grouping, SMS allowed: what a caller that only reads a plan (a test) needs. */
export const DEFAULT_DISPATCH_SETTINGS: DispatchSettings = { warningGroupWindowMs: 0, smsEnabled: true };

/** The notification outbox, as the notifier's relay and dispatcher use it. */
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

  /**
   * The notification, its alert and pinned escalation policy, and who the notification's tier pages: the
   * verified contact points of those people that the alert's severity uses first (critical: SMS and email;
   * warning: email, else SMS). An alert without a patient (a quiet lab feed) belongs to the team its
   * `alert_routes` row names; an `unreachable` alert pages the admins.
   */
  async loadDispatchPlan(
    notificationId: string,
    settings: DispatchSettings = DEFAULT_DISPATCH_SETTINGS,
  ): Promise<DispatchPlan | null> {
    const m = this.dataSource.manager;
    const [head] = await queryRows<{
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
    if (!head) return null;
    const pinned = await pinnedPolicyOf(m, this.ledger, {
      id: head.alert_id,
      kind: head.kind,
      careTeamId: head.care_team_id,
      escalationPolicyId: head.escalation_policy_id,
    });
    const tier = pinned.policy.tiers[Math.min(Math.max(head.tier, 1), pinned.policy.tiers.length) - 1]!;
    const userIds = await this.resolveTargets(m, tier.targets, head.care_team_id, head.site_id);
    const contacts = await queryRows<{ user_id: string; id: string; channel: Channel; address: string }>(
      m,
      `SELECT c.user_id, c.id, c.channel, c.address
       FROM contact_points c JOIN users u ON u.id = c.user_id AND u.active
       WHERE c.user_id = ANY($1::uuid[]) AND c.verified_at IS NOT NULL AND ($2 OR c.channel <> 'sms')
       ORDER BY c.user_id, c.created_at, c.id`,
      [userIds, settings.smsEnabled],
    );
    const byUser = new Map<string, typeof contacts>();
    for (const c of contacts) byUser.set(c.user_id, [...(byUser.get(c.user_id) ?? []), c]);
    // Info is never paged; an info notification (none is written today) would reach nobody.
    const severity: Severity = head.severity;
    const recipients: DispatchRecipient[] = [];
    const unreachableUserIds: string[] = [];
    for (const userId of userIds) {
      const own = byUser.get(userId) ?? [];
      const channels = firstChannels(severity, new Set(own.map((c) => c.channel)));
      const chosen = own.filter((c) => channels.includes(c.channel));
      if (chosen.length === 0) unreachableUserIds.push(userId);
      for (const c of chosen) {
        recipients.push({ userId, contactPointId: c.id, channel: c.channel, address: c.address });
      }
    }
    return {
      notificationId,
      state: head.state,
      reason: head.reason,
      tier: head.tier,
      alertId: head.alert_id,
      alertReference: head.reference,
      alertKind: head.kind,
      alertState: head.alert_state,
      severity,
      patientId: head.patient_id,
      careTeamId: head.care_team_id,
      siteId: head.site_id,
      pinned,
      recipients,
      unreachableUserIds,
    };
  }

  /** The people a tier's targets name (distinct, in a stable order). */
  private async resolveTargets(
    m: EntityManager,
    targets: readonly EscalationTarget[],
    careTeamId: string | null,
    siteId: string | null,
  ): Promise<string[]> {
    const ids: string[] = [];
    const add = (rows: Array<{ user_id: string }>) => {
      for (const r of rows) if (!ids.includes(r.user_id)) ids.push(r.user_id);
    };
    const admins = () =>
      queryRows<{ user_id: string }>(
        m,
        `SELECT id AS user_id FROM users WHERE active AND 'admin' = ANY(roles) ORDER BY created_at, id`,
      );
    for (const target of targets) {
      switch (target.type) {
        case 'on-duty': {
          if (!careTeamId) break;
          const onDuty = await queryRows<{ user_id: string }>(
            m,
            `SELECT user_id FROM care_team_members WHERE care_team_id = $1 AND on_duty ORDER BY user_id`,
            [careTeamId],
          );
          // Nobody marked on duty: the whole team holds the first tier.
          add(
            onDuty.length > 0
              ? onDuty
              : await queryRows(
                  m,
                  `SELECT user_id FROM care_team_members WHERE care_team_id = $1 ORDER BY user_id`,
                  [careTeamId],
                ),
          );
          break;
        }
        case 'team':
          if (!careTeamId) break;
          add(
            await queryRows(
              m,
              `SELECT user_id FROM care_team_members
               WHERE care_team_id = $1 AND ($2::text[] IS NULL OR role = ANY($2::text[])) ORDER BY user_id`,
              [careTeamId, target.roles ?? null],
            ),
          );
          break;
        case 'safety-officers': {
          const officers = siteId
            ? await queryRows<{ user_id: string }>(
                m,
                `SELECT DISTINCT m.user_id FROM care_team_members m JOIN care_teams t ON t.id = m.care_team_id
                 WHERE t.site_id = $1 AND m.role = 'safety-officer' ORDER BY m.user_id`,
                [siteId],
              )
            : [];
          add(officers.length > 0 ? officers : await admins());
          break;
        }
        case 'admins':
          add(await admins());
          break;
        case 'user':
          add([{ user_id: target.userId }]);
          break;
      }
    }
    return ids;
  }

  /**
   * Creates one delivery per recipient contact (once: a repeated dispatch finds them already there), marks the
   * notification dispatched and, the first time: starts the alert's escalation timer (a new alert or a raised
   * severity starts at its tier), or, when nobody at the tier could be reached, raises the admins' `unreachable`
   * alert and lets the next tier take over at once. Returns the deliveries to queue now.
   *
   * A warning to a person about a patient waits for the group window; a warning that finds one of the same
   * patient still waiting joins it (they go as one message). Critical messages never wait.
   */
  async createDeliveries(
    plan: DispatchPlan,
    now: Date,
    settings: DispatchSettings,
  ): Promise<DispatchOutcome> {
    return this.dataSource.transaction(async (m) => {
      const recipients = plan.recipients;
      const groupKey = plan.patientId ?? plan.alertId;
      const window = plan.severity === 'warning' ? settings.warningGroupWindowMs : 0;
      if (recipients.length > 0) {
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
            plan.notificationId,
            recipients.map((r) => r.userId),
            recipients.map((r) => r.contactPointId),
            recipients.map((r) => r.channel),
            recipients.map((r) => r.address),
            at(now),
            groupKey,
            window,
          ],
        );
      }
      const first = await this.ledger.markNotificationDispatched(m, {
        notificationId: plan.notificationId,
        alertId: plan.alertId,
        detail: {
          recipients: recipients.length,
          tier: plan.tier,
          tierName: plan.pinned.policy.tiers[plan.tier - 1]?.name ?? null,
          escalationPolicyId: plan.pinned.policyId,
          policyVersion: plan.pinned.version,
        },
        now,
      });
      let unreachable: UnreachableRaised | null = null;
      let hurried = false;
      if (first) {
        if (plan.reason !== 'escalated' && plan.alertState === 'open') {
          await startEscalation(m, {
            alertId: plan.alertId,
            pinned: plan.pinned,
            severity: plan.severity,
            tier: plan.tier,
            now,
          });
        }
        if (recipients.length === 0 && plan.alertState === 'open' && plan.severity !== 'info') {
          unreachable = await this.ledger.raiseUnreachable(m, {
            alertId: plan.alertId,
            reference: plan.alertReference,
            kind: plan.alertKind,
            tier: plan.tier,
            reason: 'no verified contact',
            now,
          });
          hurried =
            hurriesNextTier(plan.pinned.policy, plan.tier) &&
            (await hurryEscalation(m, { alertId: plan.alertId, tier: plan.tier, now }));
        }
      }
      const due = await queryRows<{ id: string; generation: number }>(
        m,
        `SELECT id, generation FROM deliveries
         WHERE notification_id = $1 AND state IN ('pending', 'queued') AND coalesced_into IS NULL
           AND (not_before IS NULL OR not_before <= $2)
         ORDER BY created_at, id`,
        [plan.notificationId, at(now)],
      );
      return { due, first, unreachable, hurried };
    });
  }
}
