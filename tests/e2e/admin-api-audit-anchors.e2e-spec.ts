import { readFile } from 'node:fs/promises';
import { waitFor } from '@alem/local-stack';
import { loadConfig } from '@alem/runtime';
import { runAuditVerification } from '../../apps/admin-api/src/audit-verify.cli';
import { startAdminApi, seedUser, type AdminApi } from '../support/admin-api';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * Anchoring over HTTP, with the admin API connected as the apps' database role (docs/deployment.md "Database roles"):
 * an admin anchors the head on demand (audited), `/audit/verify` and `audit:verify` check the chain against
 * the anchors, and a rewrite by the table's owner that the chain alone cannot show is named.
 */
describe('audit anchors through the admin API and the CLI', () => {
  let stack: TestStack;
  let api: AdminApi;
  let admin: string;
  let auditor: string;
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    stack = await startTestStack();
    api = await startAdminApi(loadConfig({ ...stack.env(), DATABASE_URL: await stack.db.appRoleUrl() }));
    await seedUser(stack.dataSource, { email: 'admin@hospital.test', roles: ['admin'] });
    await seedUser(stack.dataSource, { email: 'auditor@hospital.test', roles: ['auditor'] });
    admin = await api.login('admin@hospital.test');
    auditor = await api.login('auditor@hospital.test');
  });

  afterAll(async () => {
    await api?.close();
    await stack?.stop();
  });

  it('anchors the head for an admin (audited), not for an auditor', async () => {
    expect((await api.http().post('/api/v1/audit/anchors').set(as(auditor))).status).toBe(403);
    // As the demo and the console's fetch send it: a JSON content type and no body.
    const anchored = await api
      .http()
      .post('/api/v1/audit/anchors')
      .set({ ...as(admin), 'Content-Type': 'application/json' });
    expect(anchored.status).toBe(201);
    const [head] = await stack.dataSource.query(`SELECT seq::text, hash FROM audit_log WHERE seq = $1`, [
      anchored.body.seq,
    ]);
    expect(anchored.body).toEqual({
      v: 1,
      seq: head.seq,
      hash: head.hash,
      anchoredAt: expect.any(String),
      keyId: expect.stringMatching(/^[0-9a-f]{64}$/),
      signature: expect.any(String),
    });
    const file = await readFile(stack.env().AUDIT_ANCHOR_FILE!, 'utf8');
    expect(
      file
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([anchored.body]);
    const [row] = await stack.dataSource.query(
      `SELECT actor_label, entity_id, outcome FROM audit_log WHERE action = 'audit.anchor'`,
    );
    expect(row).toEqual({ actor_label: 'admin@hospital.test', entity_id: head.seq, outcome: 'success' });

    const verified = await api.http().get('/api/v1/audit/verify').set(as(auditor));
    expect(verified.body).toMatchObject({
      ok: true,
      anchors: { checked: 1, lastGood: { seq: head.seq }, firstFailure: null, problems: [] },
    });
  });

  it('names the first row after the last good anchor when the owner rewrote the chain', async () => {
    await api.http().post('/api/v1/audit/anchors').set(as(admin)).expect(201);
    const [first] = await stack.dataSource.query(
      `SELECT seq::text FROM audit_log WHERE action = 'audit.anchor' ORDER BY audit_log.seq LIMIT 1`,
    );
    // Owner: edit the first anchoring's audit row and re-chain everything after it as the trigger would.
    await stack.dataSource.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    try {
      await stack.dataSource.query(`UPDATE audit_log SET actor_label = 'nobody' WHERE seq = $1`, [first.seq]);
      await stack.dataSource.query(`
        DO $$
        DECLARE r audit_log; prev text;
        BEGIN
          FOR r IN SELECT * FROM audit_log ORDER BY seq LOOP
            IF prev IS NOT NULL THEN
              r.prev_hash := prev;
              r.hash := encode(sha256(convert_to(prev || audit_log_canonical(r), 'UTF8')), 'hex');
              UPDATE audit_log SET prev_hash = r.prev_hash, hash = r.hash WHERE id = r.id;
            END IF;
            prev := r.hash;
          END LOOP;
        END $$`);
    } finally {
      await stack.dataSource.query(`ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_append_only`);
    }
    const broken = await api.http().get('/api/v1/audit/verify').set(as(auditor));
    expect(broken.body).toMatchObject({ ok: false, firstBreak: null, anchors: { problems: [{ line: 2 }] } });
    const afterGood = BigInt(broken.body.anchors.lastGood.seq) + 1n;
    expect(BigInt(broken.body.anchors.firstFailure.seq)).toBe(afterGood);
    expect(BigInt(first.seq)).toBeGreaterThanOrEqual(afterGood);

    const out: string[] = [];
    expect(await runAuditVerification(loadConfig(stack.env()), (line) => out.push(line))).toBe(2);
    expect(out.at(-1)).toMatch(
      new RegExp(
        `^audit log BROKEN by its anchors: first failing row seq ${afterGood} \\(id \\d+\\) after the last good ` +
          `anchor \\(seq ${broken.body.anchors.lastGood.seq}\\); anchor at line 2 of .*: hash-mismatch$`,
      ),
    );
  });
});

describe('audit anchors on a timer', () => {
  let stack: TestStack;
  const apis: AdminApi[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
  });

  afterAll(async () => {
    for (const api of apis) await api.close();
    await stack?.stop();
  });

  it('anchors the head as it moves, from several instances at once, and skips a head already anchored', async () => {
    const lines = async () =>
      (await readFile(stack.env().AUDIT_ANCHOR_FILE!, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { seq: string; hash: string });
    // An empty log has no head: nothing is anchored.
    const config = loadConfig({ ...stack.env(), AUDIT_ANCHOR_INTERVAL_MS: '50' });
    apis.push(await startAdminApi(config), await startAdminApi(config));
    await new Promise((r) => setTimeout(r, 200));
    expect(await lines()).toEqual([]);

    await seedUser(stack.dataSource, { email: 'admin@hospital.test', roles: ['admin'] });
    await apis[0]!.login('admin@hospital.test');
    const [head] = await stack.dataSource.query(
      `SELECT seq::text, hash FROM audit_log ORDER BY audit_log.seq DESC LIMIT 1`,
    );
    await waitFor(async () => (await lines()).filter((a) => a.seq === head.seq).length === 2, {
      timeoutMs: 5000,
      description: 'both instances to anchor the new head',
    });
    // Many intervals later each instance has anchored that head once.
    await new Promise((r) => setTimeout(r, 300));
    expect(await lines()).toEqual([
      {
        ...head,
        v: 1,
        anchoredAt: expect.any(String),
        keyId: expect.any(String),
        signature: expect.any(String),
      },
      {
        ...head,
        v: 1,
        anchoredAt: expect.any(String),
        keyId: expect.any(String),
        signature: expect.any(String),
      },
    ]);
    const out: string[] = [];
    expect(await runAuditVerification(loadConfig(stack.env()), (line) => out.push(line))).toBe(0);
    expect(out.at(-1)).toMatch(new RegExp(`anchors: 2 read from .*, last good seq ${head.seq}$`));
  });
});
