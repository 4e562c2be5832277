import { Injectable } from '@nestjs/common';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { CareTeamRepository } from '../care-teams/care-team.repository';
import { AuditedTransactions } from '../common/audited-transaction';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/domain.errors';
import { type ListFormat, type Page, pageLimit } from '../common/pagination';
import { type RequestActor, userOf } from '../common/request-actor';
import {
  type CreateEnrolmentLocationDto,
  type EnrolmentLocationQueryDto,
  type EnrolmentLocationView,
  type UpdateEnrolmentLocationDto,
} from './enrolment-location.dto';
import {
  EnrolmentLocationRepository,
  type EnrolmentLocationRow,
  type EnrolmentTarget,
} from './enrolment-location.repository';

const toView = (r: EnrolmentLocationRow): EnrolmentLocationView => ({
  id: r.id,
  sender: r.sender,
  location: r.location,
  siteId: r.site_id,
  careTeamId: r.care_team_id,
  indication: r.indication,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at?.toISOString() ?? null,
});

/**
 * Enrolment on first administration: which site and care team a sender's location (or `*`, its others)
 * enrols a patient into when the infusion record names someone not enrolled. Every change is audited with its
 * before and after, in its transaction.
 */
@Injectable()
export class EnrolmentLocationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly locations: EnrolmentLocationRepository,
    private readonly sites: CareTeamRepository,
    private readonly audited: AuditedTransactions,
    private readonly clock: Clock,
  ) {}

  async list(query: EnrolmentLocationQueryDto, format: ListFormat): Promise<Page<EnrolmentLocationView>> {
    const limit = pageLimit(query, format);
    const { total, rows } = await this.locations.list(this.dataSource.manager, query, limit);
    return { items: rows.map(toView), total, limit, offset: query.offset };
  }

  async get(id: string): Promise<EnrolmentLocationView> {
    return this.find(this.dataSource.manager, id);
  }

  async create(actor: RequestActor, input: CreateEnrolmentLocationDto): Promise<EnrolmentLocationView> {
    const admin = userOf(actor);
    return this.audited.run(actor, 'configuration', async (m, trail) => {
      await this.checkTarget(m, input);
      const row = await this.locations.insert(m, input, input, admin.userId, this.clock.now());
      if (!row)
        throw new ConflictError('This sender’s location is already mapped; change that mapping instead');
      const after = toView(row);
      trail.record({
        action: 'enrolment-location.create',
        entityType: 'enrolment-location',
        entityId: after.id,
        detail: { before: null, after },
      });
      return after;
    });
  }

  async update(
    actor: RequestActor,
    id: string,
    input: UpdateEnrolmentLocationDto,
  ): Promise<EnrolmentLocationView> {
    return this.audited.run(actor, 'configuration', async (m, trail) => {
      const before = await this.find(m, id, true);
      const target: EnrolmentTarget = {
        siteId: input.siteId ?? before.siteId,
        careTeamId: input.careTeamId === undefined ? before.careTeamId : input.careTeamId,
        indication: input.indication === undefined ? before.indication : input.indication,
      };
      await this.checkTarget(m, target);
      const after = toView(await this.locations.update(m, id, target, this.clock.now()));
      trail.record({
        action: 'enrolment-location.update',
        entityType: 'enrolment-location',
        entityId: id,
        detail: { before, after },
      });
      return after;
    });
  }

  async delete(actor: RequestActor, id: string): Promise<void> {
    await this.audited.run(actor, 'configuration', async (m, trail) => {
      const before = await this.find(m, id, true);
      await this.locations.delete(m, id);
      trail.record({
        action: 'enrolment-location.delete',
        entityType: 'enrolment-location',
        entityId: id,
        detail: { before, after: null },
      });
    });
  }

  /** The site must exist, and a named care team must belong to it (400 naming the field). */
  private async checkTarget(m: EntityManager, target: EnrolmentTarget): Promise<void> {
    if (!(await this.sites.siteExists(m, target.siteId))) {
      throw new InvalidInputError('No such site', [{ path: 'body.siteId', message: 'no such site' }]);
    }
    if (target.careTeamId !== null && !(await this.sites.teamInSite(m, target.careTeamId, target.siteId))) {
      throw new InvalidInputError('The care team does not exist or belongs to another site', [
        { path: 'body.careTeamId', message: 'no such care team at this site' },
      ]);
    }
  }

  private async find(m: EntityManager, id: string, lock = false): Promise<EnrolmentLocationView> {
    const row = await this.locations.find(m, id, lock);
    if (!row) throw new NotFoundError('Enrolment location');
    return toView(row);
  }
}
