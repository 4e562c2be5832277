import { createDataSource } from '@alem/persistence';
import { DataSource } from 'typeorm';
import { SmsReceiptsOnce1732300016000 } from '../../libs/persistence/src/migrations/1732300016000-sms-receipts-once';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * Receipts stored before issue 14 could repeat (a replayed callback was recorded again); the migration keeps the
 * first of each message and status, the one that counted, and from then on the database refuses a repeat.
 */
describe('migration: one receipt per SMS and status', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url });
    await ds.initialize();
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const insert = (sid: string, status: string, detail: string) =>
    ds.query(
      `INSERT INTO delivery_receipts (provider_message_id, status, source, received_at, detail)
       VALUES ($1, $2, 'provider', now(), jsonb_build_object('n', $3::text))`,
      [sid, status, detail],
    );

  it('keeps the first of repeated receipts, and refuses repeats afterwards', async () => {
    const migration = new SmsReceiptsOnce1732300016000();
    const runner = ds.createQueryRunner();
    try {
      await migration.down(runner);
      await insert('SM-M1', 'delivered', 'first');
      await insert('SM-M1', 'delivered', 'replayed');
      await insert('SM-M1', 'DELIVERED', 'replayed in capitals');
      await insert('SM-M1', 'sent', 'other status');
      await insert('SM-M2', 'delivered', 'other message');
      await migration.up(runner);
    } finally {
      await runner.release();
    }
    const rows = await ds.query(
      `SELECT provider_message_id AS sid, status, detail->>'n' AS n FROM delivery_receipts
       WHERE provider_message_id LIKE 'SM-M%' ORDER BY id`,
    );
    expect(rows).toEqual([
      { sid: 'SM-M1', status: 'delivered', n: 'first' },
      { sid: 'SM-M1', status: 'sent', n: 'other status' },
      { sid: 'SM-M2', status: 'delivered', n: 'other message' },
    ]);
    await expect(insert('SM-M1', 'delivered', 'again')).rejects.toThrow(/delivery_receipts_once/);
  });
});
