import {
  ACKNOWLEDGEMENT_TOKEN_PATTERN,
  AcknowledgementTokenError,
  signAcknowledgementToken,
  verificationCode,
  verificationCodeMatches,
  verifyAcknowledgementToken,
} from './acknowledgement-token';

const SECRET = 'a-test-secret-of-at-least-thirty-two-chars';
const DELIVERY = '7f1c2a9e-4b3d-4e8f-9a10-0c2b3d4e5f60';
const NOW = new Date('2026-03-01T10:00:00Z');
const EXPIRES = new Date('2026-03-02T10:00:00Z');

describe('acknowledgement tokens', () => {
  const token = signAcknowledgementToken(SECRET, { deliveryId: DELIVERY, expiresAt: EXPIRES });

  it('name their delivery and expiry, signed; the same inputs give the same token', () => {
    expect(verifyAcknowledgementToken(SECRET, token, NOW)).toEqual({
      deliveryId: DELIVERY,
      expiresAt: EXPIRES,
    });
    expect(signAcknowledgementToken(SECRET, { deliveryId: DELIVERY, expiresAt: EXPIRES })).toBe(token);
  });

  it('are letters only, of a fixed length: no digit run a reader or a mail filter could take for a record', () => {
    expect(token).toMatch(/^[A-Za-z]+$/);
    expect(token).toMatch(ACKNOWLEDGEMENT_TOKEN_PATTERN);
    for (let i = 0; i < 50; i++) {
      const other = signAcknowledgementToken(SECRET, {
        deliveryId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        expiresAt: new Date(EXPIRES.getTime() + i * 60_000),
      });
      expect(other).toMatch(ACKNOWLEDGEMENT_TOKEN_PATTERN);
    }
  });

  const reason = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return (error as AcknowledgementTokenError).reason;
    }
    return 'accepted';
  };

  it('refuse another key, any changed letter, a wrong length, and an expired token', () => {
    expect(
      reason(() => verifyAcknowledgementToken('another-secret-of-at-least-32-characters', token, NOW)),
    ).toBe('bad-signature');
    for (const i of [0, 10, 25, token.length - 1]) {
      const flipped = token.slice(0, i) + (token[i] === 'a' ? 'b' : 'a') + token.slice(i + 1);
      expect(['bad-signature', 'malformed']).toContain(
        reason(() => verifyAcknowledgementToken(SECRET, flipped, NOW)),
      );
    }
    expect(reason(() => verifyAcknowledgementToken(SECRET, token.slice(1), NOW))).toBe('malformed');
    expect(reason(() => verifyAcknowledgementToken(SECRET, `${token.slice(1)}1`, NOW))).toBe('malformed');
    expect(reason(() => verifyAcknowledgementToken(SECRET, token, EXPIRES))).toBe('expired');
  });
});

describe('contact verification codes', () => {
  it('are six digits derived from the verification id and the key', () => {
    const code = verificationCode(SECRET, DELIVERY);
    expect(code).toMatch(/^\d{6}$/);
    expect(verificationCode(SECRET, DELIVERY)).toBe(code);
    expect(verificationCode('another-secret-of-at-least-32-characters', DELIVERY)).not.toBe(code);
    expect(verificationCodeMatches(code, ` ${code} `)).toBe(true);
    expect(verificationCodeMatches(code, code.slice(1))).toBe(false);
    expect(verificationCodeMatches(code, '000000') && code !== '000000').toBe(false);
  });
});
