import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Whatever closes an alert stops its escalation in the same transaction, and every acknowledgement is on
 * record in `alert_acknowledgements`: the link path writes its row (with the delivery that led to it) before it
 * changes the alert; an acknowledgement through `POST /alerts/{id}/acknowledge` gets a row `via = 'api'` here.
 * A resolution (by a person or by the monitoring scheduler) stops the escalation too.
 */
export class AcknowledgementClosesEscalation1732300007010 implements MigrationInterface {
  name = 'AcknowledgementClosesEscalation1732300007010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION alerts_closed_stop_escalation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.state = 'acknowledged' AND NEW.acknowledged_by IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM alert_acknowledgements WHERE alert_id = NEW.id AND acknowledged_at = NEW.acknowledged_at
        ) THEN
          INSERT INTO alert_acknowledgements (alert_id, user_id, acknowledged_at, via)
          VALUES (NEW.id, NEW.acknowledged_by, NEW.acknowledged_at, 'api');
        END IF;
        UPDATE alert_escalations
        SET next_at = NULL, stop_reason = NEW.state, updated_at = NEW.updated_at,
            stopped_at = coalesce(CASE NEW.state WHEN 'acknowledged' THEN NEW.acknowledged_at ELSE NEW.resolved_at END,
                                  NEW.updated_at)
        WHERE alert_id = NEW.id AND next_at IS NOT NULL;
        RETURN NULL;
      END $$;
      CREATE TRIGGER alerts_closed_stop_escalation AFTER UPDATE OF state ON alerts
        FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state AND NEW.state IN ('acknowledged', 'resolved'))
        EXECUTE FUNCTION alerts_closed_stop_escalation();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER IF EXISTS alerts_closed_stop_escalation ON alerts;
      DROP FUNCTION IF EXISTS alerts_closed_stop_escalation();
    `);
  }
}
