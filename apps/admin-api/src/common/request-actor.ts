import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type Principal, type Role, type UserPrincipal } from '@alem/access';
import { type AuditActor } from '@alem/persistence';
import { type Request } from 'express';
import { AccessDeniedError } from './domain.errors';

/** Who is calling and from where: what services need for access decisions and audit rows. */
export interface RequestActor {
  /** Null only on public routes. */
  principal: Principal | null;
  /** The principal's roles that the route grants: what the caller acts as here (see `decideAccess`). */
  actingRoles: readonly Role[];
  sourceIp: string | null;
  userAgent: string | null;
}

/** `browserSession`: the console session the caller was authenticated by (absent for bearer tokens and keys). */
export type AuthenticatedRequest = Request & {
  principal?: Principal;
  actingRoles?: readonly Role[];
  browserSession?: { id: string; csrfHash: Buffer; expiresAt: Date; idleExpiresAt: Date };
};

export function requestActorOf(request: AuthenticatedRequest): RequestActor {
  const userAgent = request.headers['user-agent'];
  return {
    principal: request.principal ?? null,
    actingRoles: request.actingRoles ?? [],
    sourceIp: request.ip ?? request.socket?.remoteAddress ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 500) : null,
  };
}

/** The caller (`@Actor() actor: RequestActor`), as the access guard authenticated it. */
export const Actor = createParamDecorator((_: unknown, context: ExecutionContext): RequestActor =>
  requestActorOf(context.switchToHttp().getRequest<AuthenticatedRequest>()),
);

/** The actor as the audit log records it. */
export function auditActorOf(actor: RequestActor): AuditActor {
  const p = actor.principal;
  const where = { sourceIp: actor.sourceIp, userAgent: actor.userAgent };
  if (!p) return { type: 'anonymous', id: null, label: null, ...where };
  if (p.kind === 'user') return { type: 'user', id: p.userId, label: p.email, ...where };
  return { type: 'api-key', id: p.keyId, label: p.sender, ...where };
}

/** The signed-in person; API keys never reach person-only actions (their routes say so, this makes sure). */
export function userOf(actor: RequestActor): UserPrincipal {
  if (actor.principal?.kind !== 'user') throw new AccessDeniedError('Only a signed-in person may do this');
  return actor.principal;
}
