import { parse } from 'cookie';
import { type Request, type Response } from 'express';
import { type AppConfig } from '@alem/runtime';
import { CSRF_COOKIE, SECURE_PREFIX, SESSION_COOKIE, type StartedSession } from './browser-session.service';

/**
 * Secure cookies whenever the browser reaches the console over TLS: the request came in over TLS (or, with
 * TRUST_PROXY, through a proxy that says so), or the public address the links use is https.
 */
export function isSecureRequest(request: Request, config: AppConfig): boolean {
  return request.secure || config.links.publicBaseUrl.startsWith('https:');
}

function cookiesOf(request: Request): Record<string, string | undefined> {
  const header = request.headers.cookie;
  if (typeof header !== 'string' || header.length === 0 || header.length > 8192) return {};
  try {
    return parse(header);
  } catch {
    return {};
  }
}

/** The session cookie's secret, whichever of the two names (TLS or not) it was set under. */
export function sessionSecretOf(request: Request): string | null {
  const cookies = cookiesOf(request);
  return cookies[`${SECURE_PREFIX}${SESSION_COOKIE}`] ?? cookies[SESSION_COOKIE] ?? null;
}

export function setSessionCookies(response: Response, secure: boolean, session: StartedSession): void {
  const prefix = secure ? SECURE_PREFIX : '';
  // No Max-Age: the cookies end with the browser; the server ends the session earlier (idle, absolute).
  const options = { sameSite: 'strict' as const, secure, path: '/' };
  response.cookie(`${prefix}${SESSION_COOKIE}`, session.secret, { ...options, httpOnly: true });
  // Readable by the console's script, which echoes it in X-CSRF-Token; useless without the HttpOnly secret.
  response.cookie(`${prefix}${CSRF_COOKIE}`, session.csrfToken, { ...options, httpOnly: false });
}

export function clearSessionCookies(response: Response, secure: boolean): void {
  const prefix = secure ? SECURE_PREFIX : '';
  const options = { sameSite: 'strict' as const, secure, path: '/' };
  response.clearCookie(`${prefix}${SESSION_COOKIE}`, { ...options, httpOnly: true });
  response.clearCookie(`${prefix}${CSRF_COOKIE}`, options);
}
