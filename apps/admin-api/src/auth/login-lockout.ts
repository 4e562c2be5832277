import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig, APP_CONFIG } from '@alem/runtime';
import { AdminRedis } from '../common/admin-redis';

/**
 * Failed sign-ins counted per account *and* client address, in Redis (shared by every API instance). A
 * stranger guessing a clinician's password from elsewhere locks only their own address out, never the
 * clinician at theirs; an admin can lift every lockout of an account at once.
 *
 * An attempt takes its slot (INCR) before the password is checked, so that parallel attempts cannot all pass
 * a check made before any of them failed: at most LOGIN_LOCKOUT_FAILURES attempts per window are ever checked
 * against the hash. A success gives the slots back. The window starts at the first attempt and lasts
 * LOGIN_LOCKOUT_MINUTES.
 */
@Injectable()
export class LoginLockout {
  constructor(
    private readonly redis: AdminRedis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Takes a slot for one attempt; false when the account is locked at this address (nothing to check). */
  async tryAttempt(email: string, sourceIp: string | null): Promise<boolean> {
    const key = this.key(email, sourceIp);
    const windowMs = this.config.auth.lockoutMinutes * 60_000;
    // One round trip, atomic: the count and the window's start cannot be split by another attempt.
    const [[, count]] = (await this.redis.multi().incr(key).pexpire(key, windowMs, 'NX').exec()) as [
      [Error | null, number],
    ];
    return count <= this.config.auth.lockoutFailures;
  }

  /** A successful sign-in: the failures from this address are forgotten. */
  async succeeded(email: string, sourceIp: string | null): Promise<void> {
    await this.redis.del(this.key(email, sourceIp));
  }

  /** Lifts the lockout of an account at every address; returns how many addresses were locked or counting. */
  unlock(email: string): Promise<number> {
    return this.redis.deleteMatching(`login-lockout:${accountKey(email)}:*`);
  }

  private key(email: string, sourceIp: string | null): string {
    return `login-lockout:${accountKey(email)}:${sourceIp ?? 'unknown'}`;
  }
}

/** The email as a fixed-width hex key: no glob characters for SCAN, no address in Redis. */
function accountKey(email: string): string {
  return createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 32);
}
