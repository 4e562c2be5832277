import { Injectable } from '@nestjs/common';
import { type Severity } from '@alem/clinical';
import {
  type EscalationPolicyDefinition,
  nextEscalation,
  parseEscalationPolicy,
  tierTimeoutMs,
  UNREACHABLE_POLICY,
} from '@alem/notifications';
import { DataSource, type EntityManager } from 'typeorm';
import { AlertLedger } from '../alert-ledger/alert-ledger';
import { queryRows } from '../query-rows';

/** The policy an alert escalates along, and where it was pinned. */
export interface PinnedPolicy {
  policyId: string | null;
  version: number | null;
  careTeamId: string | null;
  policy: EscalationPolicyDefinition;
}

/** One escalation step the sweep took: the alert's next tier was told (or its escalation stopped). */
export interface EscalationStep {
  alertId: string;
  outcome: 'escalated' | 'stopped';
  fromTier: number;
  toTier: number;
  cycle: number;
  notificationId: string | null;
  /** Why it stopped (the alert's state), when it did. */
  stopReason?: string;
}

const at = (d: Date) => d.toISOString();

/**
 * The escalation policy an alert follows: `unreachable` alerts page the admins; others the version pinned
 * when they opened (pinned now, as of the team's version in force, if a row predates the trigger).
 */
export async function pinnedPolicyOf(
  m: Pick<EntityManager, 'query'>,
  ledger: AlertLedger,
  alert: { id: string; kind: string; careTeamId: string | null; escalationPolicyId: string | null },
): Promise<PinnedPolicy> {
  const policyId =
    alert.escalationPolicyId ?? (await ledger.pinEscalationPolicy(m, alert.id, alert.careTeamId));
  const [row] = policyId
    ? await queryRows<{ version: number; care_team_id: string | null; definition: unknown }>(
        m,
        `SELECT version, care_team_id, definition FROM escalation_policies WHERE id = $1`,
        [policyId],
      )
    : [];
  return {
    policyId,
    version: row?.version ?? null,
    careTeamId: row?.care_team_id ?? null,
    policy:
      alert.kind === 'unreachable' ? UNREACHABLE_POLICY : parseEscalationPolicy(row?.definition ?? null),
  };
}

/**
 * Starts (or restarts, after a severity raise) an alert's escalation at a tier: the tier has its time limit
 * from now. Info alerts are never escalated.
 */
export async function startEscalation(
  m: EntityManager,
  input: { alertId: string; pinned: PinnedPolicy; severity: Severity; tier: number; now: Date },
): Promise<void> {
  const timeout = tierTimeoutMs(input.pinned.policy, input.tier, input.severity);
  if (timeout === null) return;
  await m.query(
    `INSERT INTO alert_escalations (alert_id, escalation_policy_id, severity, tier, cycle, next_at, started_at, updated_at)
     VALUES ($1, coalesce($2::uuid, escalation_policy_in_force(NULL)), $3, $4, 0, $5, $6, $6)
     ON CONFLICT (alert_id) DO UPDATE SET escalation_policy_id = EXCLUDED.escalation_policy_id,
       severity = EXCLUDED.severity, tier = EXCLUDED.tier, cycle = 0, next_at = EXCLUDED.next_at,
       updated_at = EXCLUDED.updated_at, stopped_at = NULL, stop_reason = NULL`,
    [
      input.alertId,
      input.pinned.policyId,
      input.severity,
      input.tier,
      at(new Date(input.now.getTime() + timeout)),
      at(input.now),
    ],
  );
}

/**
 * Nobody could be reached at a tier and the policy lets the next tier take over at once (`hurriesNextTier`): its
 * timer runs out now. Returns whether the escalation was hurried (it was still waiting at that tier).
 */
export async function hurryEscalation(
  m: EntityManager,
  input: { alertId: string; tier: number; now: Date },
): Promise<boolean> {
  const rows = await queryRows<{ alert_id: string }>(
    m,
    `UPDATE alert_escalations SET next_at = $3, updated_at = $3
     WHERE alert_id = $1 AND tier = $2 AND next_at IS NOT NULL AND next_at > $3 RETURNING alert_id`,
    [input.alertId, input.tier, at(input.now)],
  );
  return rows.length > 0;
}

