import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  decideAccess,
  identifiesCaller,
  type Principal,
  readAccessDeclaration,
  TokenVerifier,
} from '@alem/access';
import { ApiKeyRepository, AuditRepository } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { type Response } from 'express';
import { BrowserSessionService, CSRF_HEADER } from './browser-session.service';
import { sessionSecretOf } from './session-cookies';
import { AccessDeniedError, AuthenticationError } from '../common/domain.errors';
import { auditActorOf, type AuthenticatedRequest, requestActorOf } from '../common/request-actor';
import { PrincipalRepository } from './principal.repository';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The global guard: default deny. Authenticates the caller (a bearer token through the `TokenVerifier`
 * seam, an `X-API-Key`, or, with neither header, the console's session cookie), then lets the request through
 * only if the route is `@Public()` or declares a role the caller holds. A route with no declaration is refused
 * to everybody. A state-changing request authenticated by the cookie must carry the session's CSRF token.
 * Refusals of an authenticated caller (403) are audited.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger('AccessGuard');

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenVerifier,
    private readonly users: PrincipalRepository,
    private readonly apiKeys: ApiKeyRepository,
    private readonly audit: AuditRepository,
    private readonly sessions: BrowserSessionService,
    private readonly clock: Clock,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return false;
    const declaration = readAccessDeclaration(this.reflector, context.getHandler(), context.getClass());
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (declaration.public) {
      if (identifiesCaller(this.reflector, context.getHandler())) {
        const principal = await this.authenticate(request);
        if (principal) request.principal = principal;
      }
      return true;
    }
    const principal = await this.authenticate(request);
    if (principal && request.browserSession && !SAFE_METHODS.has(request.method)) {
      const header = request.headers[CSRF_HEADER];
      if (
        !this.sessions.csrfMatches(request.browserSession, typeof header === 'string' ? header : undefined)
      ) {
        request.principal = principal;
        await this.auditDenial(request, 'csrf-token', declaration.roles ?? []);
        throw new AccessDeniedError(
          'This request came with the console’s session but without its CSRF token (X-CSRF-Token)',
        );
      }
    }
    const decision = decideAccess(declaration, principal);
    if (decision.allowed) {
      request.principal = principal!;
      request.actingRoles = decision.actingRoles;
      return true;
    }
    if (decision.status === 401) {
      context
        .switchToHttp()
        .getResponse<Response>()
        .setHeader('WWW-Authenticate', 'Bearer realm="alem-admin-api"');
      throw new AuthenticationError('Sign in first: a console session, a valid bearer token or an API key');
    }
    request.principal = principal!;
    await this.auditDenial(request, decision.reason, declaration.roles ?? []);
    throw new AccessDeniedError(
      decision.reason === 'undeclared'
        ? 'This route declares no roles and is closed'
        : 'Your role does not allow this',
    );
  }

  private async authenticate(request: AuthenticatedRequest): Promise<Principal | null> {
    const authorization = request.headers.authorization;
    if (typeof authorization === 'string') {
      const [scheme, credentials] = authorization.split(' ', 2);
      if (scheme?.toLowerCase() === 'bearer' && credentials) {
        try {
          const token = await this.tokens.verify(credentials.trim());
          return await this.users.activeUser(token.userId);
        } catch {
          return null;
        }
      }
      if (scheme?.toLowerCase() === 'apikey' && credentials) {
        return this.apiKeys.authenticate(credentials, this.clock.now());
      }
      return null;
    }
    const apiKey = request.headers['x-api-key'];
    if (typeof apiKey === 'string') return this.apiKeys.authenticate(apiKey, this.clock.now());
    const secret = sessionSecretOf(request);
    if (secret === null) return null;
    const session = await this.sessions.resume(secret, this.clock.now());
    if (!session) return null;
    const user = await this.users.activeUser(session.userId);
    if (user) request.browserSession = session;
    return user;
  }

  private async auditDenial(request: AuthenticatedRequest, reason: string, required: readonly string[]) {
    try {
      await this.audit.appendAlone([
        {
          actor: auditActorOf(requestActorOf(request)),
          action: 'access.denied',
          entityType: 'route',
          entityId: `${request.method} ${request.route?.path ?? ''}`,
          dataCategory: 'access-control',
          outcome: 'denied',
          detail: { reason, requiredRoles: required },
          at: this.clock.now(),
        },
      ]);
    } catch (error) {
      // The refusal stands either way; losing its record is worth an alarm.
      this.logger.error({ err: { name: (error as Error).name } }, 'could not audit an access refusal');
    }
  }
}
