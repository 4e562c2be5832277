import { Injectable } from '@nestjs/common';
import { queryRows } from '@alem/persistence';
import { type EntityManager } from 'typeorm';

export interface UserRow {
  id: string;
  email: string;
  display_name: string;
  roles: string[];
  active: boolean;
  has_password: boolean;
  created_at: Date;
}
const USER_COLUMNS = `id, email, display_name, roles, active, password_hash IS NOT NULL AS has_password, created_at`;

export interface ContactRow {
  id: string;
  user_id: string;
  channel: 'email' | 'sms';
  address: string;
  verified_at: Date | null;
  created_at: Date;
}
const CONTACT_COLUMNS = `id, user_id, channel, address, verified_at, created_at`;

/** The queries of people (never their password hashes, only whether they have one) and their contact points. */
@Injectable()
export class UserRepository {
  async list(m: EntityManager, role: string | null, active: boolean | null): Promise<UserRow[]> {
    return m.query(
      `SELECT ${USER_COLUMNS} FROM users
       WHERE ($1::text IS NULL OR $1 = ANY(roles)) AND ($2::boolean IS NULL OR active = $2) ORDER BY email`,
      [role, active],
    );
  }

  /** The person (locked for update when asked), or null. */
  async find(m: EntityManager, id: string, lock = false): Promise<UserRow | null> {
    const rows: UserRow[] = await m.query(
      `SELECT ${USER_COLUMNS} FROM users WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** The new person, or null when one has this email. */
  async insert(
    m: EntityManager,
    user: { email: string; displayName: string; roles: readonly string[]; passwordHash: string | null },
    at: Date,
  ): Promise<UserRow | null> {
    const [row]: UserRow[] = await m.query(
      `INSERT INTO users (email, display_name, roles, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (email) DO NOTHING RETURNING ${USER_COLUMNS}`,
      [user.email, user.displayName, user.roles, user.passwordHash, at.toISOString()],
    );
    return row ?? null;
  }

  /** Changes what is given (null: unchanged). */
  async update(
    m: EntityManager,
    id: string,
    change: {
      displayName: string | null;
      roles: readonly string[] | null;
      active: boolean | null;
      passwordHash: string | null;
    },
  ): Promise<UserRow> {
    const [row] = await queryRows<UserRow>(
      m,
      `UPDATE users SET display_name = coalesce($2, display_name), roles = coalesce($3, roles),
                active = coalesce($4, active), password_hash = coalesce($5, password_hash)
         WHERE id = $1 RETURNING ${USER_COLUMNS}`,
      [id, change.displayName, change.roles, change.active, change.passwordHash],
    );
    return row!;
  }

  async activeAdmins(m: EntityManager): Promise<number> {
    const [{ n }]: Array<{ n: number }> = await m.query(
      `SELECT count(*)::int AS n FROM users WHERE active AND 'admin' = ANY(roles)`,
    );
    return n;
  }

  async contactPoints(m: EntityManager, userId: string): Promise<ContactRow[]> {
    return m.query(
      `SELECT ${CONTACT_COLUMNS} FROM contact_points WHERE user_id = $1 ORDER BY created_at, id`,
      [userId],
    );
  }

  /** The person's contact point, locked for update, or null. */
  async lockContactPoint(m: EntityManager, userId: string, id: string): Promise<ContactRow | null> {
    const rows: ContactRow[] = await m.query(
      `SELECT ${CONTACT_COLUMNS} FROM contact_points WHERE id = $1 AND user_id = $2 FOR UPDATE`,
      [id, userId],
    );
    return rows[0] ?? null;
  }

  /** The new contact point, or null when the person has it already. */
  async insertContactPoint(
    m: EntityManager,
    userId: string,
    contact: { channel: string; address: string },
    at: Date,
  ): Promise<ContactRow | null> {
    const [row]: ContactRow[] = await m.query(
      `INSERT INTO contact_points (user_id, channel, address, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, channel, address) DO NOTHING RETURNING ${CONTACT_COLUMNS}`,
      [userId, contact.channel, contact.address, at.toISOString()],
    );
    return row ?? null;
  }

  /** A new address, unverified again: nothing is sent to it until confirmed. */
  async changeAddress(m: EntityManager, userId: string, id: string, address: string): Promise<ContactRow> {
    const [row] = await queryRows<ContactRow>(
      m,
      `UPDATE contact_points SET address = $3, verified_at = NULL WHERE id = $1 AND user_id = $2
         RETURNING ${CONTACT_COLUMNS}`,
      [id, userId, address],
    );
    return row!;
  }

  /** Whether a message was ever sent to the contact point. */
  async contactPointUsed(m: EntityManager, id: string): Promise<boolean> {
    const used: unknown[] = await m.query(`SELECT 1 FROM deliveries WHERE contact_point_id = $1 LIMIT 1`, [
      id,
    ]);
    return used.length > 0;
  }

  async deleteContactPoint(m: EntityManager, id: string): Promise<void> {
    await m.query(`DELETE FROM contact_points WHERE id = $1`, [id]);
  }
}
