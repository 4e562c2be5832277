import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditedTransactions } from '../common/audited-transaction';
import { ConflictError, NotFoundError } from '../common/domain.errors';
import { type RequestActor } from '../common/request-actor';
import {
  type CareTeamView,
  type CreateCareTeamDto,
  type CreateSiteDto,
  type SiteView,
  type UpdateCareTeamDto,
} from './care-team.dto';
import { CareTeamRepository, type SiteRow, type TeamRow } from './care-team.repository';

const toSite = (r: SiteRow): SiteView => ({
  id: r.id,
  name: r.name,
  timeZone: r.time_zone,
  createdAt: r.created_at.toISOString(),
});

const toTeam = (r: TeamRow): CareTeamView => ({
  id: r.id,
  siteId: r.site_id,
  name: r.name,
  createdAt: r.created_at.toISOString(),
  members: r.members,
});

/** Sites, care teams and their members: who hears about which patients' alerts. */
@Injectable()
export class CareTeamService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly teams: CareTeamRepository,
    private readonly audited: AuditedTransactions,
  ) {}

  async sites(): Promise<{ items: SiteView[] }> {
    const rows = await this.teams.sites(this.dataSource.manager);
    return { items: rows.map(toSite) };
  }

  async createSite(actor: RequestActor, input: CreateSiteDto): Promise<SiteView> {
    return this.audited.run(actor, 'configuration', async (m, trail) => {
      const row = await this.teams.insertSite(m, input);
      if (!row) throw new ConflictError('A site with this id already exists');
      const site = toSite(row);
      trail.record({
        action: 'site.create',
        entityType: 'site',
        entityId: site.id,
        detail: { before: null, after: site },
      });
      return site;
    });
  }

  async list(siteId?: string): Promise<{ items: CareTeamView[] }> {
    const rows = await this.teams.teams(this.dataSource.manager, siteId ?? null);
    return { items: rows.map(toTeam) };
  }

  async get(id: string): Promise<CareTeamView> {
    return this.find(this.dataSource.manager, id);
  }

  async create(actor: RequestActor, input: CreateCareTeamDto): Promise<CareTeamView> {
    return this.audited.run(actor, 'configuration', async (m, trail) => {
      if (!(await this.teams.siteExists(m, input.siteId))) throw new NotFoundError('Site');
      const id = await this.teams.insertTeam(m, input.siteId, input.name);
      if (!id) throw new ConflictError('The site already has a care team of this name');
      const after = await this.find(m, id);
      trail.record({
        action: 'care-team.create',
        entityType: 'care-team',
        entityId: id,
        detail: { before: null, after },
      });
      return after;
    });
  }

  async update(actor: RequestActor, id: string, input: UpdateCareTeamDto): Promise<CareTeamView> {
    return this.audited.run(actor, 'configuration', async (m, trail) => {
      const before = await this.find(m, id, true);
      if (await this.teams.nameTaken(m, before.siteId, input.name, id)) {
        throw new ConflictError('The site already has a care team of this name');
      }
      await this.teams.rename(m, id, input.name);
      const after = await this.find(m, id);
      trail.record({
        action: 'care-team.update',
        entityType: 'care-team',
        entityId: id,
        detail: { before, after },
      });
      return after;
    });
  }

  /** Adds a member, or changes the role of one. */
  async putMember(actor: RequestActor, id: string, userId: string, role: string): Promise<CareTeamView> {
    return this.audited.run(actor, 'configuration', async (m, trail) => {
      const team = await this.find(m, id, true);
      if (!(await this.teams.userExists(m, userId))) throw new NotFoundError('User');
      const before = team.members.find((x) => x.userId === userId) ?? null;
      await this.teams.putMember(m, id, userId, role);
      const after = await this.find(m, id);
      trail.record({
        action: before ? 'care-team-member.update' : 'care-team-member.add',
        entityType: 'care-team-member',
        entityId: `${id}/${userId}`,
        detail: { careTeamId: id, userId, before, after: after.members.find((x) => x.userId === userId) },
      });
      return after;
    });
  }

  async removeMember(actor: RequestActor, id: string, userId: string): Promise<CareTeamView> {
    return this.audited.run(actor, 'configuration', async (m, trail) => {
      const team = await this.find(m, id, true);
      const before = team.members.find((x) => x.userId === userId);
      if (!before) throw new NotFoundError('Care team member');
      await this.teams.removeMember(m, id, userId);
      const after = await this.find(m, id);
      trail.record({
        action: 'care-team-member.remove',
        entityType: 'care-team-member',
        entityId: `${id}/${userId}`,
        detail: { careTeamId: id, userId, before, after: null },
      });
      return after;
    });
  }

  private async find(m: EntityManager, id: string, lock = false): Promise<CareTeamView> {
    if (lock) await this.teams.teamExists(m, id, true);
    const row = await this.teams.team(m, id);
    if (!row) throw new NotFoundError('Care team');
    return toTeam(row);
  }
}
