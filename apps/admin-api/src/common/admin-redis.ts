import { Global, Inject, Injectable, Logger, Module, type OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { type AppConfig, APP_CONFIG } from '@alem/runtime';

/**
 * The admin API's one Redis connection: rate limits and sign-in lockouts live here so that every instance of
 * the API counts the same attempts. Keys are under `<REDIS_PREFIX>:admin-api:` (applied by ioredis to every
 * command's keys, but not to SCAN patterns: `keyPrefix` says what to put in front of those).
 */
@Injectable()
export class AdminRedis extends Redis implements OnModuleDestroy {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super(config.redis.url, { keyPrefix: `${config.redis.prefix}:admin-api:`, maxRetriesPerRequest: 2 });
    // ioredis reconnects by itself; the commands that fail meanwhile say so to their callers, /health to ops.
    const logger = new Logger('AdminRedis');
    let down = false;
    this.on('error', (error: Error) => {
      if (!down) logger.warn(`Redis unreachable: ${error.message}`);
      down = true;
    });
    this.on('ready', () => {
      down = false;
    });
  }

  get keyPrefix(): string {
    return this.options.keyPrefix ?? '';
  }

  /** Deletes every key matching `pattern` (given without the prefix); for rare administrative resets only. */
  async deleteMatching(pattern: string): Promise<number> {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await this.scan(cursor, 'MATCH', `${this.keyPrefix}${pattern}`, 'COUNT', 500);
      cursor = next;
      // SCAN answers full names; DEL puts the prefix in front again.
      if (keys.length > 0) deleted += await this.del(...keys.map((k) => k.slice(this.keyPrefix.length)));
    } while (cursor !== '0');
    return deleted;
  }

  onModuleDestroy(): void {
    this.disconnect();
  }
}

@Global()
@Module({ providers: [AdminRedis], exports: [AdminRedis] })
export class AdminRedisModule {}
