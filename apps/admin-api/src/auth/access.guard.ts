import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { decideAccess, type Principal, readAccessDeclaration, TokenVerifier } from '@alem/access';
import { ApiKeyRepository, AuditRepository } from '@alem/persistence';
import { Clock } from '@alem/runtime';
import { type Response } from 'express';
import { AccessDeniedError, AuthenticationError } from '../common/domain.errors';
import { auditActorOf, type AuthenticatedRequest, requestActorOf } from '../common/request-actor';
import { PrincipalRepository } from './principal.repository';

/**
 * The global guard: default deny. Authenticates the caller (a bearer token through the `TokenVerifier`
 * seam, or an `X-API-Key`), then lets the request through only if the route is `@Public()` or declares a
 * role the caller holds. A route with no declaration is refused to everybody. Refusals of an authenticated
 * caller (403) are audited.
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
    private readonly clock: Clock,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return false;
    const declaration = readAccessDeclaration(this.reflector, context.getHandler(), context.getClass());
    if (declaration.public) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.authenticate(request);
    const decision = decideAccess(declaration, principal);
    if (decision.allowed) {
      request.principal = principal!;
      return true;
    }
    if (decision.status === 401) {
      context
        .switchToHttp()
        .getResponse<Response>()
        .setHeader('WWW-Authenticate', 'Bearer realm="alem-admin-api"');
      throw new AuthenticationError('Sign in first: send a valid bearer token (or an API key)');
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
    return null;
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
