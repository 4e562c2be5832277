import { Injectable } from '@nestjs/common';
import { type Severity } from '@alem/clinical';
import { type EntityManager } from 'typeorm';
import { type OpenMonitoringAlert } from '../alert-ledger/monitoring-alerts';

const RANK_SQL = `CASE n.severity WHEN 'critical' THEN 2 WHEN 'warning' THEN 1 ELSE 0 END`;

/**
 * The open missed-result and quiet-feed alerts the scheduler plans against, locked for its transaction. The
 * changes it plans are written by the ledger (`AlertLedger.applyMonitoringChanges`).
 */
@Injectable()
export class MonitoringAlertRepository {
  /** The open missed-result alerts of these patients, locked for the caller's transaction. */
  async openMissedAlerts(
    manager: EntityManager,
    patientIds: readonly string[],
  ): Promise<OpenMonitoringAlert[]> {
    if (patientIds.length === 0) return [];
    return this.open(manager, `a.patient_id = ANY($1::uuid[]) AND a.kind = 'missed'`, [patientIds]);
  }

  /** The open alerts with these dedup keys (feed alerts), locked for the caller's transaction. */
  async openAlertsByKey(
    manager: EntityManager,
    dedupKeys: readonly string[],
  ): Promise<OpenMonitoringAlert[]> {
    if (dedupKeys.length === 0) return [];
    return this.open(manager, `a.dedup_key = ANY($1::text[])`, [dedupKeys]);
  }

  private async open(
    manager: EntityManager,
    where: string,
    params: unknown[],
  ): Promise<OpenMonitoringAlert[]> {
    const rows: Array<{
      id: string;
      reference: string;
      dedup_key: string;
      patient_id: string | null;
      rule_id: string;
      severity: Severity;
      state: 'open' | 'acknowledged';
      notified_severity: Severity | null;
    }> = await manager.query(
      `SELECT a.id, a.reference, a.dedup_key, a.patient_id, a.rule_id, a.severity, a.state,
              (SELECT n.severity FROM notifications n WHERE n.alert_id = a.id AND n.state <> 'cancelled'
               ORDER BY ${RANK_SQL} DESC LIMIT 1) AS notified_severity
       FROM alerts a WHERE ${where} AND a.state <> 'resolved'
       ORDER BY a.dedup_key FOR UPDATE OF a`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      reference: r.reference,
      dedupKey: r.dedup_key,
      patientId: r.patient_id,
      ruleId: r.rule_id,
      severity: r.severity,
      state: r.state,
      notifiedSeverity: r.notified_severity,
    }));
  }
}
