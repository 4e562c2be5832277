import { type NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { type DataSource } from 'typeorm';
import { hashPassword, type PersonRole } from '@alem/access';
import { type AppConfig, type Clock, loadConfig } from '@alem/runtime';
import { createAdminApiApp } from '../../apps/admin-api/src/admin-api.app';
import { redisNamespace } from './redis-namespace';

const DEFAULT_REDIS_PREFIX = loadConfig({}).redis.prefix;

export const TEST_PASSWORD = 'correct horse battery staple';
let testPasswordHash: Promise<string> | null = null;

/** A person with a password (TEST_PASSWORD unless given); the hash of the test password is computed once. */
export async function seedUser(
  ds: DataSource,
  user: { email: string; displayName?: string; roles: PersonRole[]; password?: string; active?: boolean },
): Promise<string> {
  testPasswordHash ??= hashPassword(TEST_PASSWORD);
  const hash = user.password ? await hashPassword(user.password) : await testPasswordHash;
  const [row]: Array<{ id: string }> = await ds.query(
    `INSERT INTO users (email, display_name, roles, password_hash, active) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (email) DO UPDATE SET roles = EXCLUDED.roles, password_hash = EXCLUDED.password_hash,
       active = EXCLUDED.active
     RETURNING id`,
    [user.email, user.displayName ?? user.email, user.roles, hash, user.active ?? true],
  );
  return row!.id;
}

export interface AdminApi {
  app: NestExpressApplication;
  /** supertest against the app's HTTP server (real HTTP on an ephemeral port). */
  http(): ReturnType<typeof request>;
  /** Signs in and returns the bearer token. */
  login(email: string, password?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The admin API as an HTTP app on the given configuration (a test database, a test broker). Its rate limits
 * and lockouts live in Redis: a configuration with the default REDIS_PREFIX gets a key prefix of its own, so
 * that test files running side by side never share counters (and the keys are deleted on close).
 */
export async function startAdminApi(config: AppConfig, clock?: Clock): Promise<AdminApi> {
  const own = config.redis.prefix === DEFAULT_REDIS_PREFIX ? redisNamespace() : null;
  if (own) config = { ...config, redis: { ...config.redis, prefix: own.prefix } };
  const app = await createAdminApiApp({ config, clock }, { logger: ['error', 'warn'], abortOnError: false });
  await app.init();
  const server = app.getHttpServer();
  return {
    app,
    http: () => request(server),
    async login(email, password = TEST_PASSWORD) {
      const response = await request(server).post('/api/v1/auth/login').send({ email, password });
      if (response.status !== 200)
        throw new Error(`login of ${email} failed: ${response.status} ${response.text}`);
      return response.body.accessToken as string;
    },
    async close() {
      await app.close();
      await own?.clean();
    },
  };
}

/** Configuration overrides that keep the API's rate limits out of the way of a test that sweeps every route. */
export const GENEROUS_LIMITS = {
  API_RATE_LIMIT_PER_MINUTE: '100000',
  LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
  LOGIN_ACCOUNT_RATE_LIMIT_PER_MINUTE: '1000',
};
