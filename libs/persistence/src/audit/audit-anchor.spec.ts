import { generateKeyPairSync } from 'node:crypto';
import { AuditAnchors, type AuditAnchorSink, type SignedAuditAnchor } from './audit-anchor';

/** Anchors in memory: the checker's verdicts without a database or a file. */
class MemorySink implements AuditAnchorSink {
  readonly description = 'memory';
  lines: string[] = [];
  async append(anchor: SignedAuditAnchor): Promise<void> {
    this.lines.push(JSON.stringify(anchor));
  }
  async readAll(): Promise<string[]> {
    return [...this.lines];
  }
}

const rows = (count: number, tamper: Record<number, string> = {}) =>
  Array.from({ length: count }, (_, i) => ({
    seq: String(i + 1),
    id: String(100 + i + 1),
    hash: tamper[i + 1] ?? `${i + 1}`.padStart(64, '0'),
  }));

async function check(
  anchored: number[],
  walked: Array<{ seq: string; id: string; hash: string }>,
  broken: number[] = [],
) {
  const sink = new MemorySink();
  const anchors = new AuditAnchors(sink, generateKeyPairSync('ed25519').privateKey);
  const original = rows(Math.max(...anchored, 1));
  for (const seq of anchored) await sink.append(anchors.sign(original[seq - 1]!, new Date(0)));
  const checker = await anchors.checker();
  for (const row of walked) checker.observe(row, broken.includes(Number(row.seq)));
  return checker.finish();
}

describe('AuditAnchorChecker', () => {
  it('vouches up to the last anchor of an intact chain', async () => {
    expect(await check([3, 6], rows(8))).toMatchObject({
      checked: 2,
      lastGood: { seq: '6' },
      firstFailure: null,
      problems: [],
    });
  });

  it('names the first row after the last good anchor when a later anchor no longer holds', async () => {
    expect(await check([3, 6, 9], rows(10, { 6: 'f'.repeat(64), 9: 'e'.repeat(64) }))).toMatchObject({
      lastGood: { seq: '3' },
      firstFailure: { seq: '4', id: '104' },
      problems: [
        { line: 2, seq: '6', reason: 'hash-mismatch' },
        { line: 3, seq: '9', reason: 'hash-mismatch' },
      ],
    });
  });

  it('names a broken link exactly when the chain itself shows it', async () => {
    expect(await check([3, 9], rows(10), [5])).toMatchObject({
      lastGood: { seq: '3' },
      firstFailure: { seq: '5', id: '105' },
      problems: [],
    });
  });

  it('reports anchors of removed rows, in the middle and at the tail', async () => {
    const walked = rows(10).filter((r) => r.seq !== '4');
    expect(await check([2, 4], walked)).toMatchObject({
      lastGood: { seq: '2' },
      firstFailure: { seq: '3', id: '103' },
      problems: [{ line: 2, seq: '4', reason: 'row-missing' }],
    });
    expect(await check([2, 12], rows(12).slice(0, 2))).toMatchObject({
      lastGood: { seq: '2' },
      firstFailure: { seq: '3', id: null },
      problems: [{ line: 2, seq: '12', reason: 'row-missing' }],
    });
  });
});
