import { Injectable } from '@nestjs/common';
import { hashPassword } from '@alem/access';
import { Clock } from '@alem/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditedTransactions } from '../common/audited-transaction';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/domain.errors';
import { type RequestActor } from '../common/request-actor';
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
import { type ContactRow, UserRepository, type UserRow } from './user.repository';

const toUser = (r: UserRow): UserView => ({
  id: r.id,
  email: r.email,
  displayName: r.display_name,
  roles: r.roles,
  active: r.active,
  hasPassword: r.has_password,
  createdAt: r.created_at.toISOString(),
});

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
    private readonly users: UserRepository,
    private readonly audited: AuditedTransactions,
    private readonly verification: ContactVerification,
    private readonly lockout: LoginLockout,
    private readonly clock: Clock,
  ) {}

  async list(query: UserQueryDto): Promise<{ items: UserView[] }> {
    const rows = await this.users.list(
      this.dataSource.manager,
      query.role ?? null,
      query.active === undefined ? null : query.active === 'true',
    );
    return { items: rows.map(toUser) };
  }

  async get(id: string): Promise<UserView> {
    return this.find(this.dataSource.manager, id);
  }

  async create(actor: RequestActor, input: CreateUserDto): Promise<UserView> {
    const passwordHash = input.password ? await hashPassword(input.password) : null;
    return this.audited.run(actor, 'access-control', async (m, trail) => {
      const row = await this.users.insert(m, { ...input, passwordHash }, this.clock.now());
      if (!row) throw new ConflictError('A user with this email already exists');
      const after = toUser(row);
      trail.record({
        action: 'user.create',
        entityType: 'user',
        entityId: after.id,
        detail: { before: null, after },
      });
      return after;
    });
  }

  async update(actor: RequestActor, id: string, input: UpdateUserDto): Promise<UserView> {
    const passwordHash = input.password ? await hashPassword(input.password) : undefined;
    return this.audited.run(actor, 'access-control', async (m, trail) => {
      const before = await this.find(m, id, true);
      const row = await this.users.update(m, id, {
        displayName: input.displayName ?? null,
        roles: input.roles ?? null,
        active: input.active ?? null,
        passwordHash: passwordHash ?? null,
      });
      // Nobody may lock every admin out (the last admin demoting or deactivating themselves, say).
      if ((await this.users.activeAdmins(m)) === 0)
        throw new ConflictError('This would leave no active admin');
      const after = toUser(row);
      trail.record({
        action: 'user.update',
        entityType: 'user',
        entityId: id,
        // The hash itself is never recorded, only that the password changed.
        detail: { before, after, ...(passwordHash ? { passwordChanged: true } : {}) },
      });
      return after;
    });
  }

  /** Lifts the person's sign-in lockout at every address (audited, also when there was none). */
  async unlock(actor: RequestActor, id: string): Promise<UnlockedUserView> {
    const user = await this.find(this.dataSource.manager, id);
    const unlockedAddresses = await this.lockout.unlock(user.email);
    await this.audited.alone(actor, 'access-control', [
      { action: 'user.unlock', entityType: 'user', entityId: id, detail: { unlockedAddresses } },
    ]);
    return { id, unlockedAddresses };
  }

  async contactPoints(userId: string): Promise<{ items: ContactPointView[] }> {
    await this.find(this.dataSource.manager, userId);
    const rows = await this.users.contactPoints(this.dataSource.manager, userId);
    return { items: rows.map(toContact) };
  }

  async createContactPoint(
    actor: RequestActor,
    userId: string,
    input: CreateContactPointDto,
  ): Promise<ContactPointView> {
    const created = await this.audited.run(actor, 'configuration', async (m, trail) => {
      await this.find(m, userId, true);
      const row = await this.users.insertContactPoint(m, userId, input, this.clock.now());
      if (!row) throw new ConflictError('This person already has this contact point');
      const after = toContact(row);
      trail.record({
        action: 'contact-point.create',
        entityType: 'contact-point',
        entityId: after.id,
        detail: { before: null, after },
      });
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
    const updated = await this.audited.run(actor, 'configuration', async (m, trail) => {
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
      const after = toContact(await this.users.changeAddress(m, userId, contactPointId, address));
      trail.record({
        action: 'contact-point.update',
        entityType: 'contact-point',
        entityId: contactPointId,
        detail: { before, after },
      });
      return after;
    });
    await this.verification.requestVerification(updated.id);
    return updated;
  }

  async deleteContactPoint(actor: RequestActor, userId: string, contactPointId: string): Promise<void> {
    await this.audited.run(actor, 'configuration', async (m, trail) => {
      const before = await this.findContact(m, userId, contactPointId);
      if (await this.users.contactPointUsed(m, contactPointId)) {
        throw new ConflictError('Messages were sent to this contact point; it stays for the record');
      }
      await this.users.deleteContactPoint(m, contactPointId);
      trail.record({
        action: 'contact-point.delete',
        entityType: 'contact-point',
        entityId: contactPointId,
        detail: { before, after: null },
      });
    });
  }

  private async find(m: EntityManager, id: string, lock = false): Promise<UserView> {
    const row = await this.users.find(m, id, lock);
    if (!row) throw new NotFoundError('User');
    return toUser(row);
  }

  private async findContact(m: EntityManager, userId: string, id: string): Promise<ContactPointView> {
    const row = await this.users.lockContactPoint(m, userId, id);
    if (!row) throw new NotFoundError('Contact point');
    return toContact(row);
  }
}
