import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { applyPatientScope, type PatientScope } from '../common/patient-scope';
import { SqlBuilder } from '../common/sql-builder';
import { type AlertDetailView, type AlertQueryDto, type AlertView } from './alert.dto';

export interface AlertRow {
  id: string;
  reference: string;
  patient_id: string | null;
  care_team_id: string | null;
  rule_id: string;
  kind: string;
  severity: string;
  emergency: boolean;
  state: 'open' | 'acknowledged' | 'resolved';
  rule_set_version: string;
  summary: string | null;
  occurrence_count: number;
  opened_at: Date;
  last_occurrence_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolution_reason: string | null;
  dedup_key: string;
  patient_name: string | null;
  escalation_tier: number | null;
  escalation_next_at: Date | null;
}

const ALERT_COLUMNS = `
  a.id, a.reference, a.patient_id, p.care_team_id, a.rule_id, a.kind, a.severity, a.emergency, a.state,
  a.rule_set_version, a.explanation->>'summary' AS summary, a.occurrence_count, a.opened_at, a.last_occurrence_at,
  a.acknowledged_at, a.acknowledged_by, a.resolved_at, a.resolved_by, a.resolution_reason, a.dedup_key,
  p.display_name AS patient_name, e.tier AS escalation_tier,
  CASE WHEN e.stopped_at IS NULL THEN e.next_at END AS escalation_next_at`;
const FROM = `FROM alerts a LEFT JOIN patients p ON p.id = a.patient_id
  LEFT JOIN alert_escalations e ON e.alert_id = a.id`;

/** `triage`: what needs a person first: open before acknowledged, emergencies and criticals first, oldest first. */
const ORDER = {
  opened: 'a.opened_at DESC, a.id',
  triage: `(a.state = 'open') DESC, CASE a.severity WHEN 'critical' THEN 2 WHEN 'warning' THEN 1 ELSE 0 END DESC,
    a.emergency DESC, a.opened_at ASC, a.id`,
} as const;

export function toAlert(r: AlertRow): AlertView {
  return {
    id: r.id,
    reference: r.reference,
    patientId: r.patient_id,
    careTeamId: r.care_team_id,
    ruleId: r.rule_id,
    kind: r.kind,
    severity: r.severity,
    emergency: r.emergency,
    state: r.state,
    ruleSetVersion: r.rule_set_version,
    summary: r.summary,
    occurrenceCount: r.occurrence_count,
    openedAt: r.opened_at.toISOString(),
    lastOccurrenceAt: r.last_occurrence_at.toISOString(),
    acknowledgedAt: r.acknowledged_at?.toISOString() ?? null,
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: r.resolved_at?.toISOString() ?? null,
    resolvedBy: r.resolved_by,
    resolutionReason: r.resolution_reason,
    patientName: r.patient_name,
    escalation:
      r.escalation_tier === null
        ? null
        : { tier: r.escalation_tier, nextAt: r.escalation_next_at?.toISOString() ?? null },
  };
}