/** The durable escalation timers: swept by the notifier, stopped by acknowledgement. */
@Injectable()
export class EscalationRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: AlertLedger,
  ) {}

  /**
   * Takes the due timers (`next_at <= now`) with FOR UPDATE SKIP LOCKED, so several notifiers share them
   * without doubling a page. For each: an alert no longer open stops; an open one moves to its next tier (an
   * outbox row with reason `escalated`, a timeline entry, the next time limit), in one transaction per batch.
   */
  async sweepDue(now: Date, limit: number): Promise<EscalationStep[]> {
    return this.dataSource.transaction(async (m) => {
      const due = await queryRows<{
        alert_id: string;
        escalation_policy_id: string;
        tier: number;
        cycle: number;
        state: string;
        kind: string;
        severity: Severity;
        definition: unknown;
        version: number;
      }>(
        m,
        `SELECT e.alert_id, e.escalation_policy_id, e.tier, e.cycle, a.state, a.kind, a.severity, p.definition, p.version
         FROM alert_escalations e JOIN alerts a ON a.id = e.alert_id
         JOIN escalation_policies p ON p.id = e.escalation_policy_id
         WHERE e.next_at <= $1 ORDER BY e.next_at LIMIT $2 FOR UPDATE OF e SKIP LOCKED`,
        [at(now), limit],
      );
      const steps: EscalationStep[] = [];
      for (const e of due) {
        if (e.state !== 'open' || e.severity === 'info') {
          await m.query(
            `UPDATE alert_escalations SET next_at = NULL, stopped_at = $2, stop_reason = $3, updated_at = $2 WHERE alert_id = $1`,
            [e.alert_id, at(now), e.state === 'open' ? 'info' : e.state],
          );
          steps.push({
            alertId: e.alert_id,
            outcome: 'stopped',
            fromTier: e.tier,
            toTier: e.tier,
            cycle: e.cycle,
            notificationId: null,
            stopReason: e.state,
          });
          continue;
        }
        const policy = e.kind === 'unreachable' ? UNREACHABLE_POLICY : parseEscalationPolicy(e.definition);
        const next = nextEscalation(policy, { tier: e.tier, cycle: e.cycle });
        const timeout = tierTimeoutMs(policy, next.tier, e.severity)!;
        const notificationId = await this.ledger.escalate(m, {
          alertId: e.alert_id,
          severity: e.severity,
          tier: next.tier,
          detail: {
            fromTier: e.tier,
            toTier: next.tier,
            tierName: policy.tiers[next.tier - 1]?.name ?? null,
            cycle: next.cycle,
            reminder: next.reminder,
            escalationPolicyId: e.kind === 'unreachable' ? null : e.escalation_policy_id,
            policyVersion: e.kind === 'unreachable' ? null : e.version,
          },
          now,
        });
        await m.query(
          `UPDATE alert_escalations SET tier = $2, cycle = $3, next_at = $4, updated_at = $5 WHERE alert_id = $1`,
          [e.alert_id, next.tier, next.cycle, at(new Date(now.getTime() + timeout)), at(now)],
        );
        steps.push({
          alertId: e.alert_id,
          outcome: 'escalated',
          fromTier: e.tier,
          toTier: next.tier,
          cycle: next.cycle,
          notificationId,
        });
      }
      const escalated = steps.filter((st) => st.outcome === 'escalated');
      if (escalated.length > 0) {
        // The audit rows of the steps, last in the transaction (they wait on the audit chain's lock).
        await m.query(
          `INSERT INTO audit_log (occurred_at, actor_type, actor_id, actor_label, action, entity_type, entity_id, patient_id,
                                  data_category, outcome, detail)
           SELECT $1, 'system', 'notifier', 'notifier', 'alert.escalate', 'alert', a.id::text, a.patient_id, 'alerts',
                  'success', jsonb_build_object('fromTier', t.from_tier, 'toTier', t.to_tier, 'cycle', t.cycle,
                                                'notificationId', t.notification_id::text, 'alertReference', a.reference,
                                                'escalationPolicyId', a.escalation_policy_id::text)
           FROM unnest($2::uuid[], $3::int[], $4::int[], $5::int[], $6::uuid[])
             WITH ORDINALITY AS t(alert_id, from_tier, to_tier, cycle, notification_id, ord)
           JOIN alerts a ON a.id = t.alert_id ORDER BY t.ord`,
          [
            at(now),
            escalated.map((st) => st.alertId),
            escalated.map((st) => st.fromTier),
            escalated.map((st) => st.toTier),
            escalated.map((st) => st.cycle),
            escalated.map((st) => st.notificationId),
          ],
        );
      }
      return steps;
    });
  }

  /** Stops an alert's escalation (it was acknowledged or resolved), inside the caller's transaction. */
  async stop(m: EntityManager, alertId: string, reason: string, now: Date): Promise<void> {
    await m.query(
      `UPDATE alert_escalations SET next_at = NULL, stopped_at = $2, stop_reason = $3, updated_at = $2
       WHERE alert_id = $1 AND next_at IS NOT NULL`,
      [alertId, at(now), reason],
    );
  }
}
