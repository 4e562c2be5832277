import { generateKeyPairSync } from 'node:crypto';
import { appendFile, copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import {
  AuditAnchors,
  AuditRepository,
  createDataSource,
  FileAuditAnchorSink,
  type AuditEntry,
  type SignedAuditAnchor,
} from '@alem/persistence';
import { localAuditAnchorEnv } from '@alem/local-stack';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * The audit chain against its anchors outside the database: whoever owns the table can edit a row behind the
 * triggers and recompute every later hash, so that the chain alone verifies; the signed anchors catch it,
 * name the first row after the last good anchor, and a forged anchor is reported.
 */
describe('audit chain anchors (signed, outside the database)', () => {
  let db: TestDatabase;
  let owner: DataSource;
  let audit: AuditRepository;
  let dir: string;
  let anchors: AuditAnchors;
  const written: SignedAuditAnchor[] = [];

  const entry = (action: string): AuditEntry => ({
    actor: { type: 'system', id: 'test', label: 'test' },
    action,
    entityType: 'thing',
    entityId: action,
    dataCategory: 'configuration',
    detail: { action },
  });
  const appendRows = async (from: number, count: number) => {
    for (let i = from; i < from + count; i++) await audit.appendAlone([entry(`row.${i}`)]);
  };
  /** The same anchors with another sink: a copy of the anchor file with changes of a test's own. */
  const withSink = async (name: string, change: (path: string) => Promise<void>) => {
    const path = join(dir, name);
    await copyFile(join(dir, 'audit-anchors.jsonl'), path);
    await change(path);
    const env = { file: path, keyFile: join(dir, 'audit-anchor-key.pem'), retiredPublicKeyFiles: [] };
    return AuditAnchors.fromFiles(env);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    owner = createDataSource({ url: db.url, poolSize: 2 });
    await owner.initialize();
    audit = new AuditRepository(owner);
    dir = await mkdtemp(join(tmpdir(), 'alem-anchors-test-'));
    const env = await localAuditAnchorEnv(dir);
    anchors = await AuditAnchors.fromFiles({
      file: env.AUDIT_ANCHOR_FILE!,
      keyFile: env.AUDIT_ANCHOR_KEY_FILE!,
      retiredPublicKeyFiles: [],
    });
    // Rows 1-5, anchor at 5, rows 6-10, anchor at 10, rows 11-15, anchor at 15, rows 16-17.
    for (const from of [1, 6, 11]) {
      await appendRows(from, 5);
      written.push((await audit.anchor(anchors, new Date()))!);
    }
    await appendRows(16, 2);
  });

  afterAll(async () => {
    await owner?.destroy();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('signs the head into one JSON line per anchor', async () => {
    expect(written.map((a) => a.seq)).toEqual(['5', '10', '15']);
    const lines = (await readFile(join(dir, 'audit-anchors.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as SignedAuditAnchor)).toEqual(written);
    expect(written[0]).toMatchObject({
      v: 1,
      keyId: anchors.keyId,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('verifies clean on an untouched chain, also with the same head anchored twice by two instances', async () => {
    const twice = await withSink('twice.jsonl', async () => undefined);
    const [a, b] = await Promise.all([audit.anchor(twice, new Date()), audit.anchor(twice, new Date())]);
    expect(a!.seq).toBe('17');
    expect(b!.seq).toBe('17');
    const result = await audit.verify({ anchors: twice });
    expect(result).toMatchObject({ ok: true, firstBreak: null });
    expect(result.anchors).toMatchObject({ checked: 5, problems: [], firstFailure: null });
    expect(result.anchors!.lastGood).toMatchObject({ seq: '17', hash: a!.hash });
  });

  it('reports a forged anchor line (bad signature, unknown key, malformed) and keeps checking the rest', async () => {
    const forged = await withSink('forged.jsonl', async (path) => {
      const [real] = await new FileAuditAnchorSink(path).readAll();
      const anchor = JSON.parse(real!) as SignedAuditAnchor;
      // The owner rewrote the chain and now anchors the rewritten head with a signature of their own making.
      const stranger = new AuditAnchors(
        new FileAuditAnchorSink(path),
        generateKeyPairSync('ed25519').privateKey,
      );
      const strangers = stranger.sign({ seq: '16', hash: 'a'.repeat(64) }, new Date());
      await appendFile(
        path,
        [
          JSON.stringify({ ...anchor, hash: 'b'.repeat(64) }),
          JSON.stringify({ ...strangers, keyId: anchors.keyId }),
          JSON.stringify(strangers),
          '{"v":1,"seq":"12"',
        ].join('\n') + '\n',
      );
    });
    const result = await audit.verify({ anchors: forged });
    expect(result.ok).toBe(false);
    expect(result.firstBreak).toBeNull();
    expect(result.anchors).toMatchObject({
      checked: 7,
      lastGood: { seq: '15' },
      firstFailure: null,
      problems: [
        { line: 4, seq: null, reason: 'bad-signature' },
        { line: 5, seq: null, reason: 'bad-signature' },
        { line: 6, seq: null, reason: 'unknown-key' },
        { line: 7, seq: null, reason: 'malformed' },
      ],
    });
  });

  it('catches a row the owner edited behind the triggers with every later hash recomputed', async () => {
    // As the database's owner (here the superuser): trigger off, edit row 12, re-chain 12..17 exactly as the
    // insert trigger computes it, trigger on. The chain alone is intact again.
    await owner.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    try {
      await owner.query(`UPDATE audit_log SET actor_id = 'someone-else' WHERE seq = 12`);
      await owner.query(`
        DO $$
        DECLARE
          r audit_log;
          prev text;
        BEGIN
          SELECT hash INTO prev FROM audit_log WHERE seq = 11;
          FOR r IN SELECT * FROM audit_log WHERE seq >= 12 ORDER BY seq LOOP
            r.prev_hash := prev;
            r.hash := encode(sha256(convert_to(prev || audit_log_canonical(r), 'UTF8')), 'hex');
            UPDATE audit_log SET prev_hash = r.prev_hash, hash = r.hash WHERE id = r.id;
            prev := r.hash;
          END LOOP;
        END $$`);
    } finally {
      await owner.query(`ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_append_only`);
    }
    expect(await audit.verify()).toMatchObject({ ok: true, firstBreak: null, anchors: null });

    const result = await audit.verify({ anchors });
    const [row11] = await owner.query(`SELECT id::text FROM audit_log WHERE seq = 11`);
    expect(result).toMatchObject({ ok: false, firstBreak: null });
    expect(result.anchors).toMatchObject({
      checked: 3,
      // Vouched up to 10; the anchor at 15 no longer holds, so 11..15 are suspect, and 11 is named.
      lastGood: { seq: '10', hash: written[1]!.hash },
      firstFailure: { seq: '11', id: row11.id },
      problems: [{ line: 3, seq: '15', reason: 'hash-mismatch' }],
    });
  });

  it('names the first removed row when the owner cut the tail', async () => {
    await owner.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    try {
      await owner.query(`DELETE FROM audit_log WHERE seq >= 9`);
    } finally {
      await owner.query(`ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_append_only`);
    }
    const result = await audit.verify({ anchors });
    expect(result).toMatchObject({ ok: false, firstBreak: null });
    expect(result.anchors).toMatchObject({
      lastGood: { seq: '5' },
      firstFailure: { seq: '6' },
      problems: [
        { line: 2, seq: '10', reason: 'row-missing' },
        { line: 3, seq: '15', reason: 'row-missing' },
      ],
    });
  });
});
