import { Injectable } from '@nestjs/common';
import { type SuspensionView } from '@alem/persistence';
import { type EntityManager } from 'typeorm';
import { applyPatientScope, type PatientScope } from '../common/patient-scope';
import { SqlBuilder } from '../common/sql-builder';
import {
  type ExpectationItemView,
  type FeedQueryDto,
  type FeedView,
  type MonitoringPlanView,
  type OverdueItemView,
  type OverdueQueryDto,
  type PatientMonitoringView,
  type SuspensionItemView,
} from './monitoring.dto';

const HOUR_MS = 3_600_000;

/** The scheduler's `ExpectationExplanation` as stored (jsonb); read defensively, older rows may lack fields. */
interface StoredExplanation {
  title?: string;
  summary?: string;
  action?: string;
  warningDay?: string | null;
  criticalDay?: string | null;
  daysOverdue?: number | null;
  receivedComponents?: string[];
  missingComponents?: string[];
  partialDay?: string | null;
  suspension?: ExpectationItemView['suspension'];
  hold?: { senders: string[]; until: string | null } | null;
  underlying?: ExpectationItemView['underlying'];
}

interface ExpectationRow {
  patient_id: string;
  rule_id: string;
  kind: 'periodic' | 'gate' | 'reminder';
  course_number: number | null;
  status: ExpectationItemView['status'];
  severity: ExpectationItemView['severity'];
  due_day: string | null;
  last_received_day: string | null;
  held_by: string[];
  alert_id: string | null;
  alert_reference: string | null;
  alert_state: string | null;
  alert_severity: string | null;
  status_since: Date;
  evaluated_at: Date;
  explanation: StoredExplanation;
}

const EXPECTATION_COLUMNS = `
  e.patient_id, e.rule_id, e.kind, e.course_number, e.status, e.severity, e.due_day::text AS due_day,
  e.last_received_day::text AS last_received_day, e.held_by, e.alert_id, a.reference AS alert_reference,
  a.state AS alert_state, a.severity AS alert_severity, e.status_since, e.evaluated_at, e.explanation`;

function toExpectation(r: ExpectationRow): ExpectationItemView {
  const x = r.explanation ?? {};
  return {
    ruleId: r.rule_id,
    title: x.title ?? null,
    kind: r.kind,
    courseNumber: r.course_number,
    status: r.status,
    severity: r.severity,
    dueDay: r.due_day,
    warningDay: x.warningDay ?? null,
    criticalDay: x.criticalDay ?? null,
    daysOverdue: x.daysOverdue ?? null,
    lastReceivedDay: r.last_received_day,
    receivedComponents: x.receivedComponents ?? [],
    missingComponents: x.missingComponents ?? [],
    partialDay: x.partialDay ?? null,
    heldBy: r.held_by,
    holdUntil: x.hold?.until ?? null,
    suspension: x.suspension ?? null,
    underlying: x.underlying ?? null,
    summary: x.summary ?? null,
    action: x.action ?? null,
    alert: r.alert_id
      ? {
          id: r.alert_id,
          reference: r.alert_reference!,
          state: r.alert_state!,
          severity: r.alert_severity!,
        }
      : null,
    statusSince: r.status_since.toISOString(),
    evaluatedAt: r.evaluated_at.toISOString(),
  };
}

export function toSuspensionItem(s: SuspensionView): SuspensionItemView {
  return { ...s, createdAt: s.createdAt.toISOString(), withdrawnAt: s.withdrawnAt?.toISOString() ?? null };
}

interface FeedRow {
  sender: string;
  site_id: string | null;
  site_source: FeedView['siteSource'];
  state: FeedView['state'];
  quiet_after_ms: string;
  rhythm_source: FeedView['rhythmSource'];
  rhythm_learned_at: Date | null;
  last_seen_at: Date | null;
  quiet_since: Date | null;
  holding: boolean;
  held_patients: number;
  hold_released_at: Date | null;
  hold_released_by: string | null;
  alert_id: string | null;
  alert_reference: string | null;
  next_check_at: Date | null;
}

