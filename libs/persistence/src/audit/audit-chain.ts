import { createHash } from 'node:crypto';

/**
 * The audit log's hash chain, computed independently of the database: the migration's trigger writes
 * `hash = sha256(prev_hash || canonical content)`, and this file recomputes it from the stored fields, so a
 * verification does not take the database's own functions on trust.
 *
 * Canonical content: `audit.v1|` then every field in a fixed order as `<UTF-8 byte length>:<text>|`, or `-|`
 * for null. Length prefixes make the encoding unambiguous without escaping (no two different rows encode
 * alike, whatever characters they hold). The time is UTC to the millisecond (`toISOString()`); the detail is
 * PostgreSQL's own text of the jsonb value (`detail::text`), which is deterministic for a given value.
 */

export const GENESIS_HASH = '0'.repeat(64);
const VERSION = 'audit.v1|';

/** A stored audit row as the verifier reads it (`detail` as `detail::text`). */
export interface ChainedAuditRow {
  id: string;
  seq: string;
  occurredAt: Date;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  entityType: string | null;
  entityId: string | null;
  patientId: string | null;
  dataCategory: string;
  outcome: string;
  sourceIp: string | null;
  userAgent: string | null;
  detailText: string;
  prevHash: string;
  hash: string;
}

export function canonicalField(value: string | null): string {
  return value === null ? '-|' : `${Buffer.byteLength(value, 'utf8')}:${value}|`;
}

export function canonicalAuditContent(row: Omit<ChainedAuditRow, 'prevHash' | 'hash'>): string {
  return (
    VERSION +
    [
      row.seq,
      row.id,
      row.occurredAt.toISOString(),
      row.actorType,
      row.actorId,
      row.actorLabel,
      row.action,
      row.entityType,
      row.entityId,
      row.patientId,
      row.dataCategory,
      row.outcome,
      row.sourceIp,
      row.userAgent,
      row.detailText,
    ]
      .map(canonicalField)
      .join('')
  );
}

export function chainHash(prevHash: string, row: Omit<ChainedAuditRow, 'prevHash' | 'hash'>): string {
  return createHash('sha256')
    .update(prevHash + canonicalAuditContent(row), 'utf8')
    .digest('hex');
}

export type ChainBreakReason =
  /** The row's seq is not the one after its predecessor's: rows before it are missing. */
  | 'sequence-gap'
  /** The row does not point at its predecessor's hash: the predecessor was changed, replaced or removed. */
  | 'previous-hash-mismatch'
  /** The row's content no longer hashes to its stored hash: the row itself was changed. */
  | 'hash-mismatch';

export interface ChainBreak {
  seq: string;
  id: string;
  reason: ChainBreakReason;
  expected: string;
  found: string;
}

/**
 * Walks rows in seq order and reports every broken link. After a break it carries on from the row as stored,
 * so one tampered row is reported once rather than poisoning everything after it.
 */
export class AuditChainVerifier {
  private expectedSeq: bigint;
  private expectedPrevHash: string;
  private checked = 0;
  private last: { seq: string; id: string; hash: string } | null = null;

  constructor(start: { seq: bigint; prevHash: string } = { seq: 1n, prevHash: GENESIS_HASH }) {
    this.expectedSeq = start.seq;
    this.expectedPrevHash = start.prevHash;
  }

  check(row: ChainedAuditRow): ChainBreak[] {
    const breaks: ChainBreak[] = [];
    const seq = BigInt(row.seq);
    if (seq !== this.expectedSeq) {
      breaks.push({
        seq: row.seq,
        id: row.id,
        reason: 'sequence-gap',
        expected: String(this.expectedSeq),
        found: row.seq,
      });
    }
    if (row.prevHash !== this.expectedPrevHash) {
      breaks.push({
        seq: row.seq,
        id: row.id,
        reason: 'previous-hash-mismatch',
        expected: this.expectedPrevHash,
        found: row.prevHash,
      });
    }
    const recomputed = chainHash(row.prevHash, row);
    if (recomputed !== row.hash) {
      breaks.push({
        seq: row.seq,
        id: row.id,
        reason: 'hash-mismatch',
        expected: recomputed,
        found: row.hash,
      });
    }
    this.expectedSeq = seq + 1n;
    this.expectedPrevHash = row.hash;
    this.checked++;
    this.last = { seq: row.seq, id: row.id, hash: row.hash };
    return breaks;
  }

  get rowsChecked(): number {
    return this.checked;
  }

  /** The last row seen: record its hash somewhere else (an anchor) to detect a truncated tail later. */
  get head(): { seq: string; id: string; hash: string } | null {
    return this.last;
  }
}
