import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { canonicalField } from './audit-chain';

/**
 * Anchors of the audit chain outside the database. The chain alone cannot resist whoever owns the table: they
 * can disable the triggers, edit a row and recompute every hash after it. An anchor is the chain head (seq,
 * hash, time) signed with an Ed25519 key the database never sees, appended to a sink outside Postgres. A
 * rewrite then shows as an anchor whose row no longer has the anchored hash (or no longer exists), and
 * forging a new anchor needs the key.
 *
 * The signed text is `audit-anchor.v1|` then seq, hash and time as length-prefixed fields (as audit-chain.ts
 * encodes rows). A record names its key by `keyId` (SHA-256 of the public key's SPKI), so that anchors signed
 * by a retired key still verify with its public key.
 */

export interface AuditAnchor {
  seq: string;
  hash: string;
  /** ISO 8601, UTC. */
  anchoredAt: string;
}

export interface SignedAuditAnchor extends AuditAnchor {
  v: 1;
  keyId: string;
  /** Ed25519 over `anchorMessage`, base64. */
  signature: string;
}

/**
 * Where anchors go: append-only and outside the database. A file by default; an object store with write-once
 * retention or a syslog/SIEM forwarder fits the same two methods (a write-only sink reads back from its
 * archive). Appending the same head twice is harmless, so several instances may anchor at once.
 */
export interface AuditAnchorSink {
  /** Where the anchors are, for messages. */
  readonly description: string;
  append(anchor: SignedAuditAnchor): Promise<void>;
  /** Every record as stored, oldest first, as text: a malformed or forged record is reported, not skipped. */
  readAll(): Promise<string[]>;
}

/** One JSON line per anchor, written with O_APPEND (one write per line) and flushed to disk. */
export class FileAuditAnchorSink implements AuditAnchorSink {
  constructor(private readonly path: string) {}

  get description(): string {
    return this.path;
  }

