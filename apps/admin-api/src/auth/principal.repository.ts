import { Injectable } from '@nestjs/common';
import { PERSON_ROLES, type PersonRole, type UserPrincipal } from '@alem/access';
import { DataSource, type EntityManager } from 'typeorm';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a sign-in checks: the account of an email, with its password hash. */
export interface CredentialsRow {
  id: string;
  email: string;
  password_hash: string | null;
  active: boolean;
}

/**
 * Loads the signed-in person on every request (a deactivated user or a removed role stops working at once), and
 * the accounts sign-in checks.
 */
@Injectable()
export class PrincipalRepository {
  constructor(private readonly dataSource: DataSource) {}

  async activeUser(userId: string): Promise<UserPrincipal | null> {
    if (!UUID.test(userId)) return null;
    const rows: Array<{ id: string; email: string; roles: string[] }> = await this.dataSource.query(
      `SELECT id, email, roles FROM users WHERE id = $1 AND active`,
      [userId],
    );
    const row = rows[0];
    if (!row) return null;
    const roles = row.roles.filter((r): r is PersonRole => (PERSON_ROLES as readonly string[]).includes(r));
    return { kind: 'user', userId: row.id, email: row.email, roles };
  }

  /** The account of the email (lower-cased), whatever its state, or null. */
  async credentials(email: string): Promise<CredentialsRow | null> {
    const rows: CredentialsRow[] = await this.dataSource.query(
      `SELECT id, email, password_hash, active FROM users WHERE lower(email) = $1`,
      [email],
    );
    return rows[0] ?? null;
  }

  /** Stores the password's hash again, with today's parameters. */
  async rehash(m: EntityManager, userId: string, passwordHash: string): Promise<void> {
    await m.query(`UPDATE users SET password_hash = $2 WHERE id = $1`, [userId, passwordHash]);
  }

  /** The care teams of the person (whose patients a clinician may see). */
  async careTeamIds(userId: string): Promise<string[]> {
    const teams: Array<{ care_team_id: string }> = await this.dataSource.query(
      `SELECT care_team_id FROM care_team_members WHERE user_id = $1 ORDER BY care_team_id`,
      [userId],
    );
    return teams.map((t) => t.care_team_id);
  }
}
