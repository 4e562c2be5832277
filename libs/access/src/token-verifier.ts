/**
 * What a bearer token says once verified: whose it is. The caller then loads that user (roles, `active`) from
 * the database; a token never carries authority of its own beyond naming its subject.
 */
export interface VerifiedToken {
  /** The local user id the token names. */
  userId: string;
  expiresAt: Date;
}

/** Thrown by a verifier for a token that is malformed, badly signed, expired or not ours. */
export class InvalidTokenError extends Error {}

/**
 * The seam for single sign-on: the admin API verifies bearer tokens through this. The built-in implementation
 * checks the short-lived JWTs that `POST /auth/login` issues; a hospital's OIDC provider plugs in as another
 * implementation (verify the ID/access token against the provider's JWKS, map its subject or email to a local
 * user) without any change to the guard or the routes.
 */
export abstract class TokenVerifier {
  abstract verify(token: string): Promise<VerifiedToken>;
}
