import { Inject, Injectable } from '@nestjs/common';
import type { Bundle, DetectedIssue, Task } from '@medplum/fhirtypes';
import { type AppConfig, APP_CONFIG } from '@alem/runtime';
import { API_PREFIX } from '../api-prefix';
import { AuditedTransactions } from '../common/audited-transaction';
import { NotFoundError } from '../common/domain.errors';
import { patientScopeOf } from '../common/patient-scope';
import { type RequestActor } from '../common/request-actor';
import { searchsetBundle, toDetectedIssue } from '@alem/fhir';
import { type DetectedIssueSearchDto, isUuid } from './fhir.dto';
import { FhirAlertRepository } from './fhir.repository';

/** What the audit log says a read was made as (`alert.read` and `alert.list`, the alert log's own actions). */
const AS_FHIR = 'fhir-r4-DetectedIssue';

/**
 * Alerts read as FHIR R4 resources, with the alert log's roles, patient scope and audit: every read by a
 * person is an `alert.read` or `alert.list` row in the same transaction, as in the JSON API.
 */
@Injectable()
export class FhirService {
  private readonly base: string;

  constructor(
    private readonly alerts: FhirAlertRepository,
    private readonly audited: AuditedTransactions,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.base = `${config.links.publicBaseUrl}${API_PREFIX}/fhir/R4`;
  }

  async read(actor: RequestActor, id: string): Promise<DetectedIssue> {
    // An id that is not an alert's (not a UUID) names nothing: the same 404 as an alert out of scope.
    if (!isUuid(id)) throw new NotFoundError('DetectedIssue');
    return this.audited.run(actor, 'alerts', async (m, trail) => {
      const alert = await this.alerts.find(m, patientScopeOf(actor), id.toLowerCase());
      if (!alert) throw new NotFoundError('DetectedIssue');
      trail.record({
        action: 'alert.read',
        entityType: 'alert',
        entityId: alert.id,
        patientId: alert.patientId,
        detail: { as: AS_FHIR },
      });
      return toDetectedIssue(alert);
    });
  }

  async search(actor: RequestActor, query: DetectedIssueSearchDto): Promise<Bundle<DetectedIssue | Task>> {
    return this.audited.run(actor, 'alerts', async (m, trail) => {
      const page = await this.alerts.search(m, patientScopeOf(actor), {
        patient: query.patient,
        statuses: query.status,
        count: query._count,
        offset: query._offset,
      });
      trail.record({
        action: 'alert.list',
        entityType: 'alert',
        detail: {
          as: AS_FHIR,
          filters: query,
          total: page.total,
          alertIds: page.items.map((a) => a.id),
          patientIds: [...new Set(page.items.map((a) => a.patientId).filter(Boolean))],
        },
      });
      return searchsetBundle({
        base: this.base,
        matches: page.items,
        includeTasks: query._revinclude === 'Task:focus',
        total: page.total,
        selfUrl: (offset) => this.searchUrl(query, offset),
        offset: query._offset,
        count: query._count,
      });
    });
  }

  /** The search's URL as it was understood, at another offset (the Bundle's paging links). */
  private searchUrl(query: DetectedIssueSearchDto, offset: number): string {
    const params = new URLSearchParams();
    const patient = query.patient;
    if (patient?.kind === 'id') params.set('patient', patient.patientId);
    if (patient?.kind === 'identifier') params.set('patient', `${patient.authority}|${patient.identifier}`);
    if (query.status) params.set('status', query.status.join(','));
    if (query._revinclude) params.set('_revinclude', query._revinclude);
    params.set('_count', String(query._count));
    params.set('_offset', String(offset));
    return `${this.base}/DetectedIssue?${params.toString()}`;
  }
}
