import { apiKeySecretMatches, hashApiKeySecret, issueApiKey, parseApiKey } from './api-key';

describe('API keys', () => {
  it('issues a key whose secret is stored only as a hash', () => {
    const issued = issueApiKey();
    expect(issued.key).toMatch(/^alem_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(issued.key).toContain(issued.keyId);
    const parsed = parseApiKey(issued.key)!;
    expect(parsed.keyId).toBe(issued.keyId);
    expect(issued.secretHash).toBe(hashApiKeySecret(parsed.secret));
    expect(issued.secretHash).not.toContain(parsed.secret);
  });

  it('matches the right secret only', () => {
    const issued = issueApiKey();
    const { secret } = parseApiKey(issued.key)!;
    expect(apiKeySecretMatches(secret, issued.secretHash)).toBe(true);
    expect(
      apiKeySecretMatches(secret.replace(/.$/, secret.endsWith('A') ? 'B' : 'A'), issued.secretHash),
    ).toBe(false);
    expect(apiKeySecretMatches(secret, 'deadbeef')).toBe(false);
  });

  it('does not take what is not one of our keys', () => {
    expect(parseApiKey('Bearer something')).toBeNull();
    expect(parseApiKey("alem_0123456789abcdef_' OR 1=1 --")).toBeNull();
    expect(parseApiKey('')).toBeNull();
  });
});