  async append(anchor: SignedAuditAnchor): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const file = await open(this.path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o640);
    try {
      await file.write(`${JSON.stringify(anchor)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
  }

  async readAll(): Promise<string[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return text.split('\n').filter((line) => line.trim() !== '');
  }
}

export function anchorMessage(anchor: AuditAnchor): Buffer {
  return Buffer.from(
    `audit-anchor.v1|${canonicalField(anchor.seq)}${canonicalField(anchor.hash)}${canonicalField(anchor.anchoredAt)}`,
    'utf8',
  );
}

export function anchorKeyId(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

function ed25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`${what} is a ${key.asymmetricKeyType ?? key.type} key; audit anchors need Ed25519`);
  }
  return key;
}

export type AuditAnchorProblemReason =
  /** Not a record of this format. */
  | 'malformed'
  /** Signed by a key that is neither the signing key nor one of the configured public keys. */
  | 'unknown-key'
  /** The signature does not match the record: forged or altered. */
  | 'bad-signature'
  /** The row at the anchored seq has another hash: it, or a row before it, was rewritten. */
  | 'hash-mismatch'
  /** No row at the anchored seq: rows were removed. */
  | 'row-missing';

export interface AuditAnchorProblem {
  /** The record's line (1-based) in the sink. */
  line: number;
  seq: string | null;
  reason: AuditAnchorProblemReason;
}

export interface AuditAnchorVerification {
  /** Where the anchors were read. */
  sink: string;
  /** Records read. */
  checked: number;
  /** The last anchor, before the first failure, whose row still has the anchored hash: vouched up to here. */
  lastGood: AuditAnchor | null;
  /**
   * The first row after `lastGood` that fails: a broken link of the chain, or, when the chain was recomputed to
   * hide an edit, the first row the next (failed) anchor no longer vouches for. `id` is null for a removed row.
   */
  firstFailure: { seq: string; id: string | null } | null;
  /** Every failed record (at most 100). */
  problems: AuditAnchorProblem[];
}

/** The signing key and the sink, from the configuration; the keys are files, never in the database. */
export class AuditAnchors {
  private readonly publicKeys = new Map<string, KeyObject>();
  readonly keyId: string;

  constructor(
    readonly sink: AuditAnchorSink,
    private readonly signingKey: KeyObject,
    /** Public keys of retired signing keys, whose anchors still verify. */
    retiredPublicKeys: readonly KeyObject[] = [],
  ) {
    ed25519(signingKey, 'the audit anchor signing key');
    const publicKey = createPublicKey(signingKey);
    this.keyId = anchorKeyId(publicKey);
    this.publicKeys.set(this.keyId, publicKey);
    for (const key of retiredPublicKeys) {
      this.publicKeys.set(anchorKeyId(key), ed25519(key, 'a retired audit anchor key'));
    }
  }

  static async fromFiles(settings: {
    file: string;
    keyFile: string;
    retiredPublicKeyFiles: readonly string[];
  }): Promise<AuditAnchors> {
    const signingKey = createPrivateKey(await readFile(settings.keyFile));
    const retired = await Promise.all(
      settings.retiredPublicKeyFiles.map(async (f) => createPublicKey(await readFile(f))),
    );
    return new AuditAnchors(new FileAuditAnchorSink(settings.file), signingKey, retired);
  }

  sign(head: { seq: string; hash: string }, at: Date): SignedAuditAnchor {
    const anchor: AuditAnchor = { seq: head.seq, hash: head.hash, anchoredAt: at.toISOString() };
    return {
      v: 1,
      ...anchor,
      keyId: this.keyId,
      signature: sign(null, anchorMessage(anchor), this.signingKey).toString('base64'),
    };
  }

  /** Reads the sink and checks each record's signature; the rows are checked by the returned checker. */
  async checker(): Promise<AuditAnchorChecker> {
    return new AuditAnchorChecker(this.sink.description, await this.sink.readAll(), this.publicKeys);
  }
}

function parseAnchor(
  text: string,
  keys: ReadonlyMap<string, KeyObject>,
): AuditAnchor | Exclude<AuditAnchorProblemReason, 'hash-mismatch' | 'row-missing'> {
  let record: Partial<Record<keyof SignedAuditAnchor, unknown>>;
  try {
    record = JSON.parse(text) as typeof record;
  } catch {
    return 'malformed';
  }
  const { v, seq, hash, anchoredAt, keyId, signature } = record ?? {};
  if (
    v !== 1 ||
    typeof seq !== 'string' ||
    !/^[1-9]\d{0,18}$/.test(seq) ||
    typeof hash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(hash) ||
    typeof anchoredAt !== 'string' ||
    typeof keyId !== 'string' ||
    typeof signature !== 'string'
  ) {
    return 'malformed';
  }
  const key = keys.get(keyId);
  if (!key) return 'unknown-key';
  const anchor = { seq, hash, anchoredAt };
  return verify(null, anchorMessage(anchor), key, Buffer.from(signature, 'base64'))
    ? anchor
    : 'bad-signature';
}

/**
 * Checks the rows against the anchors as the chain verifier walks them in seq order (`observe` each row with
 * whether the chain found it broken, then `finish`).
 */
export class AuditAnchorChecker {
  private readonly anchors: Array<AuditAnchor & { line: number }> = [];
  private readonly problems: AuditAnchorProblem[] = [];
  private next = 0;
  private lastGood: AuditAnchor | null = null;
  /** The first row seen after `lastGood`. */
  private firstSinceGood: { seq: string; id: string | null } | null = null;
  private firstFailure: { seq: string; id: string | null } | null = null;
  private lastSeq = 0n;
  private readonly records: number;

  constructor(
    private readonly sink: string,
    lines: readonly string[],
    keys: ReadonlyMap<string, KeyObject>,
  ) {
    this.records = lines.length;
    lines.forEach((text, i) => {
      const parsed = parseAnchor(text, keys);
      if (typeof parsed === 'string') this.problem({ line: i + 1, seq: null, reason: parsed });
      else this.anchors.push({ ...parsed, line: i + 1 });
    });
    // In seq order (stable: equal heads keep their order in the sink).
    this.anchors.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : BigInt(a.seq) > BigInt(b.seq) ? 1 : 0));
  }

  observe(row: { seq: string; id: string; hash: string }, chainBroken: boolean): void {
    const seq = BigInt(row.seq);
    // Anchors of seqs that were skipped: those rows are gone, from the one after the last row seen.
    const removed = { seq: String(this.lastSeq + 1n), id: null };
    while (this.next < this.anchors.length && BigInt(this.anchors[this.next]!.seq) < seq) {
      this.fail(this.anchors[this.next++]!, 'row-missing', removed);
    }
    this.firstSinceGood ??= { seq: row.seq, id: row.id };
    if (chainBroken) this.firstFailure ??= { seq: row.seq, id: row.id };
    while (this.next < this.anchors.length && BigInt(this.anchors[this.next]!.seq) === seq) {
      const anchor = this.anchors[this.next++]!;
      if (anchor.hash !== row.hash) this.fail(anchor, 'hash-mismatch', row);
      else if (!this.firstFailure) {
        this.lastGood = { seq: anchor.seq, hash: anchor.hash, anchoredAt: anchor.anchoredAt };
        this.firstSinceGood = null;
      }
    }
    this.lastSeq = seq;
  }

  finish(): AuditAnchorVerification {
    // Anchors beyond the last row: the tail was removed, from the row after the last one left.
    const removed = { seq: String(this.lastSeq + 1n), id: null };
    while (this.next < this.anchors.length) this.fail(this.anchors[this.next++]!, 'row-missing', removed);
    return {
      sink: this.sink,
      checked: this.records,
      lastGood: this.lastGood,
      firstFailure: this.firstFailure,
      problems: this.problems,
    };
  }

  private fail(
    anchor: AuditAnchor & { line: number },
    reason: 'hash-mismatch' | 'row-missing',
    at: { seq: string; id: string | null },
  ): void {
    this.problem({ line: anchor.line, seq: anchor.seq, reason });
    // Which row between the last good anchor and this one changed, the anchors cannot tell: the first of them.
    this.firstFailure ??= this.firstSinceGood ?? at;
  }

  private problem(problem: AuditAnchorProblem): void {
    if (this.problems.length < 100) this.problems.push(problem);
  }
}
