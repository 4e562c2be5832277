import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys of labs and interface engines: `alem_<key id>_<secret>`. The key id (16 hex characters) is the
 * row's primary key and is safe to show and log; the secret (32 random bytes, base64url) is shown once at
 * creation and stored only as its SHA-256.
 *
 * A fast hash is right here, unlike for passwords: the secret carries 256 bits of entropy, so nothing can be
 * guessed from its hash, and the ingest path checks a key on every request.
 */
export interface IssuedApiKey {
  keyId: string;
  /** The whole key, to hand to the lab once. Never stored. */
  key: string;
  /** What is stored. */
  secretHash: string;
}

const FORMAT = /^alem_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export function issueApiKey(): IssuedApiKey {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, key: `alem_${keyId}_${secret}`, secretHash: hashApiKeySecret(secret) };
}

export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The key id and secret of a presented key, or null when it is not a key of ours at all. */
export function parseApiKey(presented: string): { keyId: string; secret: string } | null {
  const m = FORMAT.exec(presented.trim());
  return m ? { keyId: m[1]!, secret: m[2]! } : null;
}

/** Constant-time comparison of a presented secret with the stored hash. */
export function apiKeySecretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashApiKeySecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}
