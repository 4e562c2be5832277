import {
  AuditChainVerifier,
  canonicalAuditContent,
  canonicalField,
  chainHash,
  type ChainedAuditRow,
  GENESIS_HASH,
} from './audit-chain';

function chain(count: number): ChainedAuditRow[] {
  const rows: ChainedAuditRow[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= count; i++) {
    const content = {
      id: String(100 + i),
      seq: String(i),
      occurredAt: new Date(Date.UTC(2026, 10, 22, 8, 0, i, 123)),
      actorType: 'user',
      actorId: '6f1c7a3e-1111-4c3b-9a53-000000000001',
      actorLabel: 'nurse@hospital.test',
      action: i % 2 ? 'alert.read' : 'alert.acknowledge',
      entityType: 'alert',
      entityId: `alert-${i}`,
      patientId: null,
      dataCategory: 'alerts',
      outcome: 'success',
      sourceIp: '127.0.0.1',
      userAgent: null,
      detailText: '{"note": "ok"}',
    };
    const hash = chainHash(prev, content);
    rows.push({ ...content, prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

describe('audit chain canonicalisation', () => {
  it('length-prefixes every field by its UTF-8 bytes and marks null apart from empty', () => {
    expect(canonicalField(null)).toBe('-|');
    expect(canonicalField('')).toBe('0:|');
    expect(canonicalField('abc')).toBe('3:abc|');
    expect(canonicalField('Nováková')).toBe('10:Nováková|');
    expect(canonicalField('-')).toBe('1:-|');
  });

  it('cannot be fooled by moving a separator from one field into the next', () => {
    const base = chain(1)[0]!;
    const a = canonicalAuditContent({ ...base, entityType: 'alert|x', entityId: 'y' });
    const b = canonicalAuditContent({ ...base, entityType: 'alert', entityId: 'x|y' });
    expect(a).not.toBe(b);
    expect(canonicalAuditContent({ ...base, actorId: null })).not.toBe(
      canonicalAuditContent({ ...base, actorId: '' }),
    );
  });

  it('writes the time in UTC to the millisecond, as the database does', () => {
    const base = chain(1)[0]!;
    expect(canonicalAuditContent(base)).toContain('24:2026-11-22T08:00:01.123Z|');
    expect(canonicalAuditContent(base).startsWith('audit.v1|1:1|3:101|')).toBe(true);
  });

  it('hashes prev_hash || content with SHA-256 (hex)', () => {
    const row = chain(1)[0]!;
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash(GENESIS_HASH, row)).toBe(row.hash);
    expect(chainHash('f'.repeat(64), row)).not.toBe(row.hash);
  });
});

describe('AuditChainVerifier', () => {
  const verify = (rows: ChainedAuditRow[]) => {
    const verifier = new AuditChainVerifier();
    return { breaks: rows.flatMap((r) => verifier.check(r)), verifier };
  };

  it('accepts an intact chain and reports its head', () => {
    const rows = chain(5);
    const { breaks, verifier } = verify(rows);
    expect(breaks).toEqual([]);
    expect(verifier.rowsChecked).toBe(5);
    expect(verifier.head).toEqual({ seq: '5', id: '105', hash: rows[4]!.hash });
  });

  it('names the row whose content changed', () => {
    const rows = chain(5);
    rows[2] = { ...rows[2]!, detailText: '{"note": "edited"}' };
    expect(verify(rows).breaks).toEqual([
      expect.objectContaining({ seq: '3', id: '103', reason: 'hash-mismatch' }),
    ]);
  });

  it('names the link after a row whose hash was recomputed to hide an edit', () => {
    const rows = chain(5);
    const edited = { ...rows[1]!, action: 'alert.resolve' };
    rows[1] = { ...edited, hash: chainHash(edited.prevHash, edited) };
    expect(verify(rows).breaks).toEqual([
      expect.objectContaining({ seq: '3', id: '103', reason: 'previous-hash-mismatch' }),
    ]);
  });

  it('notices a deleted row, including the first one', () => {
    const rows = chain(5);
    expect(verify([...rows.slice(0, 2), ...rows.slice(3)]).breaks.map((b) => [b.seq, b.reason])).toEqual([
      ['4', 'sequence-gap'],
      ['4', 'previous-hash-mismatch'],
    ]);
    expect(verify(rows.slice(1)).breaks[0]).toMatchObject({ seq: '2', reason: 'sequence-gap' });
  });
});