const FEED_SQL = `
  SELECT f.sender, f.site_id, f.site_source, f.state, f.quiet_after_ms, f.rhythm_source, f.rhythm_learned_at,
         f.last_seen_at, f.quiet_since, f.holding, f.hold_released_at, f.hold_released_by, f.alert_id,
         a.reference AS alert_reference, f.next_check_at,
         (SELECT count(DISTINCT e.patient_id)::int FROM monitoring_expectations e
          WHERE e.status = 'held' AND e.held_by @> ARRAY[f.sender]) AS held_patients
  FROM lab_feeds f LEFT JOIN alerts a ON a.id = f.alert_id`;

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

function toFeed(r: FeedRow): FeedView {
  return {
    sender: r.sender,
    siteId: r.site_id,
    siteSource: r.site_source,
    state: r.state,
    quietAfterHours: Number(r.quiet_after_ms) / HOUR_MS,
    rhythmSource: r.rhythm_source,
    rhythmLearnedAt: iso(r.rhythm_learned_at),
    lastSeenAt: iso(r.last_seen_at),
    quietSince: iso(r.quiet_since),
    holding: r.holding,
    heldPatients: r.held_patients,
    holdReleasedAt: iso(r.hold_released_at),
    holdReleasedBy: r.hold_released_by,
    alertId: r.alert_id,
    alertReference: r.alert_reference,
    nextCheckAt: iso(r.next_check_at),
  };
}

/**
 * Reads of the monitoring schedule for people: a patient's expectations, plan and suspensions (after the
 * caller's patient scope was checked), overdue expectations across the caller's patients (scope in the SQL), and
 * the lab feeds.
 */
@Injectable()
export class MonitoringQueryRepository {
  /** Whether the patient exists within the scope. */
  async patientInScope(m: EntityManager, scope: PatientScope, id: string): Promise<boolean> {
    const sql = new SqlBuilder();
    sql.where(`p.id = ${sql.p(id)}`);
    applyPatientScope(sql, scope, 'p.care_team_id');
    const rows: unknown[] = await m.query(`SELECT 1 FROM patients p ${sql.whereSql()}`, sql.params);
    return rows.length > 0;
  }

  async status(m: EntityManager, patientId: string): Promise<PatientMonitoringView> {
    const [unit]: Array<{
      evaluated_at: Date | null;
      awaiting: boolean | null;
      next_check_at: Date | null;
    }> = await m.query(
      `SELECT evaluated_at, next_check_at = '-infinity' AS awaiting,
              CASE WHEN isfinite(next_check_at) THEN next_check_at END AS next_check_at
       FROM monitoring_patients WHERE patient_id = $1`,
      [patientId],
    );
    const rows: ExpectationRow[] = await m.query(
      `SELECT ${EXPECTATION_COLUMNS} FROM monitoring_expectations e LEFT JOIN alerts a ON a.id = e.alert_id
       WHERE e.patient_id = $1 ORDER BY e.rule_id`,
      [patientId],
    );
    return {
      patientId,
      evaluatedAt: iso(unit?.evaluated_at ?? null),
      awaitingEvaluation: unit?.awaiting === true,
      nextCheckAt: iso(unit?.next_check_at ?? null),
      plan: await this.plan(m, patientId),
      expectations: rows.map(toExpectation),
    };
  }

  async plan(m: EntityManager, patientId: string): Promise<MonitoringPlanView> {
    const [r]: Array<{
      planned_course_number: number | null;
      planned_course_start_day: string | null;
      cll_therapy_end_day: string | null;
      monitoring_extension_months: number;
      thyroid_extension_months: number;
      plan_updated_at: Date | null;
      plan_updated_by: string | null;
    }> = await m.query(
      `SELECT planned_course_number, planned_course_start_day::text AS planned_course_start_day,
              cll_therapy_end_day::text AS cll_therapy_end_day, monitoring_extension_months,
              thyroid_extension_months, plan_updated_at, plan_updated_by
       FROM monitoring_patients WHERE patient_id = $1`,
      [patientId],
    );
    return {
      plannedCourse: r?.planned_course_start_day
        ? { courseNumber: r.planned_course_number, startDay: r.planned_course_start_day }
        : null,
      cllTherapyEndDay: r?.cll_therapy_end_day ?? null,
      monitoringExtensionMonths: r?.monitoring_extension_months ?? 0,
      thyroidExtensionMonths: r?.thyroid_extension_months ?? 0,
      updatedAt: iso(r?.plan_updated_at ?? null),
      updatedBy: r?.plan_updated_by ?? null,
    };
  }

