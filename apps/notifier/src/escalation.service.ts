import { Injectable } from '@nestjs/common';
import { type Severity } from '@alem/clinical';
import { AlertLedger, type EscalationAuditStep, EscalationRepository } from '@alem/persistence';
import {
  type EscalationPolicyDefinition,
  hurriesNextTier,
  nextEscalation,
  policyForAlert,
  tierTimeoutMs,
} from '@alem/notifications';
import { DataSource, type EntityManager } from 'typeorm';

/** The policy an alert escalates along, and where it was pinned. */
export interface PinnedPolicy {
  policyId: string | null;
  version: number | null;
  careTeamId: string | null;
  policy: EscalationPolicyDefinition;
}

/** One escalation step the sweep took: the alert's next tier was told (or its escalation stopped). */
export interface EscalationStep extends EscalationAuditStep {
  outcome: 'escalated' | 'stopped';
  /** Why it stopped (the alert's state), when it did. */
  stopReason?: string;
}

/**
 * Escalation by the alert's pinned policy (`@alem/notifications`): the timer a first dispatch starts, the next
 * tier paged at once when nobody at a tier could be reached, and the sweep that moves due timers on. The timers'
 * queries are `EscalationRepository`'s; outbox rows and timeline entries go through the `AlertLedger`.
 */
@Injectable()
export class EscalationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly escalations: EscalationRepository,
    private readonly ledger: AlertLedger,
  ) {}

  /**
   * The escalation policy an alert follows: `unreachable` alerts page the admins; others the version pinned
   * when they opened (pinned now, as of the team's version in force, if a row predates the trigger).
   */
  async pinnedPolicy(
    m: EntityManager,
    alert: { id: string; kind: string; careTeamId: string | null; escalationPolicyId: string | null },
  ): Promise<PinnedPolicy> {
    const policyId =
      alert.escalationPolicyId ?? (await this.ledger.pinEscalationPolicy(m, alert.id, alert.careTeamId));
    const row = policyId ? await this.escalations.policyVersion(m, policyId) : null;
    return {
      policyId,
      version: row?.version ?? null,
      careTeamId: row?.careTeamId ?? null,
      policy: policyForAlert(alert.kind, row?.definition ?? null),
    };
  }

  /**
   * Starts (or restarts, after a severity raise) an alert's escalation at a tier: the tier has its time limit
   * from now. Info alerts are never escalated.
   */
  async startTimer(
    m: EntityManager,
    input: { alertId: string; pinned: PinnedPolicy; severity: Severity; tier: number; now: Date },
  ): Promise<void> {
    const timeout = tierTimeoutMs(input.pinned.policy, input.tier, input.severity);
    if (timeout === null) return;
    await this.escalations.startTimer(m, {
      alertId: input.alertId,
      policyId: input.pinned.policyId,
      severity: input.severity,
      tier: input.tier,
      nextAt: new Date(input.now.getTime() + timeout),
      now: input.now,
    });
  }

  /**
   * Nobody could be reached at a tier (no verified contact, or every message failed): the next tier takes over at
   * once, unless this is the last tier (`hurriesNextTier`: it is then reminded at its normal time; the admins hear
   * of it through the `unreachable` alert). Returns whether the escalation was hurried.
   */
  async hurryNextTier(
    m: EntityManager,
    input: { alertId: string; tier: number; policy: EscalationPolicyDefinition; now: Date },
  ): Promise<boolean> {
    if (!hurriesNextTier(input.policy, input.tier)) return false;
    return this.escalations.hurryTimer(m, input.alertId, input.tier, input.now);
  }

  /**
   * Takes the due timers (several notifiers share them without doubling a page). For each: an alert no longer
   * open (or info) stops; an open one moves to its next tier (`nextEscalation`: an outbox row with reason
   * `escalated`, a timeline entry, the next time limit), in one transaction per batch.
   */
  async sweepDue(now: Date, limit: number): Promise<EscalationStep[]> {
    return this.dataSource.transaction(async (m) => {
      const steps: EscalationStep[] = [];
      for (const e of await this.escalations.takeDue(m, now, limit)) {
        if (e.alertState !== 'open' || e.severity === 'info') {
          await this.escalations.endTimer(m, e.alertId, e.alertState === 'open' ? 'info' : e.alertState, now);
          steps.push({
            alertId: e.alertId,
            outcome: 'stopped',
            fromTier: e.tier,
            toTier: e.tier,
            cycle: e.cycle,
            notificationId: null,
            stopReason: e.alertState,
          });
          continue;
        }
        const unreachable = e.alertKind === 'unreachable';
        const policy = policyForAlert(e.alertKind, e.definition);
        const next = nextEscalation(policy, { tier: e.tier, cycle: e.cycle });
        const timeout = tierTimeoutMs(policy, next.tier, e.severity)!;
        const notificationId = await this.ledger.escalate(m, {
          alertId: e.alertId,
          severity: e.severity,
          tier: next.tier,
          detail: {
            fromTier: e.tier,
            toTier: next.tier,
            tierName: policy.tiers[next.tier - 1]?.name ?? null,
            cycle: next.cycle,
            reminder: next.reminder,
            escalationPolicyId: unreachable ? null : e.escalationPolicyId,
            policyVersion: unreachable ? null : e.version,
          },
          now,
        });
        await this.escalations.advanceTimer(m, {
          alertId: e.alertId,
          tier: next.tier,
          cycle: next.cycle,
          nextAt: new Date(now.getTime() + timeout),
          now,
        });
        steps.push({
          alertId: e.alertId,
          outcome: 'escalated',
          fromTier: e.tier,
          toTier: next.tier,
          cycle: next.cycle,
          notificationId,
        });
      }
      // The audit rows of the steps, last in the transaction (they wait on the audit chain's lock).
      await this.escalations.appendEscalationAudit(
        m,
        steps.filter((st) => st.outcome === 'escalated'),
        now,
      );
      return steps;
    });
  }
}
