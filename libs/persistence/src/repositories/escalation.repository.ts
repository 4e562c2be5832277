import { Injectable } from '@nestjs/common';
import { type Severity } from '@alem/clinical';
import { type EntityManager } from 'typeorm';
import { queryRows } from '../query-rows';

/** An escalation policy version as stored: what the notifier parses and pins alerts to. */
export interface EscalationPolicyRow {
  version: number;
  careTeamId: string | null;
  definition: unknown;
}

/** An escalation timer that is due, with its alert and the pinned policy's definition. */
export interface DueEscalation {
  alertId: string;
  escalationPolicyId: string;
  tier: number;
  cycle: number;
  alertState: string;
  alertKind: string;
  severity: Severity;
  definition: unknown;
  version: number;
}

/** One step an escalation sweep took, for the audit row it leaves. */
export interface EscalationAuditStep {
  alertId: string;
  fromTier: number;
  toTier: number;
  cycle: number;
  notificationId: string | null;
}

const at = (d: Date) => d.toISOString();

/**
 * The durable escalation timers (`alert_escalations`, one per alert) and the policy versions they follow: the
 * queries of the notifier's `EscalationService`, which decides with the policy of `@alem/notifications`. Every
 * query takes the caller's transaction.
 */
@Injectable()
export class EscalationRepository {
  async policyVersion(
    m: Pick<EntityManager, 'query'>,
    policyId: string,
  ): Promise<EscalationPolicyRow | null> {
    const [row] = await queryRows<{ version: number; care_team_id: string | null; definition: unknown }>(
      m,
      `SELECT version, care_team_id, definition FROM escalation_policies WHERE id = $1`,
      [policyId],
    );
    return row ? { version: row.version, careTeamId: row.care_team_id, definition: row.definition } : null;
  }

  /**
   * Starts (or restarts, after a severity raise) an alert's timer at a tier, running out at `nextAt`. Without a
   * pinned policy, the default policy in force.
   */
  async startTimer(
    m: EntityManager,
    input: {
      alertId: string;
      policyId: string | null;
      severity: Severity;
      tier: number;
      nextAt: Date;
      now: Date;
    },
  ): Promise<void> {
    await m.query(
      `INSERT INTO alert_escalations (alert_id, escalation_policy_id, severity, tier, cycle, next_at, started_at, updated_at)
       VALUES ($1, coalesce($2::uuid, escalation_policy_in_force(NULL)), $3, $4, 0, $5, $6, $6)
       ON CONFLICT (alert_id) DO UPDATE SET escalation_policy_id = EXCLUDED.escalation_policy_id,
         severity = EXCLUDED.severity, tier = EXCLUDED.tier, cycle = 0, next_at = EXCLUDED.next_at,
         updated_at = EXCLUDED.updated_at, stopped_at = NULL, stop_reason = NULL`,
      [input.alertId, input.policyId, input.severity, input.tier, at(input.nextAt), at(input.now)],
    );
  }

  /** The timer of an alert still waiting at `tier` runs out now. Returns whether it was waiting. */
  async hurryTimer(m: EntityManager, alertId: string, tier: number, now: Date): Promise<boolean> {
    const rows = await queryRows<{ alert_id: string }>(
      m,
      `UPDATE alert_escalations SET next_at = $3, updated_at = $3
       WHERE alert_id = $1 AND tier = $2 AND next_at IS NOT NULL AND next_at > $3 RETURNING alert_id`,
      [alertId, tier, at(now)],
    );
    return rows.length > 0;
  }

  /**
   * The due timers (`next_at <= now`), taken with FOR UPDATE SKIP LOCKED so several notifiers share them without
   * doubling a page.
   */
  async takeDue(m: EntityManager, now: Date, limit: number): Promise<DueEscalation[]> {
    const rows = await queryRows<{
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
    return rows.map((r) => ({
      alertId: r.alert_id,
      escalationPolicyId: r.escalation_policy_id,
      tier: r.tier,
      cycle: r.cycle,
      alertState: r.state,
      alertKind: r.kind,
      severity: r.severity,
      definition: r.definition,
      version: r.version,
    }));
  }

  /** The timer moved to its next tier and loop, running out at `nextAt`. */
  async advanceTimer(
    m: EntityManager,
    input: { alertId: string; tier: number; cycle: number; nextAt: Date; now: Date },
  ): Promise<void> {
    await m.query(
      `UPDATE alert_escalations SET tier = $2, cycle = $3, next_at = $4, updated_at = $5 WHERE alert_id = $1`,
      [input.alertId, input.tier, input.cycle, at(input.nextAt), at(input.now)],
    );
  }

  /** A due timer that has nothing more to do (its alert closed, or it is info). */
  async endTimer(m: EntityManager, alertId: string, reason: string, now: Date): Promise<void> {
    await m.query(
      `UPDATE alert_escalations SET next_at = NULL, stopped_at = $2, stop_reason = $3, updated_at = $2 WHERE alert_id = $1`,
      [alertId, at(now), reason],
    );
  }

  /** Stops an alert's escalation (it was acknowledged or resolved), inside the caller's transaction. */
  async stop(m: EntityManager, alertId: string, reason: string, now: Date): Promise<void> {
    await m.query(
      `UPDATE alert_escalations SET next_at = NULL, stopped_at = $2, stop_reason = $3, updated_at = $2
       WHERE alert_id = $1 AND next_at IS NOT NULL`,
      [alertId, at(now), reason],
    );
  }

  /** The audit rows of a sweep's escalation steps, last in the transaction (they wait on the audit chain's lock). */
  async appendEscalationAudit(
    m: EntityManager,
    steps: readonly EscalationAuditStep[],
    now: Date,
  ): Promise<void> {
    if (steps.length === 0) return;
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
        steps.map((st) => st.alertId),
        steps.map((st) => st.fromTier),
        steps.map((st) => st.toTier),
        steps.map((st) => st.cycle),
        steps.map((st) => st.notificationId),
      ],
    );
  }
}
