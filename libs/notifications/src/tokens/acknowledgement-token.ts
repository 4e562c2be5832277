import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Acknowledgement links: `<base>/acknowledgements/<token>`, where the token names one delivery (the message
 * that carried it) and when it expires, signed with HMAC-SHA256 under ACK_TOKEN_SECRET. It proves that the
 * link came from us, never who clicks it: the admin API still signs the person in and checks they may see the
 * patient; single use is recorded in the database when it acknowledges.
 *
 * The token is written in letters only (base 52): a run of digits in a message looks like a record number or a
 * value to a reader and to hospital mail filters (DLP), and a token must never be mistaken for either.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const PAYLOAD_BYTES = 16 + 4; // delivery id (uuid) + expiry in minutes since the epoch
const MAC_BYTES = 12;
const TOKEN_BYTES = PAYLOAD_BYTES + MAC_BYTES;
/** ceil(256 bits / log2(52)) for 32 bytes. */
const TOKEN_LENGTH = Math.ceil((TOKEN_BYTES * 8) / Math.log2(ALPHABET.length));

export class AcknowledgementTokenError extends Error {
  /**
   * `expiredClaims`: what an expired but genuine token names, so that the person can be offered the alert
   * instead (never set for a malformed or forged token).
   */
  constructor(
    readonly reason: 'malformed' | 'bad-signature' | 'expired',
    readonly expiredClaims: AcknowledgementTokenClaims | null = null,
  ) {
    super(`acknowledgement token ${reason}`);
  }
}

export interface AcknowledgementTokenClaims {
  deliveryId: string;
  expiresAt: Date;
}

function encode(bytes: Buffer): string {
  let n = BigInt(`0x${bytes.toString('hex')}`);
  const base = BigInt(ALPHABET.length);
  let out = '';
  for (let i = 0; i < TOKEN_LENGTH; i++) {
    out = ALPHABET[Number(n % base)] + out;
    n /= base;
  }
  return out;
}

function decode(token: string): Buffer | null {
  if (token.length !== TOKEN_LENGTH) return null;
  const base = BigInt(ALPHABET.length);
  let n = 0n;
  for (const ch of token) {
    const digit = ALPHABET.indexOf(ch);
    if (digit < 0) return null;
    n = n * base + BigInt(digit);
  }
  const hex = n.toString(16).padStart(TOKEN_BYTES * 2, '0');
  return hex.length === TOKEN_BYTES * 2 ? Buffer.from(hex, 'hex') : null;
}

function mac(secret: string, payload: Buffer): Buffer {
  return createHmac('sha256', secret).update('alem-ack.v1|').update(payload).digest().subarray(0, MAC_BYTES);
}

/** The token for one delivery; the same inputs give the same token (a retried message carries the same link). */
export function signAcknowledgementToken(secret: string, claims: AcknowledgementTokenClaims): string {
  const payload = Buffer.alloc(PAYLOAD_BYTES);
  Buffer.from(claims.deliveryId.replace(/-/g, ''), 'hex').copy(payload, 0);
  payload.writeUInt32BE(Math.ceil(claims.expiresAt.getTime() / 60_000), 16);
  return encode(Buffer.concat([payload, mac(secret, payload)]));
}

/** Checks form, signature (in constant time) and expiry; returns what the token names. */
export function verifyAcknowledgementToken(
  secret: string,
  token: string,
  now: Date,
): AcknowledgementTokenClaims {
  const bytes = decode(token);
  if (!bytes) throw new AcknowledgementTokenError('malformed');
  const payload = bytes.subarray(0, PAYLOAD_BYTES);
  if (!timingSafeEqual(bytes.subarray(PAYLOAD_BYTES), mac(secret, payload))) {
    throw new AcknowledgementTokenError('bad-signature');
  }
  const hex = payload.subarray(0, 16).toString('hex');
  const deliveryId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const expiresAt = new Date(payload.readUInt32BE(16) * 60_000);
  if (expiresAt.getTime() <= now.getTime()) {
    throw new AcknowledgementTokenError('expired', { deliveryId, expiresAt });
  }
  return { deliveryId, expiresAt };
}

/** The shape of a token (for route validation before any cryptography). */
export const ACKNOWLEDGEMENT_TOKEN_PATTERN = new RegExp(`^[A-Za-z]{${TOKEN_LENGTH}}$`);

/** The six-digit code of a contact verification, derived from its id: nothing secret is stored. */
export function verificationCode(secret: string, verificationId: string): string {
  const digest = createHmac('sha256', secret)
    .update(`alem-contact-verification.v1|${verificationId}`)
    .digest();
  return String(digest.readUInt32BE(0) % 1_000_000).padStart(6, '0');
}

/** Compares a typed code with the expected one in constant time. */
export function verificationCodeMatches(expected: string, typed: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(typed.trim());
  return a.length === b.length && timingSafeEqual(a, b);
}
