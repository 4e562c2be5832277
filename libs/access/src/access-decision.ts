import { type Principal } from './principal';
import { type Role } from './roles';

/** What a route declares about who may call it. `roles: null` means it declares nothing. */
export interface AccessDeclaration {
  public: boolean;
  roles: readonly Role[] | null;
}

/**
 * `actingRoles`: the caller's roles that the route grants, the roles the caller acts in here (empty on a
 * public route). What a role lets one see (an auditor every patient, a clinician their teams') follows these,
 * not every role the caller holds: a clinician who is also an auditor acknowledges as a clinician.
 */
export type AccessDecision =
  | { allowed: true; actingRoles: readonly Role[] }
  | { allowed: false; status: 401; reason: 'unauthenticated' }
  | { allowed: false; status: 403; reason: 'undeclared' | 'role' };

/**
 * Default deny: a route is open only when it says so (`@Public()`), and otherwise only to an authenticated
 * caller holding one of the roles it declares. A route that declares no roles is refused to everybody, so a
 * forgotten declaration can never expose data.
 */
export function decideAccess(declaration: AccessDeclaration, principal: Principal | null): AccessDecision {
  if (declaration.public) return { allowed: true, actingRoles: [] };
  if (!principal) return { allowed: false, status: 401, reason: 'unauthenticated' };
  if (!declaration.roles || declaration.roles.length === 0) {
    return { allowed: false, status: 403, reason: 'undeclared' };
  }
  const held: readonly string[] = principal.roles;
  const actingRoles = declaration.roles.filter((role) => held.includes(role));
  return actingRoles.length > 0
    ? { allowed: true, actingRoles }
    : { allowed: false, status: 403, reason: 'role' };
}