  /** Whether the suspension is one of this patient's. */
  async suspensionOf(m: EntityManager, suspensionId: string, patientId: string): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM monitoring_suspensions WHERE id = $1 AND patient_id = $2`,
      [suspensionId, patientId],
    );
    return rows.length > 0;
  }

  /** Expectations with a missed-result severity, of the patients in scope: the worst and oldest first. */
  async overdue(
    m: EntityManager,
    scope: PatientScope,
    query: OverdueQueryDto,
    limit: number,
  ): Promise<{ items: OverdueItemView[]; total: number }> {
    const sql = new SqlBuilder();
    applyPatientScope(sql, scope, 'p.care_team_id');
    const severities = query.severity ? [query.severity] : ['warning', 'critical'];
    sql
      .where(`e.severity = ANY(${sql.p(severities)}::text[])`)
      .whereEquals('e.status', query.status)
      .whereEquals('e.rule_id', query.ruleId)
      .whereEquals('p.site_id', query.siteId)
      .whereEquals('p.care_team_id', query.careTeamId);
    const from = `FROM monitoring_expectations e JOIN patients p ON p.id = e.patient_id
                  LEFT JOIN alerts a ON a.id = e.alert_id`;
    const [{ total }]: Array<{ total: number }> = await m.query(
      `SELECT count(*)::int AS total ${from} ${sql.whereSql()}`,
      sql.params,
    );
    const rows: Array<ExpectationRow & { site_id: string; care_team_id: string }> = await m.query(
      `SELECT ${EXPECTATION_COLUMNS}, p.site_id, p.care_team_id ${from} ${sql.whereSql()}
       ORDER BY CASE e.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, e.due_day NULLS LAST,
                e.patient_id, e.rule_id
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
      sql.params,
    );
    return {
      total,
      items: rows.map((r) => {
        const e = toExpectation(r);
        return {
          patientId: r.patient_id,
          siteId: r.site_id,
          careTeamId: r.care_team_id,
          ruleId: e.ruleId,
          kind: e.kind,
          courseNumber: e.courseNumber,
          status: e.status,
          severity: e.severity,
          dueDay: e.dueDay,
          daysOverdue: e.daysOverdue,
          lastReceivedDay: e.lastReceivedDay,
          missingComponents: e.missingComponents,
          heldBy: e.heldBy,
          alertId: e.alert?.id ?? null,
          alertReference: e.alert?.reference ?? null,
          summary: e.summary,
          statusSince: e.statusSince,
          evaluatedAt: e.evaluatedAt,
        };
      }),
    };
  }

  async feeds(
    m: EntityManager,
    query: FeedQueryDto,
    limit: number,
  ): Promise<{ items: FeedView[]; total: number }> {
    const sql = new SqlBuilder()
      .whereEquals('f.state', query.state)
      .whereEquals('f.site_id', query.siteId)
      .whereEquals('f.holding', query.holding === undefined ? undefined : query.holding === 'true');
    const [{ total }]: Array<{ total: number }> = await m.query(
      `SELECT count(*)::int AS total FROM lab_feeds f ${sql.whereSql()}`,
      sql.params,
    );
    const rows: FeedRow[] = await m.query(
      `${FEED_SQL} ${sql.whereSql()}
       ORDER BY CASE f.state WHEN 'quiet' THEN 0 ELSE 1 END, f.sender
       LIMIT ${sql.p(limit)} OFFSET ${sql.p(query.offset)}`,
      sql.params,
    );
    return { items: rows.map(toFeed), total };
  }

  async feed(m: EntityManager, sender: string): Promise<FeedView | null> {
    const rows: FeedRow[] = await m.query(`${FEED_SQL} WHERE f.sender = $1`, [sender]);
    return rows[0] ? toFeed(rows[0]) : null;
  }
}
