import { Injectable } from '@nestjs/common';
import { hashPassword } from '@alem/access';
import { AuditRepository, type AuditEntry, queryRows } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/domain.errors';
import { auditActorOf, type RequestActor } from '../common/request-actor';
import { LoginLockout } from '../auth/login-lockout';
import { ContactVerification } from './contact-verification';
import {
  type ContactPointView,
  type CreateContactPointDto,
  type CreateUserDto,
  isValidAddress,
  type UpdateContactPointDto,
  type UpdateUserDto,
  type UserQueryDto,
  type UnlockedUserView,
  type UserView,
} from './user.dto';

interface UserRow {
  id: string;
  email: string;
  display_name: string;
  roles: string[];
  active: boolean;
  has_password: boolean;
  created_at: Date;
}
const USER_COLUMNS = `id, email, display_name, roles, active, password_hash IS NOT NULL AS has_password, created_at`;
const toUser = (r: UserRow): UserView => ({
  id: r.id,
  email: r.email,
  displayName: r.display_name,
  roles: r.roles,
  active: r.active,
  hasPassword: r.has_password,
  createdAt: r.created_at.toISOString(),
});

interface ContactRow {
  id: string;
  user_id: string;
  channel: 'email' | 'sms';
  address: string;
  verified_at: Date | null;
  created_at: Date;
}
const CONTACT_COLUMNS = `id, user_id, channel, address, verified_at, created_at`;
const toContact = (r: ContactRow): ContactPointView => ({
  id: r.id,
  userId: r.user_id,
  channel: r.channel,
  address: r.address,
  verifiedAt: r.verified_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
});

