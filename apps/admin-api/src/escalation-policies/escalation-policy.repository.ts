import { Injectable } from '@nestjs/common';
import { queryRows } from '@alem/persistence';
import { type EntityManager } from 'typeorm';

export interface PolicyRow {
  id: string;
  care_team_id: string | null;
  version: number;
  definition: unknown;
  note: string | null;
  created_at: Date;
  created_by: string | null;
}

/** The queries of escalation policy versions (per care team, or the default: `teamId` null) and of who is on duty. */
@Injectable()
export class EscalationPolicyRepository {
  /** Every version of the scope, newest first. */
  async versions(m: EntityManager, teamId: string | null): Promise<PolicyRow[]> {
    return queryRows<PolicyRow>(
      m,
      `SELECT * FROM escalation_policies WHERE care_team_id IS NOT DISTINCT FROM $1 ORDER BY version DESC`,
      [teamId],
    );
  }

  /** The version in force for the team (its own, else the default). */
  async inForce(m: EntityManager, teamId: string | null): Promise<PolicyRow | null> {
    const [row] = await queryRows<PolicyRow>(
      m,
      `SELECT * FROM escalation_policies WHERE id = escalation_policy_in_force($1)`,
      [teamId],
    );
    return row ?? null;
  }

  async onDuty(m: EntityManager, teamId: string): Promise<string[]> {
    const rows = await queryRows<{ user_id: string }>(
      m,
      `SELECT user_id FROM care_team_members WHERE care_team_id = $1 AND on_duty ORDER BY user_id`,
      [teamId],
    );
    return rows.map((r) => r.user_id);
  }

  async activeUserExists(m: EntityManager, userId: string): Promise<boolean> {
    const found = await queryRows(m, `SELECT 1 FROM users WHERE id = $1 AND active`, [userId]);
    return found.length > 0;
  }

  /**
   * Stores the scope's next version. Versions of one scope are numbered under a lock on the scope, so two admins
   * cannot both write version n.
   */
  async insertNextVersion(
    m: EntityManager,
    teamId: string | null,
    version: { definition: unknown; note: string | null; at: Date; by: string },
  ): Promise<PolicyRow> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [
      `escalation-policy|${teamId ?? 'default'}`,
    ]);
    const [row] = await queryRows<PolicyRow>(
      m,
      `INSERT INTO escalation_policies (care_team_id, version, definition, note, created_at, created_by)
         SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5
         FROM escalation_policies WHERE care_team_id IS NOT DISTINCT FROM $1
         RETURNING *`,
      [teamId, JSON.stringify(version.definition), version.note, version.at.toISOString(), version.by],
    );
    return row!;
  }

  /** The team's members with their duty, locked for update. */
  async lockMembers(m: EntityManager, teamId: string): Promise<Array<{ user_id: string; on_duty: boolean }>> {
    return queryRows<{ user_id: string; on_duty: boolean }>(
      m,
      `SELECT user_id, on_duty FROM care_team_members WHERE care_team_id = $1 ORDER BY user_id FOR UPDATE`,
      [teamId],
    );
  }

  /** The named members are on duty, the others off duty. */
  async setOnDuty(m: EntityManager, teamId: string, userIds: readonly string[]): Promise<void> {
    await m.query(
      `UPDATE care_team_members SET on_duty = (user_id = ANY($2::uuid[])) WHERE care_team_id = $1`,
      [teamId, [...userIds]],
    );
  }
}
