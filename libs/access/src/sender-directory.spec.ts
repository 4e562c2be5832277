import {
  authorityRefusal,
  normaliseFingerprint,
  normaliseSourceAddress,
  SenderDirectory,
  senderOfMessage,
  type SenderCredentials,
} from './sender-directory';

const FP_A = 'AB:'.repeat(31) + 'AB';
const FP_B = '01:'.repeat(31) + '01';

const sender = (name: string, rest: Partial<SenderCredentials> = {}): SenderCredentials => ({
  sender: name,
  authorities: ['HOSP'],
  certificateFingerprints: [],
  sourceAddresses: [],
  ...rest,
});

describe('sender credentials (issue 14)', () => {
  it('normalises fingerprints and addresses, and refuses what is not one', () => {
    expect(normaliseFingerprint('ab'.repeat(32))).toBe(FP_A);
    expect(normaliseFingerprint(` ${FP_A.toLowerCase()} `)).toBe(FP_A);
    expect(normaliseFingerprint('AB:CD')).toBeNull();
    expect(normaliseFingerprint('zz'.repeat(32))).toBeNull();
    expect(normaliseSourceAddress('10.1.2.3')).toBe('10.1.2.3/32');
    expect(normaliseSourceAddress('10.1.2.0/24')).toBe('10.1.2.0/24');
    expect(normaliseSourceAddress('::ffff:10.1.2.3')).toBe('10.1.2.3/32');
    expect(normaliseSourceAddress('fd00::/8')).toBe('fd00::/8');
    expect(normaliseSourceAddress('10.1.2.0/33')).toBeNull();
    expect(normaliseSourceAddress('lab.example.org')).toBeNull();
    expect(normaliseSourceAddress('10.1.2.3/24/1')).toBeNull();
  });
});

describe('SenderDirectory', () => {
  const directory = new SenderDirectory([
    sender('LIS^CENTRAL-LAB', { sourceAddresses: ['10.1.2.0/24'] }),
    sender('ENGINE^NORTH', { sourceAddresses: ['10.9.9.9/32'] }),
    sender('ENGINE^SOUTH', { sourceAddresses: ['10.9.9.9/32'] }),
    sender('LABSYS^CITYLAB', { certificateFingerprints: [FP_A], sourceAddresses: ['10.5.0.0/16'] }),
  ]);

  it('authenticates a peer without a certificate by its address; an interface engine may speak for several', () => {
    expect(directory.authenticate({ address: '10.1.2.77', certificate: null })).toMatchObject({
      ok: true,
      via: 'address',
      senders: [{ sender: 'LIS^CENTRAL-LAB' }],
    });
    expect(directory.authenticate({ address: '::ffff:10.1.2.77', certificate: null })).toMatchObject({
      ok: true,
    });
    const engine = directory.authenticate({ address: '10.9.9.9', certificate: null });
    expect(engine.ok && engine.senders.map((s) => s.sender)).toEqual(['ENGINE^NORTH', 'ENGINE^SOUTH']);
    expect(directory.authenticate({ address: '192.0.2.1', certificate: null })).toEqual({
      ok: false,
      reason: 'address 192.0.2.1 not registered to a sender (no client certificate)',
    });
  });

  it('refuses a peer whose address is unknown (a socket closed before it was read)', () => {
    expect(directory.authenticate({ address: '', certificate: null })).toEqual({
      ok: false,
      reason: 'the peer’s address is unknown',
    });
  });

  it('never authenticates a sender that registered certificates by its address alone', () => {
    expect(directory.authenticate({ address: '10.5.1.1', certificate: null })).toMatchObject({ ok: false });
  });

  it('authenticates a trusted certificate by its registered fingerprint, and nothing else by a certificate', () => {
    expect(
      directory.authenticate({ address: '192.0.2.1', certificate: { fingerprint256: FP_A, trusted: true } }),
    ).toMatchObject({ ok: true, via: 'certificate', senders: [{ sender: 'LABSYS^CITYLAB' }] });
    expect(
      directory.authenticate({ address: '10.5.1.1', certificate: { fingerprint256: FP_A, trusted: false } }),
    ).toEqual({ ok: false, reason: 'client certificate not issued by a CA this gateway trusts' });
    // A peer that presents an unregistered certificate is not let in by its (registered) address either.
    expect(
      directory.authenticate({ address: '10.1.2.77', certificate: { fingerprint256: FP_B, trusted: true } }),
    ).toEqual({
      ok: false,
      reason: `client certificate not registered to a sender: SHA-256 ${FP_B}`,
    });
  });

  it('finds a registration by its registered name', () => {
    expect(directory.named('LIS^CENTRAL-LAB')?.sender).toBe('LIS^CENTRAL-LAB');
    expect(directory.named('LIS^ELSEWHERE')).toBeUndefined();
  });
});

describe('senderOfMessage', () => {
  const authenticated = [sender('ENGINE^NORTH'), sender('LABSYS^CITYLAB')];

  it('takes the sender the header names, in any form of its hierarchic designators', () => {
    expect(senderOfMessage(authenticated, { application: 'ENGINE', facility: 'NORTH' })).toMatchObject({
      ok: true,
      sender: { sender: 'ENGINE^NORTH' },
    });
    expect(
      senderOfMessage(authenticated, { application: 'LABSYS&1.2.3&ISO', facility: 'CITYLAB' }),
    ).toMatchObject({ ok: true, sender: { sender: 'LABSYS^CITYLAB' } });
  });

  it('refuses a header naming a sender the connection is not authenticated as, or none', () => {
    expect(senderOfMessage(authenticated, { application: 'LIS', facility: 'CENTRAL-LAB' })).toEqual({
      ok: false,
      reason: "MSH-3/4 LIS^CENTRAL-LAB is not this connection's sender (ENGINE^NORTH, LABSYS^CITYLAB)",
    });
    expect(senderOfMessage(authenticated, null)).toMatchObject({ ok: false });
    expect(senderOfMessage(authenticated, { application: '', facility: 'X' })).toMatchObject({ ok: false });
  });
});

describe('authorityRefusal', () => {
  const lab = sender('LIS^CENTRAL-LAB', { authorities: ['HOSP', '2.16.840.1.113883.19.5'] });

  it('lets a sender report for the authorities it is bound to, in any of their forms', () => {
    expect(authorityRefusal(lab, ['HOSP', 'HOSP&1.2.3&ISO', '&2.16.840.1.113883.19.5&ISO'])).toBeNull();
  });

  it('names the authorities it is not bound to', () => {
    expect(authorityRefusal(lab, ['HOSP', 'OTHERHOSP', 'OTHERHOSP'])).toBe(
      'LIS^CENTRAL-LAB may not report for assigning authority OTHERHOSP',
    );
    expect(authorityRefusal(sender('X^Y', { authorities: [] }), ['HOSP'])).toMatch(/HOSP$/);
  });
});
