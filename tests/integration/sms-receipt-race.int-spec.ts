import { waitFor } from '@alem/local-stack';
import { createDataSource } from '@alem/persistence';
import { type DataSource } from 'typeorm';
import { type DeliveryService } from '../../apps/notifier/src/delivery.service';
import { enrol, notifierServices, rowsOf, seedPragueSite, seedTeam } from '../support/notifier';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * An SMS provider's delivery receipt can reach the notifier before the attempt that sent the message is
 * committed (Twilio answers the send, then posts "sent" and "delivered" within milliseconds). Whatever the
 * interleaving, the receipt must end up on its delivery: a receipt left unattached makes a delivered SMS look
 * undelivered, and the alert would be escalated as if nobody had been reached. Receipts also come out of order
 * and can be replayed (issue 14): a status counts once, and none undoes a later one. On real Postgres.
 */
describe('SMS delivery receipts racing the attempt that sent the message, out of order or replayed', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let deliveries: DeliveryService;
  let notificationId: string;
  let contact: { userId: string; contactPointId: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url, poolSize: 6 });
    await ds.initialize();
    deliveries = notifierServices(ds).delivery;
    await seedPragueSite(ds, 'site-race');
    const { careTeamId, people } = await seedTeam(ds, 'site-race', 'Team R', [
      {
        email: 'race@race.test',
        displayName: 'Dr. Race',
        role: 'clinician',
        contacts: [{ channel: 'sms', address: '+420601999001' }],
      },
    ]);
    const patientId = await enrol(ds, 'site-race', careTeamId, 'MRN-R1');
    const [alert] = await rowsOf<{ id: string }>(
      ds,
      `INSERT INTO alerts (reference, patient_id, rule_id, kind, severity, dedup_key, rule_set_version, explanation,
                           opened_at, last_occurrence_at, updated_at)
       VALUES ('RACE-0001', $1::uuid, 'PLT-4', 'breach', 'critical', $1::text || '|PLT-4', 'test', '{"summary": "s"}',
               now(), now(), now())
       RETURNING id`,
      [patientId],
    );
    const [notification] = await rowsOf<{ id: string }>(
      ds,
      `INSERT INTO notifications (alert_id, reason, severity, state) VALUES ($1, 'opened', 'critical', 'dispatched')
       RETURNING id`,
      [alert!.id],
    );
    notificationId = notification!.id;
    const [point] = await rowsOf<{ id: string }>(
      ds,
      `SELECT id FROM contact_points WHERE user_id = $1 AND channel = 'sms'`,
      [people['race@race.test']!.userId],
    );
    contact = { userId: people['race@race.test']!.userId, contactPointId: point!.id };
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  /** A queued SMS delivery of its own (one per contact point and notification: a fresh notification each). */
  async function queuedSms(): Promise<string> {
    const [copy] = await rowsOf<{ id: string }>(
      ds,
      `INSERT INTO notifications (alert_id, reason, severity, state)
       SELECT alert_id, reason, severity, state FROM notifications WHERE id = $1 RETURNING id`,
      [notificationId],
    );
    const [delivery] = await rowsOf<{ id: string }>(
      ds,
      `INSERT INTO deliveries (notification_id, user_id, contact_point_id, channel, address, state)
       VALUES ($1, $2, $3, 'sms', '+420601999001', 'queued') RETURNING id`,
      [copy!.id, contact.userId, contact.contactPointId],
    );
    return delivery!.id;
  }

  const sent = (deliveryId: string, sid: string) =>
    deliveries.recordAttempt({
      deliveryId,
      attempt: 1,
      startedAt: new Date(),
      finishedAt: new Date(),
      outcome: 'sent',
      providerResponse: '201',
      providerMessageId: sid,
      final: false,
    });

  const receipt = (sid: string, status: string, source: 'provider' | 'notifier' = 'provider') =>
    deliveries.recordReceipt({
      providerMessageId: sid,
      status,
      errorCode: null,
      at: new Date(),
      source,
    });

  const stateOf = async (deliveryId: string) =>
    (await rowsOf<{ state: string }>(ds, `SELECT state FROM deliveries WHERE id = $1`, [deliveryId]))[0]!
      .state;

  it('a receipt that arrives while its attempt is being recorded waits for it, then applies', async () => {
    const deliveryId = await queuedSms();
    // The attempt's transaction, held open at the point where its provider message id is written but not
    // committed: exactly where a receipt used to miss it.
    const attempt = ds.createQueryRunner();
    await attempt.connect();
    await attempt.startTransaction();
    try {
      await attempt.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [
        'provider-message|SM-RACE-1',
      ]);
      await attempt.query(`UPDATE deliveries SET state = 'sent', provider_message_id = $2 WHERE id = $1`, [
        deliveryId,
        'SM-RACE-1',
      ]);
      const delivered = receipt('SM-RACE-1', 'delivered');
      await waitFor(
        async () =>
          (
            await rowsOf(
              ds,
              `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
            )
          ).length === 1,
        { description: 'the receipt to wait for the attempt' },
      );
      await attempt.commitTransaction();
      expect(await delivered).toMatchObject({ deliveryId, state: 'delivered', changed: true });
    } finally {
      if (attempt.isTransactionActive) await attempt.rollbackTransaction();
      await attempt.release();
    }
    expect(await stateOf(deliveryId)).toBe('delivered');
    expect(
      await rowsOf(
        ds,
        `SELECT status, delivery_id FROM delivery_receipts WHERE provider_message_id = 'SM-RACE-1'`,
      ),
    ).toEqual([{ status: 'delivered', delivery_id: deliveryId }]);
  });

  it('a receipt committed before its attempt is attached and applied by the attempt', async () => {
    const deliveryId = await queuedSms();
    expect(await receipt('SM-RACE-2', 'sent')).toBeNull();
    expect(await receipt('SM-RACE-2', 'delivered')).toBeNull();
    await sent(deliveryId, 'SM-RACE-2');
    expect(await stateOf(deliveryId)).toBe('delivered');
    expect(
      await rowsOf(ds, `SELECT count(*)::int AS n FROM delivery_receipts WHERE delivery_id = $1`, [
        deliveryId,
      ]),
    ).toEqual([{ n: 2 }]);
  });

  it('attempts and receipts fired together, many at once, never leave a receipt behind', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, () => queuedSms()));
    await Promise.all(
      ids.flatMap((id, i) => [sent(id, `SM-RACE-M${i}`), receipt(`SM-RACE-M${i}`, 'delivered')]),
    );
    const states = await rowsOf<{ state: string }>(
      ds,
      `SELECT state FROM deliveries WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    expect(states.map((s) => s.state)).toEqual(ids.map(() => 'delivered'));
    expect(
      await rowsOf(
        ds,
        `SELECT count(*)::int AS n FROM delivery_receipts WHERE provider_message_id LIKE 'SM-RACE-M%' AND delivery_id IS NULL`,
      ),
    ).toEqual([{ n: 0 }]);
  });

  const receiptsOf = (sid: string) =>
    rowsOf<{ status: string }>(
      ds,
      `SELECT status FROM delivery_receipts WHERE provider_message_id = $1 ORDER BY id`,
      [sid],
    ).then((rows) => rows.map((r) => r.status));

  const attemptStatusOf = async (deliveryId: string) =>
    (
      await rowsOf<{ provider_status: string | null }>(
        ds,
        `SELECT provider_status FROM delivery_attempts WHERE delivery_id = $1`,
        [deliveryId],
      )
    )[0]!.provider_status;

  const receiptAuditRows = (deliveryId: string) =>
    rowsOf(ds, `SELECT outcome FROM audit_log WHERE action = 'notification.receipt' AND entity_id = $1`, [
      deliveryId,
    ]);

  it('a replayed receipt is not recorded again and changes nothing', async () => {
    const deliveryId = await queuedSms();
    await sent(deliveryId, 'SM-REPLAY-1');
    expect(await receipt('SM-REPLAY-1', 'undelivered')).toMatchObject({ state: 'failed', changed: true });
    expect(await receipt('SM-REPLAY-1', 'undelivered')).toMatchObject({ state: 'failed', changed: false });
    expect(await receiptsOf('SM-REPLAY-1')).toEqual(['undelivered']);
    expect(await receiptAuditRows(deliveryId)).toHaveLength(1);
  });

  it('a "delivered" after the provider reported the SMS failed is recorded, and the delivery stays failed', async () => {
    const deliveryId = await queuedSms();
    await sent(deliveryId, 'SM-FLIP-1');
    await receipt('SM-FLIP-1', 'failed');
    expect(await receipt('SM-FLIP-1', 'delivered')).toMatchObject({ changed: false });
    expect(await stateOf(deliveryId)).toBe('failed');
    expect(await attemptStatusOf(deliveryId)).toBe('failed');
    expect(await receiptsOf('SM-FLIP-1')).toEqual(['failed', 'delivered']);
    expect(await receiptAuditRows(deliveryId)).toEqual([{ outcome: 'failure' }]);
  });

  it('a "sent" that arrives after "delivered" does not move the message back', async () => {
    const deliveryId = await queuedSms();
    await sent(deliveryId, 'SM-LATE-1');
    await receipt('SM-LATE-1', 'delivered');
    expect(await receipt('SM-LATE-1', 'sent')).toMatchObject({ state: 'delivered', changed: false });
    expect(await stateOf(deliveryId)).toBe('delivered');
    expect(await attemptStatusOf(deliveryId)).toBe('delivered');
  });

  it('after no receipt in time, the provider\'s final word counts: "delivered" once, not after its "failed"', async () => {
    const late = await queuedSms();
    await sent(late, 'SM-NR-1');
    await receipt('SM-NR-1', 'no-receipt', 'notifier');
    expect(await stateOf(late)).toBe('failed');
    expect(await receipt('SM-NR-1', 'delivered')).toMatchObject({ state: 'delivered', changed: true });
    expect(await stateOf(late)).toBe('delivered');

    const failed = await queuedSms();
    await sent(failed, 'SM-NR-2');
    await receipt('SM-NR-2', 'no-receipt', 'notifier');
    await receipt('SM-NR-2', 'undelivered');
    expect(await receipt('SM-NR-2', 'delivered')).toMatchObject({ changed: false });
    expect(await stateOf(failed)).toBe('failed');
  });

  it('receipts that came before the attempt apply in the order they came: a failure is not undone', async () => {
    const deliveryId = await queuedSms();
    expect(await receipt('SM-EARLY-1', 'undelivered')).toBeNull();
    expect(await receipt('SM-EARLY-1', 'undelivered')).toBeNull();
    expect(await receipt('SM-EARLY-1', 'delivered')).toBeNull();
    await sent(deliveryId, 'SM-EARLY-1');
    expect(await stateOf(deliveryId)).toBe('failed');
    expect(await receiptsOf('SM-EARLY-1')).toEqual(['undelivered', 'delivered']);
  });
});
