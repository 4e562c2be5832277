import { Injectable } from '@nestjs/common';
import {
  burnPasswordVerification,
  hashPassword,
  needsRehash,
  type Principal,
  verifyPassword,
} from '@alem/access';
import { AuditRepository } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { DataSource } from 'typeorm';
import { AuthenticationError, TooManyAttemptsError } from '../common/domain.errors';
import { auditActorOf, type RequestActor } from '../common/request-actor';
import { type LoginDto, type MeDto } from './auth.dto';
import { BrowserSessionService, type StartedSession } from './browser-session.service';
import { type IssuedToken, TokenIssuer } from './jwt-token.service';
import { LoginLockout } from './login-lockout';
import { PrincipalRepository } from './principal.repository';

const INVALID = 'Invalid email or password';

/**
 * Sign-in with email and password. Every attempt is audited (entity `login`, id = the email as typed,
 * lower-cased), and an email with `LOGIN_LOCKOUT_FAILURES` failed attempts from one client address within
 * `LOGIN_LOCKOUT_MINUTES` is refused there without checking the password (`LoginLockout`). Unknown emails are
 * counted and locked the same way, and answered in the same time, so neither reveals which accounts exist.
 */
@Injectable()
export class AuthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditRepository,
    private readonly tokens: TokenIssuer,
    private readonly sessions: BrowserSessionService,
    private readonly users: PrincipalRepository,
    private readonly lockout: LoginLockout,
    private readonly clock: Clock,
  ) {}

  /** Sign-in of an API client: a short-lived bearer token. */
  async login(actor: RequestActor, input: LoginDto): Promise<IssuedToken> {
    const now = this.clock.now();
    const userId = await this.signIn(actor, input, now, 'token');
    return this.tokens.issue(userId, now);
  }

  /** Sign-in of the console: a session for the HttpOnly cookie, and its CSRF token. */
  async startSession(actor: RequestActor, input: LoginDto): Promise<{ session: StartedSession; me: MeDto }> {
    const now = this.clock.now();
    const userId = await this.signIn(actor, input, now, 'session');
    const principal = await this.users.activeUser(userId);
    if (!principal) throw new AuthenticationError(INVALID); // deactivated in the meantime
    const session = await this.sessions.start(userId, now);
    return { session, me: await this.me({ ...actor, principal }) };
  }

  /** Ends the caller's console session (audited); the cookies are cleared by the controller. */
  async endSession(actor: RequestActor, sessionId: string | null): Promise<void> {
    const now = this.clock.now();
    const ended = sessionId ? await this.sessions.end(sessionId, now, 'signed-out') : false;
    await this.audit.appendAlone([
      {
        actor: auditActorOf(actor),
        action: 'auth.logout',
        entityType: 'session',
        entityId: sessionId ?? 'none',
        dataCategory: 'authentication',
        outcome: 'success',
        detail: { ended },
        at: now,
      },
    ]);
  }

  /**
   * Checks email and password, audits the attempt whatever its outcome, and returns the user's id. `via` says
   * what the sign-in was for (an API token or a console session).
   */
  private async signIn(
    actor: RequestActor,
    input: LoginDto,
    now: Date,
    via: 'token' | 'session',
  ): Promise<string> {
    const email = input.email.toLowerCase();
    const attempt = {
      actor: auditActorOf(actor),
      action: 'auth.login',
      entityType: 'login',
      entityId: email,
    };

    if (!(await this.lockout.tryAttempt(email, actor.sourceIp))) {
      await this.audit.appendAlone([
        {
          ...attempt,
          dataCategory: 'authentication',
          outcome: 'denied',
          detail: { reason: 'locked-out' },
          at: now,
        },
      ]);
      throw new TooManyAttemptsError('Too many failed sign-ins for this account; try again later');
    }

    const user = await this.users.credentials(email);
    let failure: string | null = null;
    if (!user) failure = 'unknown-user';
    else if (!user.active) failure = 'inactive';
    else if (!user.password_hash) failure = 'no-password';
    const passwordOk =
      failure === null
        ? await verifyPassword(input.password, user!.password_hash!)
        : await burnPasswordVerification(input.password);
    if (failure === null && !passwordOk) failure = 'wrong-password';

    if (failure !== null || !user) {
      await this.audit.appendAlone([
        {
          ...attempt,
          dataCategory: 'authentication',
          outcome: 'failure',
          detail: { reason: failure, ...(user ? { userId: user.id } : {}) },
          at: now,
        },
      ]);
      throw new AuthenticationError(INVALID);
    }

    await this.lockout.succeeded(email, actor.sourceIp);
    const rehash = needsRehash(user.password_hash!) ? await hashPassword(input.password) : null;
    await this.dataSource.transaction(async (m) => {
      if (rehash) await this.users.rehash(m, user.id, rehash);
      await this.audit.append(m, [
        {
          ...attempt,
          actor: { ...attempt.actor, type: 'user', id: user.id, label: user.email },
          dataCategory: 'authentication',
          outcome: 'success',
          detail: { userId: user.id, via, ...(rehash ? { passwordRehashed: true } : {}) },
          at: now,
        },
      ]);
    });
    return user.id;
  }

  /** Who the caller is, and for a person the care teams whose patients a clinician may see. */
  async me(actor: RequestActor): Promise<MeDto> {
    const p = actor.principal as Principal;
    if (p.kind === 'api-key') {
      return { kind: 'api-key', id: p.keyId, label: p.sender, roles: [...p.roles], careTeamIds: [] };
    }
    const careTeamIds = await this.users.careTeamIds(p.userId);
    return {
      kind: 'user',
      id: p.userId,
      label: p.email,
      roles: [...p.roles],
      careTeamIds,
    };
  }
}
