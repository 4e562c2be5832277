import { Injectable } from '@nestjs/common';
import { PERSON_ROLES, type PersonRole, type UserPrincipal } from '@alem/access';
import { DataSource } from 'typeorm';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Loads the signed-in person on every request: a deactivated user or a removed role stops working at once. */
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
}
