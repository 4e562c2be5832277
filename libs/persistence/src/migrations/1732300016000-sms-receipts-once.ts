import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * An SMS provider's status callback counts once per message and status (issue 14): a replayed callback (the
 * same signed request again) is not recorded twice and changes nothing (`DeliveryRepository.recordReceipt`).
 * Repeats already stored are folded into the first of each, which was the one that counted. The index also
 * serves the look-up of a message's receipts by its provider id.
 */
export class SmsReceiptsOnce1732300016000 implements MigrationInterface {
  name = 'SmsReceiptsOnce1732300016000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM delivery_receipts r USING delivery_receipts first
      WHERE first.provider_message_id = r.provider_message_id AND lower(first.status) = lower(r.status)
        AND first.id < r.id;
      CREATE UNIQUE INDEX delivery_receipts_once ON delivery_receipts (provider_message_id, lower(status));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX delivery_receipts_once`);
  }
}
