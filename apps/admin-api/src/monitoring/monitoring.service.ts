import { Injectable } from '@nestjs/common';
import { MonitoringRepository } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditedTransactions } from '../common/audited-transaction';
import { type CsvColumn } from '../common/csv';
import { NotFoundError } from '../common/domain.errors';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import { patientScopeOf } from '../common/patient-scope';
import { auditActorOf, type RequestActor, userOf } from '../common/request-actor';
import { MonitoringQueryRepository, toSuspensionItem } from './monitoring-query.repository';
import {
  type ChangeSuspensionEndDto,
  type CreateSuspensionDto,
  type MonitoringPlanInputDto,
  type MonitoringPlanView,
  type OverdueItemView,
  type OverdueQueryDto,
  type PatientMonitoringView,
  type SuspensionItemView,
} from './monitoring.dto';
import { mappingMonitoringErrors } from './monitoring.errors';

export const OVERDUE_CSV_COLUMNS: CsvColumn<OverdueItemView>[] = [
  { header: 'patient_id', value: (r) => r.patientId },
  { header: 'site_id', value: (r) => r.siteId },
  { header: 'care_team_id', value: (r) => r.careTeamId },
  { header: 'rule_id', value: (r) => r.ruleId },
  { header: 'course_number', value: (r) => r.courseNumber },
  { header: 'status', value: (r) => r.status },
  { header: 'severity', value: (r) => r.severity },
  { header: 'due_day', value: (r) => r.dueDay },
  { header: 'days_overdue', value: (r) => r.daysOverdue },
  { header: 'last_received_day', value: (r) => r.lastReceivedDay },
  { header: 'missing_components', value: (r) => r.missingComponents.join(' ') },
  { header: 'held_by', value: (r) => r.heldBy.join(' ') },
  { header: 'alert_reference', value: (r) => r.alertReference },
  { header: 'status_since', value: (r) => r.statusSince },
];

/**
 * A patient's monitoring schedule for people: the expectations the scheduler computed (with what is missing,
 * held or suspended), suspensions and the monitoring plan; and the overdue expectations across the caller's
 * patients. Clinicians reach only the patients of their care teams (another team's patient is "not found").
 * Every read is audited in its transaction; the changes go through `MonitoringRepository`, which audits each
 * in its own transaction, after the scope check.
 */
@Injectable()
export class MonitoringService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queries: MonitoringQueryRepository,
    private readonly monitoring: MonitoringRepository,
    private readonly audited: AuditedTransactions,
    private readonly clock: Clock,
  ) {}

  private async requirePatient(m: EntityManager, actor: RequestActor, id: string): Promise<void> {
    if (!(await this.queries.patientInScope(m, patientScopeOf(actor), id))) {
      throw new NotFoundError('Patient');
    }
  }

  async status(actor: RequestActor, id: string): Promise<PatientMonitoringView> {
    return this.audited.run(actor, 'lab-results', async (m, trail) => {
      await this.requirePatient(m, actor, id);
      const view = await this.queries.status(m, id);
      trail.record({
        action: 'monitoring.read',
        entityType: 'patient',
        entityId: id,
        patientId: id,
        detail: { expectations: view.expectations.length },
      });
      return view;
    });
  }

  async suspensions(actor: RequestActor, id: string): Promise<{ items: SuspensionItemView[] }> {
    return this.audited.run(actor, 'treatment', async (m, trail) => {
      await this.requirePatient(m, actor, id);
      const items = (await this.monitoring.suspensions(id, { manager: m, newestFirst: true })).map(
        toSuspensionItem,
      );
      trail.record({
        action: 'monitoring-suspension.list',
        entityType: 'patient',
        entityId: id,
        patientId: id,
        detail: { suspensionIds: items.map((s) => s.id) },
      });
      return { items };
    });
  }

  /** Records a suspension authored by the caller; the next sweep resolves the patient's missed-result alerts. */
  async suspend(actor: RequestActor, id: string, input: CreateSuspensionDto): Promise<SuspensionItemView> {
    const user = userOf(actor);
    await this.requirePatient(this.dataSource.manager, actor, id);
    const created = await mappingMonitoringErrors('Patient', () =>
      this.monitoring.addSuspension(
        {
          patientId: id,
          reason: input.reason,
          authorUserId: user.userId,
          startDay: input.startDay,
          endDay: input.endDay,
          note: input.note,
        },
        auditActorOf(actor),
        this.clock.now(),
      ),
    );
    return toSuspensionItem(created);
  }

  async changeSuspensionEnd(
    actor: RequestActor,
    id: string,
    suspensionId: string,
    input: ChangeSuspensionEndDto,
  ): Promise<SuspensionItemView> {
    await this.requireSuspension(actor, id, suspensionId);
    const changed = await mappingMonitoringErrors('Suspension', () =>
      this.monitoring.changeSuspensionEnd(suspensionId, input.endDay, auditActorOf(actor), this.clock.now()),
    );
    return toSuspensionItem(changed);
  }

  async withdrawSuspension(
    actor: RequestActor,
    id: string,
    suspensionId: string,
  ): Promise<SuspensionItemView> {
    await this.requireSuspension(actor, id, suspensionId);
    const withdrawn = await mappingMonitoringErrors('Suspension', () =>
      this.monitoring.withdrawSuspension(suspensionId, auditActorOf(actor), this.clock.now()),
    );
    return toSuspensionItem(withdrawn);
  }

  /** Changes the monitoring plan (fields left out keep their value); the next sweep re-evaluates. */
  async setPlan(actor: RequestActor, id: string, input: MonitoringPlanInputDto): Promise<MonitoringPlanView> {
    await this.requirePatient(this.dataSource.manager, actor, id);
    await mappingMonitoringErrors('Patient', () =>
      this.monitoring.setMonitoringPlan(id, input, auditActorOf(actor), this.clock.now()),
    );
    return this.queries.plan(this.dataSource.manager, id);
  }

  /** What a safety officer opens every morning: missed and partial results, worst and oldest first. */
  async overdue(
    actor: RequestActor,
    query: OverdueQueryDto,
    format: ListFormat,
  ): Promise<Page<OverdueItemView>> {
    const limit = pageLimit(query, format);
    return this.audited.run(actor, 'lab-results', async (m, trail) => {
      const page = await this.queries.overdue(m, patientScopeOf(actor), query, limit);
      trail.record({
        action: 'monitoring.overdue.list',
        entityType: 'monitoring-expectation',
        detail: {
          filters: { ...query, limit },
          format,
          total: page.total,
          patientIds: [...new Set(page.items.map((i) => i.patientId))],
        },
      });
      return { ...page, limit, offset: query.offset };
    });
  }

  private async requireSuspension(actor: RequestActor, id: string, suspensionId: string): Promise<void> {
    const m = this.dataSource.manager;
    await this.requirePatient(m, actor, id);
    if (!(await this.queries.suspensionOf(m, suspensionId, id))) throw new NotFoundError('Suspension');
  }
}
