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
}

const ALERT_COLUMNS = `
  a.id, a.reference, a.patient_id, p.care_team_id, a.rule_id, a.kind, a.severity, a.emergency, a.state,
  a.rule_set_version, a.explanation->>'summary' AS summary, a.occurrence_count, a.opened_at, a.last_occurrence_at,
  a.acknowledged_at, a.acknowledged_by, a.resolved_at, a.resolved_by, a.resolution_reason, a.dedup_key`;
const FROM = `FROM alerts a LEFT JOIN patients p ON p.id = a.patient_id`;

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
    const rows: AlertRow[] = await m.query(
      `SELECT ${ALERT_COLUMNS} ${FROM} ${sql.whereSql()} ORDER BY a.opened_at DESC, a.id
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
      sql.params,
    );
    return { items: rows.map(toAlert), total };
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
      detail: Record<string, unknown>;
    }> = await m.query(
      `SELECT id::text, at, type, actor_user_id, detail FROM alert_events WHERE alert_id = $1 ORDER BY alert_events.at, alert_events.id`,
      [row.id],
    );
    return {
      ...toAlert(row),
      explanation,
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
        detail: e.detail,
      })),
    };
  }
}
