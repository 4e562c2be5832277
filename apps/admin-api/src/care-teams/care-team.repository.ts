import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { type CareTeamView } from './care-team.dto';

const TEAM_SQL = `
  SELECT t.id, t.site_id, t.name, t.created_at,
         coalesce((SELECT json_agg(json_build_object('userId', u.id, 'email', u.email, 'displayName', u.display_name,
                                                     'role', m.role, 'active', u.active) ORDER BY u.email)
                   FROM care_team_members m JOIN users u ON u.id = m.user_id WHERE m.care_team_id = t.id), '[]'::json)
           AS members
  FROM care_teams t`;

export interface TeamRow {
  id: string;
  site_id: string;
  name: string;
  created_at: Date;
  members: CareTeamView['members'];
}

export interface SiteRow {
  id: string;
  name: string;
  time_zone: string;
  created_at: Date;
}

/**
 * The queries of sites, care teams and their members; other features ask here whether a site or a team exists
 * (the module exports it).
 */
@Injectable()
export class CareTeamRepository {
  async sites(m: EntityManager): Promise<SiteRow[]> {
    return m.query(`SELECT id, name, time_zone, created_at FROM sites ORDER BY id`);
  }

  /** The new site, or null when one of this id exists. */
  async insertSite(
    m: EntityManager,
    site: { id: string; name: string; timeZone: string },
  ): Promise<SiteRow | null> {
    const [row]: SiteRow[] = await m.query(
      `INSERT INTO sites (id, name, time_zone) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING
         RETURNING id, name, time_zone, created_at`,
      [site.id, site.name, site.timeZone],
    );
    return row ?? null;
  }

  async siteExists(m: EntityManager, siteId: string): Promise<boolean> {
    const rows: unknown[] = await m.query(`SELECT 1 FROM sites WHERE id = $1`, [siteId]);
    return rows.length > 0;
  }

  /** Whether the care team exists and belongs to the site. */
  async teamInSite(m: EntityManager, careTeamId: string, siteId: string): Promise<boolean> {
    const rows: unknown[] = await m.query(`SELECT 1 FROM care_teams WHERE id = $1 AND site_id = $2`, [
      careTeamId,
      siteId,
    ]);
    return rows.length > 0;
  }

  /** Whether the care team exists (its row locked for update when asked). */
  async teamExists(m: EntityManager, id: string, lock = false): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM care_teams WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows.length > 0;
  }

  async teams(m: EntityManager, siteId: string | null): Promise<TeamRow[]> {
    return m.query(`${TEAM_SQL} WHERE ($1::text IS NULL OR t.site_id = $1) ORDER BY t.site_id, t.name`, [
      siteId,
    ]);
  }

  async team(m: EntityManager, id: string): Promise<TeamRow | null> {
    const rows: TeamRow[] = await m.query(`${TEAM_SQL} WHERE t.id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** The new team's id, or null when the site has a team of this name. */
  async insertTeam(m: EntityManager, siteId: string, name: string): Promise<string | null> {
    const [row]: Array<{ id: string }> = await m.query(
      `INSERT INTO care_teams (site_id, name) VALUES ($1, $2) ON CONFLICT (site_id, name) DO NOTHING RETURNING id`,
      [siteId, name],
    );
    return row?.id ?? null;
  }

  /** Whether another team of the site has this name. */
  async nameTaken(m: EntityManager, siteId: string, name: string, exceptId: string): Promise<boolean> {
    const clash: unknown[] = await m.query(
      `SELECT 1 FROM care_teams WHERE site_id = $1 AND name = $2 AND id <> $3`,
      [siteId, name, exceptId],
    );
    return clash.length > 0;
  }

  async rename(m: EntityManager, id: string, name: string): Promise<void> {
    await m.query(`UPDATE care_teams SET name = $2 WHERE id = $1`, [id, name]);
  }

  async userExists(m: EntityManager, userId: string): Promise<boolean> {
    const user: unknown[] = await m.query(`SELECT 1 FROM users WHERE id = $1`, [userId]);
    return user.length > 0;
  }

  /** Adds the member, or changes the role of one. */
  async putMember(m: EntityManager, id: string, userId: string, role: string): Promise<void> {
    await m.query(
      `INSERT INTO care_team_members (care_team_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (care_team_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
      [id, userId, role],
    );
  }

  async removeMember(m: EntityManager, id: string, userId: string): Promise<void> {
    await m.query(`DELETE FROM care_team_members WHERE care_team_id = $1 AND user_id = $2`, [id, userId]);
  }
}
