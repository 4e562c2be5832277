import { Logger } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { type ThrottlerStorage } from '@nestjs/throttler';
import { type AdminRedis } from './admin-redis';
import { DependencyUnavailableError } from './domain.errors';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * The API's rate-limit counters in Redis (@nest-lab/throttler-storage-redis), shared by every instance. When
 * Redis cannot be reached, the general per-address limit (`api`) lets requests through, so that clinicians
 * signed in can still acknowledge (and /health can say that Redis is down); every other limit, sign-in's and
 * verification codes', refuses (503) rather than count nothing.
 */
export class RateLimitStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimitStorage');
  private readonly redis: ThrottlerStorageRedisService;

  constructor(client: AdminRedis) {
    this.redis = new ThrottlerStorageRedisService(client);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      return await this.redis.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch (error) {
      this.logger.warn(
        { err: { name: (error as Error).name }, throttlerName },
        'rate limit store unreachable',
      );
      if (throttlerName === 'api') {
        return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
      }
      throw new DependencyUnavailableError(
        'This is unavailable for a moment (a dependency is down); retry shortly',
      );
    }
  }
}
