import { randomBytes } from 'node:crypto';

// Crockford base32 without I, L, O, U: nothing to misread when a clinician types it.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A short alert reference such as `K7Q2-9XMA`: what SMS and email carry instead of any patient detail.
 * 40 random bits; the unique index on alerts.reference guards the (negligible) collision.
 */
export function newAlertReference(): string {
  const bytes = randomBytes(8);
  let out = '';
  for (let i = 0; i < 8; i++) out += ALPHABET[bytes[i]! & 31];
  return `${out.slice(0, 4)}-${out.slice(4)}`;
}
