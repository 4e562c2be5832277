import { Injectable } from '@nestjs/common';
import { AlertLedger } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditedTransactions } from '../common/audited-transaction';
import { type CsvColumn } from '../common/csv';
import { ConflictError, NotFoundError } from '../common/domain.errors';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import { patientScopeOf, type PatientScope } from '../common/patient-scope';
import { type RequestActor, userOf } from '../common/request-actor';
import {
  type AcknowledgeAlertDto,
  type AcknowledgementTimesView,
  type AlertDetailView,
  type AlertQueryDto,
  type AlertView,
  type ReopenAlertDto,
  type ResolveAlertDto,
} from './alert.dto';
import { AlertMetrics } from './alert.metrics';
import { type AlertRow, AlertQueryRepository, toAlert } from './alert.repository';

export const ALERT_CSV_COLUMNS: CsvColumn<AlertView>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'reference', value: (r) => r.reference },
  { header: 'patient_id', value: (r) => r.patientId },
  { header: 'care_team_id', value: (r) => r.careTeamId },
  { header: 'rule_id', value: (r) => r.ruleId },
  { header: 'kind', value: (r) => r.kind },
  { header: 'severity', value: (r) => r.severity },
  { header: 'emergency', value: (r) => r.emergency },
  { header: 'state', value: (r) => r.state },
  { header: 'rule_set_version', value: (r) => r.ruleSetVersion },
  { header: 'summary', value: (r) => r.summary },
  { header: 'occurrences', value: (r) => r.occurrenceCount },
  { header: 'opened_at', value: (r) => r.openedAt },
  { header: 'last_occurrence_at', value: (r) => r.lastOccurrenceAt },
  { header: 'acknowledged_at', value: (r) => r.acknowledgedAt },
  { header: 'acknowledged_by', value: (r) => r.acknowledgedBy },
  { header: 'resolved_at', value: (r) => r.resolvedAt },
  { header: 'resolved_by', value: (r) => r.resolvedBy },
  { header: 'resolution_reason', value: (r) => r.resolutionReason },
];

type AlertAction = 'acknowledge' | 'resolve' | 'reopen';

/**
 * The alert log and the closed loop: people acknowledge (open → acknowledged), resolve with a reason
 * (→ resolved) and reopen (resolved → open). Each change updates the alert, adds a timeline row
 * (alert_events) and an audit row, in one transaction.
 */
