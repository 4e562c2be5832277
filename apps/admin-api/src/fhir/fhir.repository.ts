import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { applyPatientScope, type PatientScope } from '../common/patient-scope';
import { countAndRows, SqlBuilder } from '../common/sql-builder';
import { type AlertEvidence, type AlertSeverity, type DetectedIssueStatus, type FhirAlert } from '@alem/fhir';

/** Which patient a search names: by our id, or by an identifier (system = the assigning authority). */
export type PatientCriterion =
  { kind: 'id'; patientId: string } | { kind: 'identifier'; authority: string; identifier: string };

export interface DetectedIssueSearch {
  patient?: PatientCriterion;
  statuses?: readonly DetectedIssueStatus[];
  count: number;
  offset: number;
}

interface FhirAlertRow {
  id: string;
  reference: string;
  patient_id: string | null;
  care_team_id: string | null;
  indication: 'MS' | 'CLL' | null;
  rule_id: string;
  rule_title: string;
  severity: AlertSeverity;
  state: FhirAlert['state'];
  rule_set_version: string;
  summary: string | null;
  opened_at: Date;
  updated_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  acknowledged_by_name: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolved_by_name: string | null;
  resolution_reason: string | null;
  evidence: AlertEvidence[];
}

/**
 * The results each alert's occurrences were raised on, with the counts its FHIR status is decided by. The
 * status is `detectedIssueStatus` (libs/fhir/src/detected-issue.ts) written in SQL, for the search's filter: no evidence →
 * final; all withdrawn → entered-in-error; every standing result preliminary → preliminary; else final.
 */
const EVIDENCE = `CROSS JOIN LATERAL (
    SELECT coalesce(
             json_agg(json_build_object('resultId', o.result_id::text, 'retracted', o.retracted_at IS NOT NULL,
                                        'preliminary', coalesce(r.status = 'preliminary', false))
                      ORDER BY o.occurred_at, o.id) FILTER (WHERE o.result_id IS NOT NULL),
             '[]') AS evidence,
           count(o.result_id) AS raised_on,
           count(o.result_id) FILTER (WHERE o.retracted_at IS NULL) AS standing,
           count(o.result_id) FILTER (WHERE o.retracted_at IS NULL AND r.status = 'preliminary') AS preliminary
    FROM alert_occurrences o LEFT JOIN results r ON r.id = o.result_id
    WHERE o.alert_id = a.id) ev`;
const FHIR_STATUS = `CASE WHEN ev.raised_on = 0 THEN 'final' WHEN ev.standing = 0 THEN 'entered-in-error'
    WHEN ev.preliminary = ev.standing THEN 'preliminary' ELSE 'final' END`;

const COLUMNS = `a.id, a.reference, a.patient_id, p.care_team_id, p.indication, a.rule_id,
  coalesce(a.explanation->>'title', a.rule_id) AS rule_title, a.severity, a.state, a.rule_set_version,
  a.explanation->>'summary' AS summary, a.opened_at, a.updated_at,
  a.acknowledged_at, a.acknowledged_by, coalesce(ua.display_name, ua.email) AS acknowledged_by_name,
  a.resolved_at, a.resolved_by, coalesce(ur.display_name, ur.email) AS resolved_by_name, a.resolution_reason,
  ev.evidence`;
const FROM = `FROM alerts a LEFT JOIN patients p ON p.id = a.patient_id
  LEFT JOIN users ua ON ua.id = a.acknowledged_by LEFT JOIN users ur ON ur.id = a.resolved_by
  ${EVIDENCE}`;

function toFhirAlert(r: FhirAlertRow): FhirAlert {
  return {
    id: r.id,
    reference: r.reference,
    patientId: r.patient_id,
    careTeamId: r.care_team_id,
    indication: r.indication,
    ruleId: r.rule_id,
    ruleTitle: r.rule_title,
    severity: r.severity,
    state: r.state,
    ruleSetVersion: r.rule_set_version,
    summary: r.summary,
    openedAt: r.opened_at,
    updatedAt: r.updated_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by ? { id: r.acknowledged_by, name: r.acknowledged_by_name } : null,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by ? { id: r.resolved_by, name: r.resolved_by_name } : null,
    resolutionReason: r.resolution_reason,
    evidence: r.evidence,
  };
}

/** Alerts as the FHIR mapping reads them, restricted to the caller's patient scope in their SQL. */
@Injectable()
export class FhirAlertRepository {
  /** The alert, or null when absent or outside the scope. */
  async find(m: EntityManager, scope: PatientScope, id: string): Promise<FhirAlert | null> {
    const sql = new SqlBuilder();
    sql.where(`a.id = ${sql.p(id)}`);
    applyPatientScope(sql, scope, 'p.care_team_id');
    const rows: FhirAlertRow[] = await m.query(`SELECT ${COLUMNS} ${FROM} ${sql.whereSql()}`, sql.params);
    return rows[0] ? toFhirAlert(rows[0]) : null;
  }

  /** A page of the alerts matching the search, newest first, with the number of all matches. */
  async search(
    m: EntityManager,
    scope: PatientScope,
    search: DetectedIssueSearch,
  ): Promise<{ items: FhirAlert[]; total: number }> {
    const sql = new SqlBuilder();
    applyPatientScope(sql, scope, 'p.care_team_id');
    const patient = search.patient;
    if (patient?.kind === 'id') sql.where(`a.patient_id = ${sql.p(patient.patientId)}`);
    if (patient?.kind === 'identifier') {
      sql.where(
        `a.patient_id IN (SELECT patient_id FROM patient_identifiers
                          WHERE authority = ${sql.p(patient.authority)} AND identifier = ${sql.p(patient.identifier)})`,
      );
    }
    if (search.statuses) sql.where(`(${FHIR_STATUS}) = ANY(${sql.p(search.statuses)}::text[])`);
    const { total, rows } = await countAndRows<FhirAlertRow>(
      m,
      sql,
      `SELECT count(*)::int AS total ${FROM} ${sql.whereSql()}`,
      () =>
        `SELECT ${COLUMNS} ${FROM} ${sql.whereSql()} ORDER BY a.opened_at DESC, a.id
         LIMIT ${sql.p(search.count)} OFFSET ${sql.p(search.offset)}`,
    );
    return { items: rows.map(toFhirAlert), total };
  }
}