/** People (users with roles and passwords) and how to reach them (contact points). */
@Injectable()
export class UserService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditRepository,
    private readonly verification: ContactVerification,
    private readonly lockout: LoginLockout,
    private readonly clock: Clock,
  ) {}

  private entry(
    actor: RequestActor,
    entry: Omit<AuditEntry, 'actor' | 'at' | 'dataCategory'> & Partial<Pick<AuditEntry, 'dataCategory'>>,
  ): AuditEntry {
    return { actor: auditActorOf(actor), at: this.clock.now(), dataCategory: 'access-control', ...entry };
  }

  async list(query: UserQueryDto): Promise<{ items: UserView[] }> {
    const rows: UserRow[] = await this.dataSource.query(
      `SELECT ${USER_COLUMNS} FROM users
       WHERE ($1::text IS NULL OR $1 = ANY(roles)) AND ($2::boolean IS NULL OR active = $2) ORDER BY email`,
      [query.role ?? null, query.active === undefined ? null : query.active === 'true'],
    );
    return { items: rows.map(toUser) };
  }

  async get(id: string): Promise<UserView> {
    return this.find(this.dataSource.manager, id);
  }

  async create(actor: RequestActor, input: CreateUserDto): Promise<UserView> {
    const passwordHash = input.password ? await hashPassword(input.password) : null;
    return this.dataSource.transaction(async (m) => {
      const [row]: UserRow[] = await m.query(
        `INSERT INTO users (email, display_name, roles, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (email) DO NOTHING RETURNING ${USER_COLUMNS}`,
        [input.email, input.displayName, input.roles, passwordHash, this.clock.now().toISOString()],
      );
      if (!row) throw new ConflictError('A user with this email already exists');
      const after = toUser(row);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'user.create',
          entityType: 'user',
          entityId: after.id,
          detail: { before: null, after },
        }),
      ]);
      return after;
    });
  }

  async update(actor: RequestActor, id: string, input: UpdateUserDto): Promise<UserView> {
    const passwordHash = input.password ? await hashPassword(input.password) : undefined;
    return this.dataSource.transaction(async (m) => {
      const before = await this.find(m, id, true);
      const [row] = await queryRows<UserRow>(
        m,
        `UPDATE users SET display_name = coalesce($2, display_name), roles = coalesce($3, roles),
                active = coalesce($4, active), password_hash = coalesce($5, password_hash)
         WHERE id = $1 RETURNING ${USER_COLUMNS}`,
        [id, input.displayName ?? null, input.roles ?? null, input.active ?? null, passwordHash ?? null],
      );
      // Nobody may lock every admin out (the last admin demoting or deactivating themselves, say).
      const [{ n }]: Array<{ n: number }> = await m.query(
        `SELECT count(*)::int AS n FROM users WHERE active AND 'admin' = ANY(roles)`,
      );
      if (n === 0) throw new ConflictError('This would leave no active admin');
      const after = toUser(row!);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'user.update',
          entityType: 'user',
          entityId: id,
          // The hash itself is never recorded, only that the password changed.
          detail: { before, after, ...(passwordHash ? { passwordChanged: true } : {}) },
        }),
      ]);
      return after;
    });
  }

  /** Lifts the person's sign-in lockout at every address (audited, also when there was none). */
  async unlock(actor: RequestActor, id: string): Promise<UnlockedUserView> {
    const user = await this.find(this.dataSource.manager, id);
    const unlockedAddresses = await this.lockout.unlock(user.email);
    await this.audit.appendAlone([
      this.entry(actor, {
        action: 'user.unlock',
        entityType: 'user',
        entityId: id,
        detail: { unlockedAddresses },
      }),
    ]);
    return { id, unlockedAddresses };
  }

  async contactPoints(userId: string): Promise<{ items: ContactPointView[] }> {
    await this.find(this.dataSource.manager, userId);
    const rows: ContactRow[] = await this.dataSource.query(
      `SELECT ${CONTACT_COLUMNS} FROM contact_points WHERE user_id = $1 ORDER BY created_at, id`,
      [userId],
    );
    return { items: rows.map(toContact) };
  }

  async createContactPoint(
    actor: RequestActor,
    userId: string,
    input: CreateContactPointDto,
  ): Promise<ContactPointView> {
    const created = await this.dataSource.transaction(async (m) => {
      await this.find(m, userId, true);
      const [row]: ContactRow[] = await m.query(
        `INSERT INTO contact_points (user_id, channel, address, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, channel, address) DO NOTHING RETURNING ${CONTACT_COLUMNS}`,
        [userId, input.channel, input.address, this.clock.now().toISOString()],
      );
      if (!row) throw new ConflictError('This person already has this contact point');
      const after = toContact(row);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'contact-point.create',
          entityType: 'contact-point',
          entityId: after.id,
          dataCategory: 'configuration',
          detail: { before: null, after },
        }),
      ]);
      return after;
    });
    await this.verification.requestVerification(created.id);
    return created;
  }

  async updateContactPoint(
    actor: RequestActor,
    userId: string,
    contactPointId: string,
    input: UpdateContactPointDto,
  ): Promise<ContactPointView> {
    const updated = await this.dataSource.transaction(async (m) => {
      const before = await this.findContact(m, userId, contactPointId);
      const address = before.channel === 'email' ? input.address.toLowerCase() : input.address;
      if (!isValidAddress(before.channel, address)) {
        throw new InvalidInputError('The address does not fit the channel', [
          {
            path: 'body.address',
            message: before.channel === 'email' ? 'an email address' : 'an E.164 number',
          },
        ]);
      }
      // A new address is unverified again: nothing is sent to it until confirmed.
      const [row] = await queryRows<ContactRow>(
        m,
        `UPDATE contact_points SET address = $3, verified_at = NULL WHERE id = $1 AND user_id = $2
         RETURNING ${CONTACT_COLUMNS}`,
        [contactPointId, userId, address],
      );
      const after = toContact(row!);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'contact-point.update',
          entityType: 'contact-point',
          entityId: contactPointId,
          dataCategory: 'configuration',
          detail: { before, after },
        }),
      ]);
      return after;
    });
    await this.verification.requestVerification(updated.id);
    return updated;
  }

  async deleteContactPoint(actor: RequestActor, userId: string, contactPointId: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const before = await this.findContact(m, userId, contactPointId);
      const used = await m.query(`SELECT 1 FROM deliveries WHERE contact_point_id = $1 LIMIT 1`, [
        contactPointId,
      ]);
      if (used.length > 0) {
        throw new ConflictError('Messages were sent to this contact point; it stays for the record');
      }
      await m.query(`DELETE FROM contact_points WHERE id = $1`, [contactPointId]);
      await this.audit.append(m, [
        this.entry(actor, {
          action: 'contact-point.delete',
          entityType: 'contact-point',
          entityId: contactPointId,
          dataCategory: 'configuration',
          detail: { before, after: null },
        }),
      ]);
    });
  }

  private async find(m: EntityManager, id: string, lock = false): Promise<UserView> {
    const rows: UserRow[] = await m.query(
      `SELECT ${USER_COLUMNS} FROM users WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    if (!rows[0]) throw new NotFoundError('User');
    return toUser(rows[0]);
  }

  private async findContact(m: EntityManager, userId: string, id: string): Promise<ContactPointView> {
    const rows: ContactRow[] = await m.query(
      `SELECT ${CONTACT_COLUMNS} FROM contact_points WHERE id = $1 AND user_id = $2 FOR UPDATE`,
      [id, userId],
    );
    if (!rows[0]) throw new NotFoundError('Contact point');
    return toContact(rows[0]);
  }
}
