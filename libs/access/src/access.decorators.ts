import { applyDecorators, SetMetadata, type Type } from '@nestjs/common';
import { type Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { type AccessDeclaration } from './access-decision';
import { type Role } from './roles';

export const ACCESS_ROLES_KEY = 'alem:access:roles';
export const ACCESS_PUBLIC_KEY = 'alem:access:public';
export const ACCESS_IDENTIFY_KEY = 'alem:access:identify-caller';

/**
 * The roles that may call a handler (or every handler of a controller). Every route must carry this or
 * `@Public()`; the access guard refuses routes that carry neither.
 */
export function Roles(...roles: [Role, ...Role[]]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ACCESS_ROLES_KEY, roles),
    ApiBearerAuth(),
    ApiExtension('x-roles', roles),
    ApiUnauthorizedResponse({ description: 'No valid token or API key' }),
    ApiForbiddenResponse({ description: `Requires one of the roles: ${roles.join(', ')}` }),
  );
}

/** Open to anybody, signed in or not: login, health, metrics. Say why at the use site. */
export function Public(): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(ACCESS_PUBLIC_KEY, true), ApiExtension('x-public', true));
}

/**
 * On a `@Public()` route: a caller who does present credentials is identified (`request.principal`), though
 * nobody is refused. For answers that say more to an admin than to the world (health details).
 */
export function IdentifiesCaller(): MethodDecorator {
  return SetMetadata(ACCESS_IDENTIFY_KEY, true);
}

export function identifiesCaller(reflector: Reflector, handler: Parameters<Reflector['get']>[1]): boolean {
  return reflector.get<boolean | undefined>(ACCESS_IDENTIFY_KEY, handler) === true;
}

/** The declaration of a handler; the handler's own overrides its controller's. */
export function readAccessDeclaration(
  reflector: Reflector,
  handler: Parameters<Reflector['getAllAndOverride']>[1][number],
  controller: Type<unknown>,
): AccessDeclaration {
  const targets = [handler, controller];
  const isPublic = reflector.getAllAndOverride<boolean | undefined>(ACCESS_PUBLIC_KEY, targets) === true;
  const roles = reflector.getAllAndOverride<Role[] | undefined>(ACCESS_ROLES_KEY, targets) ?? null;
  return { public: isPublic, roles };
}
