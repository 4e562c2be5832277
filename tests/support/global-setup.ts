// globalSetup/globalTeardown run outside jest's module mapper: resolve the @alem/* aliases from tsconfig.json.
import 'tsconfig-paths/register';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { createMigratedDatabase, ensureKafkaMockBuilt } from '@alem/local-stack';

/**
 * Once per test run: build the Kafka-protocol broker launcher, check Redis answers, and create a migrated
 * template database that each test file copies (CREATE DATABASE ... TEMPLATE: fast and fully isolated).
 */
export default async function globalSetup(): Promise<void> {
  ensureKafkaMockBuilt();
  const run = `alem_test_${randomBytes(3).toString('hex')}`;
  const template = `${run}_template`;
  await createMigratedDatabase(template);
  process.env.ALEM_TEST_RUN = run;
  process.env.ALEM_TEST_TEMPLATE_DB = template;
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0', {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(
      `Redis is not reachable (${(error as Error).message}); start it: redis-server --daemonize yes`,
    );
  } finally {
    redis.disconnect();
  }
}
