import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * How a lab proves who it is, and whose patients it may report for (issue 14). A registered sender is
 * authenticated over MLLP by its client certificates (SHA-256 fingerprints, issued by a CA the gateway trusts)
 * or, for a site that cannot do mutual TLS, by the addresses it connects from; over HTTP by its API keys. It
 * may report only for the assigning authorities listed here (any form of their hierarchic designators).
 * Everything else is refused at the gateway (AR / 403) and dead-lettered with the reason.
 */
export class SenderAuthentication1732300013000 implements MigrationInterface {
  name = 'SenderAuthentication1732300013000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE lab_senders
        ADD COLUMN authorities text[] NOT NULL DEFAULT '{}',
        ADD COLUMN certificate_fingerprints text[] NOT NULL DEFAULT '{}',
        ADD COLUMN source_addresses cidr[] NOT NULL DEFAULT '{}';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE lab_senders
        DROP COLUMN authorities,
        DROP COLUMN certificate_fingerprints,
        DROP COLUMN source_addresses;
    `);
  }
}
