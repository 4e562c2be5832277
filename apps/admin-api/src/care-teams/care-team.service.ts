import { Injectable } from '@nestjs/common';
import { AuditRepository, type AuditEntry } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { ConflictError, NotFoundError } from '../common/domain.errors';
import { auditActorOf, type RequestActor } from '../common/request-actor';
import {
  type CareTeamView,
  type CreateCareTeamDto,
  type CreateSiteDto,
  type SiteView,
  type UpdateCareTeamDto,
} from './care-team.dto';

const TEAM_SQL = `
  SELECT t.id, t.site_id, t.name, t.created_at,
         coalesce((SELECT json_agg(json_build_object('userId', u.id, 'email', u.email, 'displayName', u.display_name,
                                                     'role', m.role, 'active', u.active) ORDER BY u.email)
                   FROM care_team_members m JOIN users u ON u.id = m.user_id WHERE m.care_team_id = t.id), '[]'::json)
           AS members
  FROM care_teams t`;

interface TeamRow {
  id: string;
  site_id: string;
  name: string;
  created_at: Date;
  members: CareTeamView['members'];
}

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
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
  ) {}

  private entry(actor: RequestActor, entry: Omit<AuditEntry, 'actor' | 'at' | 'dataCategory'>): AuditEntry {
    return { actor: auditActorOf(actor), at: this.clock.now(), dataCategory: 'configuration', ...entry };
  }

  async sites(): Promise<{ items: SiteView[] }> {
    const rows: Array<{ id: string; name: string; time_zone: string; created_at: Date }> =
      await this.dataSource.query(`SELECT id, name, time_zone, created_at FROM sites ORDER BY id`);
    return {
      items: rows.map((r) => ({
        id: r.id,
        name: r.name,
        timeZone: r.time_zone,
        createdAt: r.created_at.toISOString(),
      })),
    };
  }

  async createSite(actor: RequestActor, input: CreateSiteDto): Promise<SiteView> {
    return this.dataSource.transaction(async (m) => {
      const [row]: Array<{ id: string; name: string; time_zone: string; created_at: Date }> = await m.query(
        `INSERT INTO sites (id, name, time_zone) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING
         RETURNING id, name, time_zone, created_at`,
        [input.id, input.name, input.timeZone],
      );
      if (!row) throw new ConflictError('A site with this id already exists');
      const site = {
        id: row.id,
        name: row.name,
        timeZone: row.time_zone,
        createdAt: row.created_at.toISOString(),
      };
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'site.create',
          entityType: 'site',
          entityId: site.id,
          detail: { before: null, after: site },
        }),
      ]);
      return site;
    });
  }

  async list(siteId?: string): Promise<{ items: CareTeamView[] }> {
    const rows: TeamRow[] = await this.dataSource.query(
      `${TEAM_SQL} WHERE ($1::text IS NULL OR t.site_id = $1) ORDER BY t.site_id, t.name`,
      [siteId ?? null],
    );
    return { items: rows.map(toTeam) };
  }

  async get(id: string): Promise<CareTeamView> {
    return this.find(this.dataSource.manager, id);
  }

  async create(actor: RequestActor, input: CreateCareTeamDto): Promise<CareTeamView> {
    return this.dataSource.transaction(async (m) => {
      const site = await m.query(`SELECT 1 FROM sites WHERE id = $1`, [input.siteId]);
      if (site.length === 0) throw new NotFoundError('Site');
      const [row]: Array<{ id: string }> = await m.query(
        `INSERT INTO care_teams (site_id, name) VALUES ($1, $2) ON CONFLICT (site_id, name) DO NOTHING RETURNING id`,
        [input.siteId, input.name],
      );
      if (!row) throw new ConflictError('The site already has a care team of this name');
      const after = await this.find(m, row.id);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'care-team.create',
          entityType: 'care-team',
          entityId: row.id,
          detail: { before: null, after },
        }),
      ]);
      return after;
    });
  }

  async update(actor: RequestActor, id: string, input: UpdateCareTeamDto): Promise<CareTeamView> {
    return this.dataSource.transaction(async (m) => {
      const before = await this.find(m, id, true);
      const clash = await m.query(`SELECT 1 FROM care_teams WHERE site_id = $1 AND name = $2 AND id <> $3`, [
        before.siteId,
        input.name,
        id,
      ]);
      if (clash.length > 0) throw new ConflictError('The site already has a care team of this name');
      await m.query(`UPDATE care_teams SET name = $2 WHERE id = $1`, [id, input.name]);
      const after = await this.find(m, id);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'care-team.update',
          entityType: 'care-team',
          entityId: id,
          detail: { before, after },
        }),
      ]);
      return after;
    });
  }

  /** Adds a member, or changes the role of one. */
  async putMember(actor: RequestActor, id: string, userId: string, role: string): Promise<CareTeamView> {
    return this.dataSource.transaction(async (m) => {
      const team = await this.find(m, id, true);
      const user = await m.query(`SELECT 1 FROM users WHERE id = $1`, [userId]);
      if (user.length === 0) throw new NotFoundError('User');
      const before = team.members.find((x) => x.userId === userId) ?? null;
      await m.query(
        `INSERT INTO care_team_members (care_team_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (care_team_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
        [id, userId, role],
      );
      const after = await this.find(m, id);
      await this.audit.append(m, [
        this.entry(actor, {
          action: before ? 'care-team-member.update' : 'care-team-member.add',
          entityType: 'care-team-member',
          entityId: `${id}/${userId}`,
          detail: { careTeamId: id, userId, before, after: after.members.find((x) => x.userId === userId) },
        }),
      ]);
      return after;
    });
  }

  async removeMember(actor: RequestActor, id: string, userId: string): Promise<CareTeamView> {
    return this.dataSource.transaction(async (m) => {
      const team = await this.find(m, id, true);
      const before = team.members.find((x) => x.userId === userId);
      if (!before) throw new NotFoundError('Care team member');
      await m.query(`DELETE FROM care_team_members WHERE care_team_id = $1 AND user_id = $2`, [id, userId]);
      const after = await this.find(m, id);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'care-team-member.remove',
          entityType: 'care-team-member',
          entityId: `${id}/${userId}`,
          detail: { careTeamId: id, userId, before, after: null },
        }),
      ]);
      return after;
    });
  }

  private async find(m: EntityManager, id: string, lock = false): Promise<CareTeamView> {
    if (lock) await m.query(`SELECT 1 FROM care_teams WHERE id = $1 FOR UPDATE`, [id]);
    const rows: TeamRow[] = await m.query(`${TEAM_SQL} WHERE t.id = $1`, [id]);
    if (!rows[0]) throw new NotFoundError('Care team');
    return toTeam(rows[0]);
  }
}
