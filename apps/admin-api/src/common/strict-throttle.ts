import { type ExecutionContext, SetMetadata } from '@nestjs/common';

const STRICT_THROTTLE = 'alem:strict-throttle';

/** Puts a route under the strict `login` throttler (LOGIN_RATE_LIMIT_PER_MINUTE per client address). */
export const StrictThrottle = (): MethodDecorator => SetMetadata(STRICT_THROTTLE, true);

export function isStrictlyThrottled(context: ExecutionContext): boolean {
  return Reflect.getMetadata(STRICT_THROTTLE, context.getHandler()) === true;
}
