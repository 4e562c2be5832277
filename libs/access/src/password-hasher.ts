import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing with scrypt (memory-hard; Node's built-in OpenSSL implementation, no native addon).
 *
 * Parameters follow OWASP's Password Storage Cheat Sheet equivalents for scrypt: N = 2^15, r = 8, p = 3
 * (32 MiB per hash, about as costly as N = 2^17, p = 1 but gentler on memory). They are stored with each hash
 * (`$scrypt$ln=15,r=8,p=3$<salt>$<key>`), so they can be raised later: `needsRehash` tells the login to
 * re-hash a password still stored with older parameters.
 */
export interface ScryptParameters {
  /** log2 of N, the CPU/memory cost. */
  logN: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
}

export const PASSWORD_HASH_PARAMETERS: Readonly<ScryptParameters> = { logN: 15, r: 8, p: 3 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Passwords longer than this are refused before hashing (a cheap request must not buy an expensive hash). */
export const MAX_PASSWORD_LENGTH = 1024;
export const MIN_PASSWORD_LENGTH = 12;

const FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function derive(
  password: string,
  salt: Buffer,
  params: ScryptParameters,
  keyLength: number,
): Promise<Buffer> {
  const N = 2 ** params.logN;
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFKC'),
      salt,
      keyLength,
      // maxmem must exceed 128 * N * r (OpenSSL refuses otherwise); twice that leaves headroom.
      { N, r: params.r, p: params.p, maxmem: 256 * N * params.r },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

const b64 = (buffer: Buffer) => buffer.toString('base64').replace(/=+$/, '');

export async function hashPassword(
  password: string,
  params: ScryptParameters = PASSWORD_HASH_PARAMETERS,
): Promise<string> {
  if (password.length > MAX_PASSWORD_LENGTH) throw new RangeError('password too long');
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, params, KEY_LENGTH);
  return `$scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

export function parsePasswordHash(
  stored: string,
): { params: ScryptParameters; salt: Buffer; key: Buffer } | null {
  const m = FORMAT.exec(stored);
  if (!m) return null;
  const params = { logN: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  const salt = Buffer.from(m[4]!, 'base64');
  const key = Buffer.from(m[5]!, 'base64');
  // Refuse anything costlier than what `hashPassword` writes (memory 128·N·r, work N·r·p) or not of its shape:
  // a forged row must not make a login allocate gigabytes. Cheaper, older parameters still verify (and re-hash).
  const N = 2 ** params.logN;
  const current = PASSWORD_HASH_PARAMETERS;
  const currentN = 2 ** current.logN;
  if (
    params.logN < 10 ||
    params.r < 1 ||
    params.p < 1 ||
    N * params.r > currentN * current.r ||
    N * params.r * params.p > currentN * current.r * current.p ||
    salt.length !== SALT_LENGTH ||
    key.length !== KEY_LENGTH
  ) {
    return null;
  }
  return { params, salt, key };
}

/** Constant-time check of a password against a stored hash; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const parsed = parsePasswordHash(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/** True when the stored hash was made with other parameters than the current ones. */
export function needsRehash(stored: string, params: ScryptParameters = PASSWORD_HASH_PARAMETERS): boolean {
  const parsed = parsePasswordHash(stored);
  return (
    !parsed ||
    parsed.params.logN !== params.logN ||
    parsed.params.r !== params.r ||
    parsed.params.p !== params.p ||
    parsed.key.length !== KEY_LENGTH
  );
}

let dummy: Promise<string> | null = null;

/**
 * Spends the time of one verification without a user to verify, so that "no such user" and "wrong password"
 * take the same time and an attacker cannot learn which emails have accounts.
 */
export async function burnPasswordVerification(password: string): Promise<false> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await dummy);
  return false;
}