@Injectable()
export class AlertService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly alerts: AlertQueryRepository,
    private readonly ledger: AlertLedger,
    private readonly audited: AuditedTransactions,
    private readonly metrics: AlertMetrics,
    private readonly clock: Clock,
  ) {}

  async list(
    actor: RequestActor,
    query: AlertQueryDto,
    format: ListFormat,
  ): Promise<Page<AlertView> & { nextAfterId: string | null }> {
    const limit = pageLimit(query, format);
    return this.audited.run(actor, 'alerts', async (m, trail) => {
      const page = await this.alerts.list(m, patientScopeOf(actor), query, limit);
      trail.record({
        action: 'alert.list',
        entityType: 'alert',
        detail: {
          filters: { ...query, limit },
          format,
          total: page.total,
          alertIds: page.items.map((a) => a.id),
          patientIds: [...new Set(page.items.map((a) => a.patientId).filter(Boolean))],
        },
      });
      const last = page.items.at(-1);
      const keyset = (query.sort ?? 'opened') === 'opened';
      return {
        ...page,
        limit,
        offset: query.offset,
        nextAfterId: keyset && last && page.items.length === limit ? last.id : null,
      };
    });
  }

  /** p50/p95 time to acknowledge by severity over the last `days` (aggregates only: no patient is named). */
  async acknowledgementTimes(actor: RequestActor, days: number): Promise<AcknowledgementTimesView> {
    const to = this.clock.now();
    const from = new Date(to.getTime() - days * 86_400_000);
    const rows = await this.dataSource.transaction((m) =>
      this.alerts.acknowledgementTimes(m, patientScopeOf(actor), from),
    );
    const round = (v: number | null) => (v === null ? null : Math.round(Number(v) * 10) / 10);
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      severities: (['critical', 'warning', 'info'] as const).map((severity) => {
        const row = rows.find((r) => r.severity === severity);
        return {
          severity,
          opened: row?.opened ?? 0,
          acknowledged: row?.acknowledged ?? 0,
          p50Minutes: round(row?.p50 ?? null),
          p95Minutes: round(row?.p95 ?? null),
        };
      }),
    };
  }

  async get(actor: RequestActor, id: string): Promise<AlertDetailView> {
    return this.audited.run(actor, 'alerts', async (m, trail) => {
      const row = await this.alerts.findRow(m, patientScopeOf(actor), id);
      if (!row) throw new NotFoundError('Alert');
      const detail = await this.alerts.detail(m, row);
      trail.record({ action: 'alert.read', entityType: 'alert', entityId: id, patientId: row.patient_id });
      return detail;
    });
  }

  async acknowledge(actor: RequestActor, id: string, input: AcknowledgeAlertDto): Promise<AlertView> {
    const user = userOf(actor);
    const { before, after } = await this.change(actor, id, 'acknowledge', async (m, row, at) => {
      if (row.state !== 'open') {
        throw new ConflictError(
          row.state === 'acknowledged' ? 'The alert is already acknowledged' : 'The alert is resolved',
        );
      }
      const { detail } = await this.ledger.acknowledge(m, {
        alertId: id,
        userId: user.userId,
        at,
        note: input.note,
      });
      return detail;
    });
    this.metrics.timeToAcknowledge.observe(
      { severity: after.severity, rule: after.ruleId },
      Math.max(0, (Date.parse(after.acknowledgedAt!) - Date.parse(before.openedAt)) / 1000),
    );
    return after;
  }

  async resolve(actor: RequestActor, id: string, input: ResolveAlertDto): Promise<AlertView> {
    const user = userOf(actor);
    const { after } = await this.change(actor, id, 'resolve', async (m, row, at) => {
      if (row.state === 'resolved') throw new ConflictError('The alert is already resolved');
      return this.ledger.resolve(m, { alertId: id, userId: user.userId, reason: input.reason, at });
    });
    return after;
  }

  async reopen(actor: RequestActor, id: string, input: ReopenAlertDto): Promise<AlertView> {
    const user = userOf(actor);
    const { after } = await this.change(actor, id, 'reopen', async (m, row, at) => {
      if (row.state !== 'resolved') throw new ConflictError('Only a resolved alert can be reopened');
      if (await this.alerts.newerUnresolved(m, row.dedup_key, id)) {
        throw new ConflictError('A newer alert for this patient and rule is open; work on that one');
      }
      // A reopened alert needs a new acknowledgement; the old one stays in the timeline.
      const detail = {
        reason: input.reason,
        previous: {
          acknowledgedAt: row.acknowledged_at?.toISOString() ?? null,
          acknowledgedBy: row.acknowledged_by,
          resolvedAt: row.resolved_at?.toISOString() ?? null,
          resolvedBy: row.resolved_by,
          resolutionReason: row.resolution_reason,
        },
      };
      await this.ledger.reopen(m, { alertId: id, userId: user.userId, at, detail });
      return detail;
    });
    return after;
  }

  /**
   * Locks the alert (within the caller's scope), applies the change through the ledger (which writes the
   * timeline entry), then the audit row with the entry's detail.
   */
  private async change(
    actor: RequestActor,
    id: string,
    action: AlertAction,
    apply: (m: EntityManager, row: AlertRow, at: Date) => Promise<Record<string, unknown>>,
  ): Promise<{ before: AlertView; after: AlertView }> {
    const scope: PatientScope = patientScopeOf(actor);
    const at = this.clock.now();
    const result = await this.audited.run(actor, 'alerts', async (m, trail) => {
      const row = await this.alerts.findRow(m, scope, id, true);
      if (!row) throw new NotFoundError('Alert');
      const detail = await apply(m, row, at);
      const before = toAlert(row);
      const after = toAlert((await this.alerts.findRow(m, { kind: 'all' }, id))!);
      trail.record({
        action: `alert.${action}`,
        entityType: 'alert',
        entityId: id,
        patientId: row.patient_id,
        detail: { before: stateOf(before), after: stateOf(after), ...detail },
      });
      return { before, after };
    });
    this.metrics.actions.inc({ action, severity: result.after.severity });
    return result;
  }
}

function stateOf(a: AlertView) {
  return {
    state: a.state,
    acknowledgedAt: a.acknowledgedAt,
    acknowledgedBy: a.acknowledgedBy,
    resolvedAt: a.resolvedAt,
    resolvedBy: a.resolvedBy,
    resolutionReason: a.resolutionReason,
  };
}
