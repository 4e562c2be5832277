import { Injectable } from '@nestjs/common';
import {
  AlertLedger,
  type ContactPointRow,
  type NotificationHead,
  NotificationRepository,
  type UnreachableRaised,
} from '@alem/persistence';
import {
  afterFirstDispatch,
  chooseRecipients,
  type EscalationTarget,
  groupWindowMs,
  tierAt,
} from '@alem/notifications';
import { DataSource, type EntityManager } from 'typeorm';
import { EscalationService, type PinnedPolicy } from './escalation.service';

/** A notification, its alert and pinned policy, and who its tier pages. */
export interface DispatchPlan extends NotificationHead {
  notificationId: string;
  pinned: PinnedPolicy;
  /** The tier's people with the contact points this severity uses first. */
  recipients: ContactPointRow[];
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

/** No grouping, SMS allowed: what a caller that only reads a plan (a test) needs. */
export const DEFAULT_DISPATCH_SETTINGS: DispatchSettings = { warningGroupWindowMs: 0, smsEnabled: true };

/**
 * A notification (an outbox row: "people must hear about this alert") expanded into deliveries: who its tier
 * pages (`resolveTargets`), on which contacts (`chooseRecipients`), and what a first dispatch sets going
 * (`afterFirstDispatch`: the escalation timer, or the admins' `unreachable` alert and the next tier).
 */
@Injectable()
export class DispatchService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly notifications: NotificationRepository,
    private readonly escalation: EscalationService,
    private readonly ledger: AlertLedger,
  ) {}

  /**
   * The notification, its alert and pinned escalation policy, and who the notification's tier pages: the
   * verified contact points of those people that the alert's severity uses first (critical: SMS and email;
   * warning: email, else SMS). An alert without a patient (a quiet lab feed) belongs to the team its
   * `alert_routes` row names; an `unreachable` alert pages the admins.
   */
  async loadPlan(
    notificationId: string,
    settings: DispatchSettings = DEFAULT_DISPATCH_SETTINGS,
  ): Promise<DispatchPlan | null> {
    const m = this.dataSource.manager;
    const head = await this.notifications.head(m, notificationId);
    if (!head) return null;
    const pinned = await this.escalation.pinnedPolicy(m, {
      id: head.alertId,
      kind: head.alertKind,
      careTeamId: head.careTeamId,
      escalationPolicyId: head.escalationPolicyId,
    });
    const tier = tierAt(pinned.policy, head.tier);
    const userIds = await this.resolveTargets(m, tier.targets, head.careTeamId, head.siteId);
    const contacts = await this.notifications.verifiedContacts(m, userIds, settings.smsEnabled);
    // Info is never paged; an info notification (none is written today) would reach nobody.
    const { recipients, unreachableUserIds } = chooseRecipients(userIds, contacts, head.severity);
    return { ...head, notificationId, pinned, recipients, unreachableUserIds };
  }

  /**
   * The people a tier's targets name (distinct, in a stable order). Nobody marked on duty: the whole team holds
   * the tier; no safety officer at the site: the admins.
   */
  private async resolveTargets(
    m: EntityManager,
    targets: readonly EscalationTarget[],
    careTeamId: string | null,
    siteId: string | null,
  ): Promise<string[]> {
    const ids: string[] = [];
    const add = (userIds: readonly string[]) => {
      for (const id of userIds) if (!ids.includes(id)) ids.push(id);
    };
    for (const target of targets) {
      switch (target.type) {
        case 'on-duty': {
          if (!careTeamId) break;
          const onDuty = await this.notifications.onDuty(m, careTeamId);
          add(onDuty.length > 0 ? onDuty : await this.notifications.teamMembers(m, careTeamId, null));
          break;
        }
        case 'team':
          if (careTeamId) add(await this.notifications.teamMembers(m, careTeamId, target.roles ?? null));
          break;
        case 'safety-officers': {
          const officers = siteId ? await this.notifications.safetyOfficers(m, siteId) : [];
          add(officers.length > 0 ? officers : await this.notifications.admins(m));
          break;
        }
        case 'admins':
          add(await this.notifications.admins(m));
          break;
        case 'user':
          add([target.userId]);
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
      await this.notifications.insertDeliveries(m, {
        notificationId: plan.notificationId,
        recipients,
        groupKey: plan.patientId ?? plan.alertId,
        groupWindowMs: groupWindowMs(plan.severity, settings.warningGroupWindowMs),
        now,
      });
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
        const next = afterFirstDispatch({ ...plan, recipients: recipients.length });
        if (next.startTimer) {
          await this.escalation.startTimer(m, {
            alertId: plan.alertId,
            pinned: plan.pinned,
            severity: plan.severity,
            tier: plan.tier,
            now,
          });
        }
        if (next.nobodyReachable) {
          unreachable = await this.ledger.raiseUnreachable(m, {
            alertId: plan.alertId,
            reference: plan.alertReference,
            kind: plan.alertKind,
            tier: plan.tier,
            reason: 'no verified contact',
            now,
          });
          hurried = await this.escalation.hurryNextTier(m, {
            alertId: plan.alertId,
            tier: plan.tier,
            policy: plan.pinned.policy,
            now,
          });
        }
      }
      const due = await this.notifications.dueDeliveries(m, plan.notificationId, now);
      return { due, first, unreachable, hurried };
    });
  }
}
