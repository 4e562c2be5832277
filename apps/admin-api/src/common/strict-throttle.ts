import { createHash } from 'node:crypto';
import { type ExecutionContext, SetMetadata } from '@nestjs/common';
import { type ThrottlerOptions } from '@nestjs/throttler';
import { type AppConfig } from '@alem/runtime';
import { type Request } from 'express';

const STRICT_THROTTLE = 'alem:strict-throttle';

/**
 * Puts a route under the strict sign-in throttlers: LOGIN_RATE_LIMIT_PER_MINUTE per client address and
 * LOGIN_ACCOUNT_RATE_LIMIT_PER_MINUTE per account (the body's `email`), counted together for every route that
 * carries it (the token login and the console's session sign-in share their budget).
 */
export const StrictThrottle = (): MethodDecorator => SetMetadata(STRICT_THROTTLE, true);

export function isStrictlyThrottled(context: ExecutionContext): boolean {
  return Reflect.getMetadata(STRICT_THROTTLE, context.getHandler()) === true;
}

/** The account a sign-in is for, as the lockout names it (lower-cased email). */
function accountOf(request: Request): string {
  const email = (request.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email.toLowerCase() : '';
}

/** One counter per throttler and tracker, whatever the route (the default key is per route). */
const sharedKey = (_: ExecutionContext, tracker: string, throttler: string): string =>
  createHash('sha256').update(`${throttler}:${tracker}`).digest('hex');

export function strictThrottlers(config: AppConfig): ThrottlerOptions[] {
  const skipIf = (context: ExecutionContext): boolean => !isStrictlyThrottled(context);
  return [
    {
      // request.ip: the client's address as far as TRUST_PROXY_HOPS proxies say, never a forged header.
      name: 'login',
      ttl: 60_000,
      limit: config.api.loginRateLimitPerMinute,
      skipIf,
      generateKey: sharedKey,
    },
    {
      name: 'login-account',
      ttl: 60_000,
      limit: config.api.loginAccountRateLimitPerMinute,
      skipIf,
      getTracker: (request) => accountOf(request as Request),
      generateKey: sharedKey,
    },
  ];
}
