import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The original HL7 v2 messages behind the results kept (only messages with at least one result of an enrolled
 * patient: the rest of the feed is not ours to keep), and the normaliser's quality flags on each result.
 */
export class SourceMessages1732300004000 implements MigrationInterface {
  name = 'SourceMessages1732300004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE source_messages (
        id bigserial PRIMARY KEY,
        sender text NOT NULL,
        message_control_id text NOT NULL,
        content_type text NOT NULL,
        body text NOT NULL,
        received_at timestamptz NOT NULL,
        source_topic text,
        source_partition int,
        source_offset bigint,
        -- MSH-10 is unique per sender: a resent message is the same message.
        UNIQUE (sender, message_control_id)
      );
      ALTER TABLE results
        ADD COLUMN source_message_id bigint REFERENCES source_messages(id),
        ADD COLUMN quality_flags text;
      CREATE INDEX results_source_message ON results(source_message_id) WHERE source_message_id IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE results DROP COLUMN source_message_id, DROP COLUMN quality_flags;
      DROP TABLE source_messages;
    `);
  }
}
