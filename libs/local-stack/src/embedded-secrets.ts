import { randomBytes } from 'node:crypto';

/**
 * The secrets of one embedded run (demo, `npm start`, tests, bench): random each time, held only in memory.
 * The apps have no default for them (`requiredSecret` in @alem/runtime), so nothing public can sign a token.
 */
export function embeddedSecrets(): { JWT_SECRET: string; ACK_TOKEN_SECRET: string } {
  return {
    JWT_SECRET: randomBytes(48).toString('base64'),
    ACK_TOKEN_SECRET: randomBytes(48).toString('base64'),
  };
}
