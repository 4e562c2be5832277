import {
  hashPassword,
  MAX_PASSWORD_LENGTH,
  needsRehash,
  parsePasswordHash,
  PASSWORD_HASH_PARAMETERS,
  verifyPassword,
} from './password-hasher';

describe('password hashing (scrypt)', () => {
  it('stores the OWASP-equivalent parameters, a 16-byte salt and a 32-byte key with the hash', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^\$scrypt\$ln=15,r=8,p=3\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const parsed = parsePasswordHash(stored)!;
    expect(parsed.params).toEqual(PASSWORD_HASH_PARAMETERS);
    expect(parsed.salt).toHaveLength(16);
    expect(parsed.key).toHaveLength(32);
    // 128 * N * r bytes: the memory-hardness the parameters buy.
    expect(128 * 2 ** parsed.params.logN * parsed.params.r).toBe(32 * 1024 * 1024);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple');
    await expect(verifyPassword('correct horse battery staple', stored)).resolves.toBe(true);
    await expect(verifyPassword('correct horse battery stapler', stored)).resolves.toBe(false);
    await expect(verifyPassword('', stored)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same password!'), hashPassword('same password!')]);
    expect(a).not.toBe(b);
  });

  it('treats canonically equivalent Unicode spellings as the same password', async () => {
    const stored = await hashPassword('Kurt G\u00f6del 1931!');
    await expect(verifyPassword('Kurt Go\u0308del 1931!', stored)).resolves.toBe(true);
  });

  it('refuses malformed, tampered or absurd hashes without throwing', async () => {
    const stored = await hashPassword('correct horse battery staple');
    const tampered = stored.slice(0, -2) + (stored.endsWith('AA') ? 'BB' : 'AA');
    await expect(verifyPassword('correct horse battery staple', tampered)).resolves.toBe(false);
    await expect(verifyPassword('x', 'not a hash')).resolves.toBe(false);
    await expect(verifyPassword('x', '$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA')).resolves.toBe(
      false,
    );
  });

  it('refuses parameters costlier than the hasher writes (a forged row must not cost gigabytes)', async () => {
    const salt = 'A'.repeat(22);
    const key = 'A'.repeat(43);
    const hash = (params: string, k = key) => `$scrypt$${params}$${salt}$${k}`;
    expect(parsePasswordHash(hash('ln=15,r=8,p=3'))).not.toBeNull();
    expect(parsePasswordHash(hash('ln=12,r=8,p=1'))).not.toBeNull();
    for (const params of [
      'ln=20,r=32,p=16',
      'ln=16,r=8,p=3',
      'ln=15,r=9,p=1',
      'ln=15,r=8,p=4',
      'ln=9,r=8,p=1',
    ]) {
      expect(parsePasswordHash(hash(params))).toBeNull();
    }
    // A key (the derived output) or salt of another length than written is not ours either.
    expect(parsePasswordHash(hash('ln=15,r=8,p=3', 'A'.repeat(4000)))).toBeNull();
    expect(parsePasswordHash(`$scrypt$ln=15,r=8,p=3$${'A'.repeat(400)}$${key}`)).toBeNull();
    await expect(verifyPassword('x', hash('ln=20,r=32,p=16'))).resolves.toBe(false);
  });

  it('refuses overlong passwords before hashing them', async () => {
    await expect(hashPassword('x'.repeat(MAX_PASSWORD_LENGTH + 1))).rejects.toThrow(RangeError);
    const stored = await hashPassword('correct horse battery staple');
    await expect(verifyPassword('x'.repeat(MAX_PASSWORD_LENGTH + 1), stored)).resolves.toBe(false);
  });

  it('asks for a re-hash when the parameters have changed', async () => {
    const weak = await hashPassword('correct horse battery staple', { logN: 12, r: 8, p: 1 });
    expect(needsRehash(weak)).toBe(true);
    await expect(verifyPassword('correct horse battery staple', weak)).resolves.toBe(true);
    expect(needsRehash(await hashPassword('correct horse battery staple'))).toBe(false);
    expect(needsRehash('garbage')).toBe(true);
  });
});
