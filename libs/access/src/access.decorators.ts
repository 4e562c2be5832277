import { applyDecorators, SetMetadata, type Type } from '@nestjs/common';
import { type Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { type AccessDeclaration } from './access-decision';
import { type Role } from './roles';

export const ACCESS_ROLES_KEY = 'alem:access:roles';
export const ACCESS_PUBLIC_KEY = 'alem:access:public';

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
