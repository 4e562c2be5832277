import { DataSource } from 'typeorm';
import { AuditRepository, createDataSource, type AuditEntry } from '@alem/persistence';
import { notifierServices } from '../support/notifier';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { seedDemoPatient } from '../support/test-stack';

/**
 * The audit log on the real Postgres: one valid chain from concurrent writers, append-only at the database,
 * tampering detected by the independent verifier, and the notifier's attempt rows.
 */
describe('audit log (hash chain, append-only)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let audit: AuditRepository;

  const entry = (action: string, detail: Record<string, unknown> = {}): AuditEntry => ({
    actor: { type: 'system', id: 'test', label: 'test', sourceIp: '10.0.0.1', userAgent: 'jest' },
    action,
    entityType: 'thing',
    entityId: action,
    dataCategory: 'configuration',
    detail,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url, poolSize: 12 });
    await ds.initialize();
    audit = new AuditRepository(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('chains rows from concurrent transactions into one gapless sequence, whatever order they commit in', async () => {
    // Each writer appends, then holds its transaction open a little; later writers queue on the chain lock.
    const writers = Array.from({ length: 24 }, (_, i) =>
      ds.transaction(async (m) => {
        await new Promise((r) => setTimeout(r, (i * 7) % 13));
        await audit.append(m, [
          entry(`w${i}.a`, { i, text: 'Nováková "quoted" \\ \n tab\t' }),
          entry(`w${i}.b`),
        ]);
        await new Promise((r) => setTimeout(r, (i * 5) % 11));
      }),
    );
    await Promise.all(writers);
    const rows: Array<{ seq: string; id: string }> = await ds.query(
      `SELECT seq::text, id::text FROM audit_log ORDER BY audit_log.seq`,
    );
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => String(i + 1)));
    expect(rows).toHaveLength(48);
    const result = await audit.verify({ pageSize: 7 }); // small pages: the verifier carries the chain across them
    expect(result).toMatchObject({ ok: true, rowsChecked: 48, firstBreak: null, breaks: [] });
    expect(result.head?.seq).toBe('48');
  });

  it('records the actor, place and time as given, to the millisecond', async () => {
    const at = new Date('2026-11-22T07:50:00.123Z');
    await ds.transaction((m) => audit.append(m, [{ ...entry('timed'), at, patientId: null }]));
    const [row] = await ds.query(
      `SELECT occurred_at, actor_type, actor_id, source_ip, user_agent, outcome FROM audit_log WHERE action = 'timed'`,
    );
    expect(row).toEqual({
      occurred_at: at,
      actor_type: 'system',
      actor_id: 'test',
      source_ip: '10.0.0.1',
      user_agent: 'jest',
      outcome: 'success',
    });
  });

  it('refuses UPDATE, DELETE and TRUNCATE, also for a replication session', async () => {
    await expect(ds.query(`UPDATE audit_log SET action = 'x' WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`DELETE FROM audit_log WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    await expect(
      ds.transaction(async (m) => {
        await m.query(`SET LOCAL session_replication_role = replica`);
        await m.query(`DELETE FROM audit_log WHERE seq = 1`);
      }),
    ).rejects.toThrow(/append-only/);
    expect((await audit.verify()).ok).toBe(true);
  });

  it('refuses to chain under a snapshot older than the chain lock (REPEATABLE READ)', async () => {
    const runner = ds.createQueryRunner();
    await runner.startTransaction('REPEATABLE READ');
    try {
      await expect(audit.append(runner.manager, [entry('rr')])).rejects.toThrow(/READ COMMITTED/);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('names the row a superuser edited behind the triggers, and the link after a recomputed hash', async () => {
    const [victim]: Array<{ seq: string; id: string }> = await ds.query(
      `SELECT seq::text, id::text FROM audit_log WHERE action = 'w3.a'`,
    );
    await ds.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    try {
      await ds.query(`UPDATE audit_log SET detail = '{"i": 99}' WHERE id = $1`, [victim!.id]);
    } finally {
      await ds.query(`ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_append_only`);
    }
    const tampered = await audit.verify();
    expect(tampered.ok).toBe(false);
    expect(tampered.firstBreak).toMatchObject({ seq: victim!.seq, id: victim!.id, reason: 'hash-mismatch' });

    // Recomputing the edited row's hash (as the database would) moves the break to the next link.
    await ds.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    try {
      await ds.query(
        `UPDATE audit_log SET hash = encode(sha256(convert_to(prev_hash || audit_log_canonical(audit_log), 'UTF8')), 'hex')
         WHERE id = $1`,
        [victim!.id],
      );
    } finally {
      await ds.query(`ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_append_only`);
    }
    const relinked = await audit.verify();
    expect(relinked.firstBreak).toMatchObject({
      seq: String(Number(victim!.seq) + 1),
      reason: 'previous-hash-mismatch',
    });
  });

  it('records each delivery attempt once, with the patient the alert is about', async () => {
    const { patientId, team } = await seedDemoPatient(ds);
    const [alert] = await ds.query(
      `INSERT INTO alerts (reference, patient_id, rule_id, kind, severity, dedup_key, rule_set_version, explanation)
       VALUES ('AUDT-0001', $1::uuid, 'PLT-4', 'breach', 'critical', $1::text || '|PLT-4', 'v1', '{}') RETURNING id`,
      [patientId],
    );
    const [notification] = await ds.query(
      `INSERT INTO notifications (alert_id, reason, severity) VALUES ($1, 'opened', 'critical') RETURNING id`,
      [alert.id],
    );
    const [contact] = await ds.query(`SELECT id FROM contact_points WHERE user_id = $1`, [
      team.members[0]!.userId,
    ]);
    const [delivery] = await ds.query(
      `INSERT INTO deliveries (notification_id, user_id, contact_point_id, channel, address)
       VALUES ($1, $2, $3, 'email', 'neurologist@hospital.test') RETURNING id`,
      [notification.id, team.members[0]!.userId, contact.id],
    );
    const deliveries = notifierServices(ds).delivery;
    const attempt = {
      deliveryId: delivery.id as string,
      attempt: 1,
      startedAt: new Date('2026-11-22T08:00:00Z'),
      finishedAt: new Date('2026-11-22T08:00:01Z'),
      outcome: 'sent' as const,
      providerResponse: '250 OK queued',
      providerMessageId: '<m1@test>',
      final: false,
    };
    await deliveries.recordAttempt(attempt);
    await deliveries.recordAttempt(attempt); // a redelivered job: recorded once
    const rows = await ds.query(
      `SELECT actor_type, actor_id, action, entity_type, entity_id, patient_id, data_category, outcome, detail
       FROM audit_log WHERE action = 'notification.attempt'`,
    );
    expect(rows).toEqual([
      {
        actor_type: 'system',
        actor_id: 'notifier',
        action: 'notification.attempt',
        entity_type: 'delivery',
        entity_id: delivery.id,
        patient_id: patientId,
        data_category: 'notifications',
        outcome: 'success',
        detail: expect.objectContaining({
          attempt: 1,
          result: 'sent',
          channel: 'email',
          alertReference: 'AUDT-0001',
          providerResponse: '250 OK queued',
        }),
      },
    ]);
  });
});
