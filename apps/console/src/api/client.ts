import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];

/** A refusal of the API, with its status and the API's own message (written for people). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

function cookie(name: string): string | null {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

/** The session's CSRF token, from the cookie the sign-in set (its name has `__Host-` behind TLS). */
export function csrfToken(): string | null {
  return cookie('__Host-alem_csrf') ?? cookie('alem_csrf');
}

/** Where to go back to after signing in again: the page the person was on. */
export function signInPath(next = `${window.location.pathname}${window.location.search}`): string {
  return next.startsWith('/sign-in') ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`;
}

/** Listeners told when the session has ended (expired, signed out elsewhere): the app goes to sign-in. */
const sessionEndedListeners = new Set<() => void>();
export function onSessionEnded(listener: () => void): () => void {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
}

const session: Middleware = {
  onRequest({ request }) {
    if (!['GET', 'HEAD', 'OPTIONS'].includes(request.method)) {
      const token = csrfToken();
      if (token) request.headers.set('X-CSRF-Token', token);
    }
    return request;
  },
  onResponse({ response, request }) {
    const url = new URL(request.url);
    if (response.status === 401 && !url.pathname.startsWith('/api/v1/auth/')) {
      for (const listener of sessionEndedListeners) listener();
    }
    return response;
  },
};

/** The typed client of the admin API, generated from its OpenAPI document (`npm run openapi`). */
export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(session);

/** The data of a response, or an `ApiError` with the API's message. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const message =
    typeof error === 'object' && error !== null && 'message' in error
      ? String((error as { message: unknown }).message)
      : `The server answered ${response.status}`;
  throw new ApiError(response.status, message, error);
}
