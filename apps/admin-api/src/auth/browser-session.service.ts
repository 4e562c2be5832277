import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type AppConfig, APP_CONFIG } from '@alem/runtime';
import { BrowserSessionRepository, type StoredSession } from './browser-session.repository';

/** The cookies of a console session. Behind TLS they carry the `__Host-` prefix (Secure, Path=/, no Domain). */
export const SESSION_COOKIE = 'alem_session';
export const CSRF_COOKIE = 'alem_csrf';
export const CSRF_HEADER = 'x-csrf-token';
export const SECURE_PREFIX = '__Host-';

/** A session as the guard found it: who, and the hash of the CSRF token its state-changing requests must send. */
export interface LiveSession {
  id: string;
  userId: string;
  csrfHash: Buffer;
  expiresAt: Date;
  idleExpiresAt: Date;
}

export interface StartedSession {
  id: string;
  /** The cookie's secret; only its hash is stored. */
  secret: string;
  /** Sent back in `X-CSRF-Token` on every state-changing request (double submit, checked against the store). */
  csrfToken: string;
  expiresAt: Date;
  idleExpiresAt: Date;
}

/** Moving `last_seen_at` costs a write; once a minute per session is enough for a 30-minute idle timeout. */
const TOUCH_AFTER_MS = 60_000;

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Console sign-in sessions: a random secret in an HttpOnly, SameSite=Strict cookie, looked up by its hash on
 * every request (so signing out, deactivating the user or the idle timeout take effect at once), and a CSRF
 * token that every state-changing request must echo in a header. Bearer tokens and API keys are unaffected.
 */
@Injectable()
export class BrowserSessionService {
  constructor(
    private readonly sessions: BrowserSessionRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async start(userId: string, now: Date): Promise<StartedSession> {
    const secret = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.config.auth.sessionMaxHours * 3_600_000);
    const idleExpiresAt = this.idleExpiry(now, expiresAt);
    const id = await this.sessions.create({
      userId,
      secretHash: sha256(secret),
      csrfHash: sha256(csrfToken),
      now,
      idleExpiresAt,
      expiresAt,
    });
    return { id, secret, csrfToken, expiresAt, idleExpiresAt };
  }

  /** The live session of a cookie's secret, its idle timeout moved forward; null when unknown or ended. */
  async resume(secret: string, now: Date): Promise<LiveSession | null> {
    if (secret.length < 16 || secret.length > 128) return null;
    const found: StoredSession | null = await this.sessions.findLive(sha256(secret), now);
    if (!found) return null;
    let idleExpiresAt = found.idleExpiresAt;
    if (now.getTime() - found.lastSeenAt.getTime() >= TOUCH_AFTER_MS) {
      idleExpiresAt = this.idleExpiry(now, found.expiresAt);
      await this.sessions.touch(found.id, now, idleExpiresAt);
    }
    return {
      id: found.id,
      userId: found.userId,
      csrfHash: found.csrfHash,
      expiresAt: found.expiresAt,
      idleExpiresAt,
    };
  }

  /** Whether a request's CSRF header matches its session (constant time). */
  csrfMatches(session: Pick<LiveSession, 'csrfHash'>, header: string | undefined): boolean {
    if (typeof header !== 'string' || header.length === 0 || header.length > 128) return false;
    return timingSafeEqual(sha256(header), session.csrfHash);
  }

  end(sessionId: string, now: Date, reason: 'signed-out'): Promise<boolean> {
    return this.sessions.end(sessionId, now, reason);
  }

  private idleExpiry(now: Date, expiresAt: Date): Date {
    const idle = now.getTime() + this.config.auth.sessionIdleMinutes * 60_000;
    return new Date(Math.min(idle, expiresAt.getTime()));
  }
}