/** Alert queries for people, restricted to the caller's patient scope in their SQL. */
@Injectable()
export class AlertQueryRepository {
  async list(
    m: EntityManager,
    scope: PatientScope,
    query: AlertQueryDto,
    limit: number,
  ): Promise<{ items: AlertView[]; total: number }> {
    const sql = new SqlBuilder();
    applyPatientScope(sql, scope, 'p.care_team_id');
    sql
      .whereEquals('a.patient_id', query.patientId)
      .whereEquals('p.care_team_id', query.careTeamId)
      .whereEquals('a.severity', query.severity)
      .whereEquals('a.state', query.state)
      .whereEquals('a.rule_id', query.ruleId)
      .whereEquals('a.kind', query.kind)
      .whereEquals('a.reference', query.reference);
    if (query.from) sql.where(`a.opened_at >= ${sql.p(query.from)}`);
    if (query.to) sql.where(`a.opened_at < ${sql.p(query.to)}`);
    const [{ total }]: Array<{ total: number }> = await m.query(
      `SELECT count(*)::int AS total ${FROM} ${sql.whereSql()}`,
      sql.params,
    );
    // The cursor narrows the page, not the total. Rows after it in `opened` order (opened_at DESC, id), compared
    // in Postgres so that its microseconds are kept.
    if (query.afterId) {
      const after = sql.p(query.afterId);
      sql.where(
        `EXISTS (SELECT 1 FROM alerts c WHERE c.id = ${after}
                 AND (a.opened_at < c.opened_at OR (a.opened_at = c.opened_at AND a.id > c.id)))`,
      );
    }
    const rows: AlertRow[] = await m.query(
      `SELECT ${ALERT_COLUMNS} ${FROM} ${sql.whereSql()} ORDER BY ${ORDER[query.sort ?? 'opened']}
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
      sql.params,
    );
    return { items: rows.map(toAlert), total };
  }

  /**
   * Time from opening to acknowledgement of the alerts opened since `from`, by severity, within the scope:
   * p50 and p95 computed by Postgres over every alert, not over a page of them.
   */
  async acknowledgementTimes(
    m: EntityManager,
    scope: PatientScope,
    from: Date,
  ): Promise<
    Array<{ severity: string; opened: number; acknowledged: number; p50: number | null; p95: number | null }>
  > {
    const sql = new SqlBuilder();
    applyPatientScope(sql, scope, 'p.care_team_id');
    sql.where(`a.opened_at >= ${sql.p(from)}`);
    const minutes = `extract(epoch FROM a.acknowledged_at - a.opened_at) / 60`;
    return m.query(
      `SELECT a.severity, count(*)::int AS opened, count(a.acknowledged_at)::int AS acknowledged,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ${minutes}) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY ${minutes}) AS p95
       FROM alerts a LEFT JOIN patients p ON p.id = a.patient_id ${sql.whereSql()}
       GROUP BY a.severity`,
      sql.params,
    );
  }

  /** The alert row (locked for update when asked), or null when absent or outside the scope. */
  async findRow(m: EntityManager, scope: PatientScope, id: string, lock = false): Promise<AlertRow | null> {
    const sql = new SqlBuilder();
    sql.where(`a.id = ${sql.p(id)}`);
    applyPatientScope(sql, scope, 'p.care_team_id');
    const rows: AlertRow[] = await m.query(
      `SELECT ${ALERT_COLUMNS} ${FROM} ${sql.whereSql()}${lock ? ' FOR UPDATE OF a' : ''}`,
      sql.params,
    );
    return rows[0] ?? null;
  }

  /** Whether another alert of the same dedup key (patient and rule) is not resolved. */
  async newerUnresolved(m: EntityManager, dedupKey: string, id: string): Promise<boolean> {
    const newer: unknown[] = await m.query(
      `SELECT 1 FROM alerts WHERE dedup_key = $1 AND state <> 'resolved' AND id <> $2`,
      [dedupKey, id],
    );
    return newer.length > 0;
  }

  async detail(m: EntityManager, row: AlertRow): Promise<AlertDetailView> {
    const [{ explanation }]: Array<{ explanation: Record<string, unknown> }> = await m.query(
      `SELECT explanation FROM alerts WHERE id = $1`,
      [row.id],
    );
    const occurrences: Array<{
      id: string;
      result_id: string | null;
      severity: string;
      emergency: boolean;
      occurred_at: Date;
      retracted_at: Date | null;
      explanation: Record<string, unknown>;
    }> = await m.query(
      `SELECT id::text, result_id::text, severity, emergency, occurred_at, retracted_at, explanation
       FROM alert_occurrences WHERE alert_id = $1 ORDER BY alert_occurrences.occurred_at, alert_occurrences.id`,
      [row.id],
    );
    const events: Array<{
      id: string;
      at: Date;
      type: string;
      actor_user_id: string | null;
      actor_name: string | null;
      detail: Record<string, unknown>;
    }> = await m.query(
      `SELECT e.id::text, e.at, e.type, e.actor_user_id, coalesce(u.display_name, u.email) AS actor_name, e.detail
       FROM alert_events e LEFT JOIN users u ON u.id = e.actor_user_id
       WHERE e.alert_id = $1 ORDER BY e.at, e.id`,
      [row.id],
    );
    // Who was messaged, how and with what outcome: the recipient by name (staff, not patient data) and the
    // channel, never the address.
    const attempts: Array<{
      id: string;
      delivery_id: string;
      tier: number;
      channel: string;
      recipient: string | null;
      attempt: number;
      finished_at: Date;
      outcome: string;
      provider_response: string | null;
    }> = await m.query(
      `SELECT t.id::text, t.delivery_id, n.tier, d.channel, coalesce(u.display_name, u.email) AS recipient,
              t.attempt, t.finished_at, t.outcome, t.provider_response
       FROM delivery_attempts t JOIN deliveries d ON d.id = t.delivery_id
       JOIN notifications n ON n.id = d.notification_id LEFT JOIN users u ON u.id = d.user_id
       WHERE n.alert_id = $1 ORDER BY t.finished_at, t.id LIMIT 500`,
      [row.id],
    );
    return {
      ...toAlert(row),
      explanation,
      deliveryAttempts: attempts.map((t) => ({
        id: t.id,
        deliveryId: t.delivery_id,
        tier: t.tier,
        channel: t.channel,
        recipient: t.recipient,
        attempt: t.attempt,
        at: t.finished_at.toISOString(),
        outcome: t.outcome,
        providerResponse: t.provider_response,
      })),
      occurrences: occurrences.map((o) => ({
        id: o.id,
        resultId: o.result_id,
        severity: o.severity,
        emergency: o.emergency,
        occurredAt: o.occurred_at.toISOString(),
        retractedAt: o.retracted_at?.toISOString() ?? null,
        explanation: o.explanation,
      })),
      timeline: events.map((e) => ({
        id: e.id,
        at: e.at.toISOString(),
        type: e.type,
        actorUserId: e.actor_user_id,
        actorName: e.actor_name,
        detail: e.detail,
      })),
    };
  }
}
