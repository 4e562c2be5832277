import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The registration of each lab that sends results (issue 12): one row per sender, named as MSH-3^MSH-4 and the
 * events name it (`APPLICATION^FACILITY`). For now it holds the sender's IANA time zone, in which the processor
 * reads the times its messages send without an offset (`HL7_DEFAULT_TIME_ZONE` for senders not registered).
 * Its mTLS certificates, address allow-list and assigning-authority bindings are to join this same row.
 */
export class LabSenders1732300010000 implements MigrationInterface {
  name = 'LabSenders1732300010000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE lab_senders (
        sender text PRIMARY KEY,
        time_zone text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz
      );
      -- The processor caches the registrations and LISTENs here, as it does for code mappings and enrolment.
      CREATE FUNCTION notify_lab_senders_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('lab_senders_changed', '');
        RETURN NULL;
      END $$;
      CREATE TRIGGER lab_senders_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON lab_senders
        FOR EACH STATEMENT EXECUTE FUNCTION notify_lab_senders_changed();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE lab_senders;
      DROP FUNCTION IF EXISTS notify_lab_senders_changed();
    `);
  }
}
