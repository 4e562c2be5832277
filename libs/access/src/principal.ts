import { type PersonRole } from './roles';

/** A signed-in person, as loaded from `users` on every request (roles and `active` are never taken from a token). */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  email: string;
  roles: PersonRole[];
}

/** A lab or interface engine, authenticated by an API key that belongs to one sender. */
export interface ApiKeyPrincipal {
  kind: 'api-key';
  keyId: string;
  /** The sender the key belongs to, as code mappings name it (`LIS^CENTRAL-LAB`). */
  sender: string;
  roles: ['integration'];
}

export type Principal = UserPrincipal | ApiKeyPrincipal;
