import { Injectable } from '@nestjs/common';
import { type AlertExplanation, type Severity } from '@alem/clinical';
import { queryRows } from '@alem/persistence';
import { type EntityManager } from 'typeorm';

/** An alert as an acknowledgement link leads to it: the delivery, the alert and who it is about. */
export interface LinkedAlertRow {
  delivery_id: string;
  notification_id: string;
  channel: string;
  tier: number;
  recipient_user_id: string | null;
  alert_id: string;
  reference: string;
  kind: string;
  rule_id: string;
  severity: Severity;
  emergency: boolean;
  state: string;
  explanation: AlertExplanation;
  opened_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  patient_id: string | null;
  care_team_id: string | null;
  display_name: string | null;
  birth_date: string | null;
  identifiers: Array<{ authority: string; identifier: string }> | null;
  used_at: Date | null;
}

/** The queries of the acknowledgement links. */
@Injectable()
export class AcknowledgementRepository {
  /** The delivery a token names, with its alert and patient (the alert row locked when asked). */
  async findByDelivery(m: EntityManager, deliveryId: string, lock = false): Promise<LinkedAlertRow | null> {
    const [row] = await queryRows<LinkedAlertRow>(
      m,
      `SELECT d.id AS delivery_id, d.notification_id, d.channel, n.tier, d.user_id AS recipient_user_id,
              a.id AS alert_id, a.reference, a.kind, a.rule_id, a.severity, a.emergency, a.state, a.explanation,
              a.opened_at, a.acknowledged_at, a.acknowledged_by, a.patient_id,
              coalesce(p.care_team_id, r.care_team_id) AS care_team_id, p.display_name,
              to_char(p.birth_date, 'YYYY-MM-DD') AS birth_date,
              (SELECT json_agg(json_build_object('authority', i.authority, 'identifier', i.identifier)
                               ORDER BY i.authority, i.identifier)
               FROM patient_identifiers i WHERE i.patient_id = p.id) AS identifiers,
              (SELECT k.acknowledged_at FROM alert_acknowledgements k WHERE k.delivery_id = d.id AND k.via = 'link') AS used_at
       FROM deliveries d JOIN notifications n ON n.id = d.notification_id JOIN alerts a ON a.id = n.alert_id
       LEFT JOIN patients p ON p.id = a.patient_id LEFT JOIN alert_routes r ON r.alert_id = a.id
       WHERE d.id = $1${lock ? ' FOR UPDATE OF a' : ''}`,
      [deliveryId],
    );
    return row ?? null;
  }

  /**
   * One analyte's results of a patient since `since` (oldest first, the current version of each: no superseded
   * or retracted row), in the canonical unit the rules compare in.
   */
  async trend(
    m: EntityManager,
    patientId: string,
    analyte: string,
    since: Date,
  ): Promise<
    Array<{ observed_at: Date; value: string | null; unit: string | null; comparator: string | null }>
  > {
    return queryRows(
      m,
      `SELECT observed_at, value::text AS value, unit, comparator FROM results
       WHERE patient_id = $1 AND analyte = $2 AND observed_at >= $3 AND value IS NOT NULL
         AND superseded_by IS NULL AND retracted_at IS NULL AND status <> 'deleted'
       ORDER BY observed_at, id LIMIT 1000`,
      [patientId, analyte, since],
    );
  }

  /** Every infusion day of a patient's courses (for the trend's markers). */
  async infusionDates(m: EntityManager, patientId: string): Promise<string[]> {
    const rows = await queryRows<{ day: string }>(
      m,
      `SELECT DISTINCT to_char(d, 'YYYY-MM-DD') AS day FROM treatment_courses c, unnest(c.infusion_dates) d
       WHERE c.patient_id = $1 ORDER BY day`,
      [patientId],
    );
    return rows.map((r) => r.day);
  }

  /** Whether a person is on the care team (a clinician may act on their own teams' alerts only). */
  async isMember(m: EntityManager, userId: string, careTeamId: string | null): Promise<boolean> {
    if (!careTeamId) return false;
    const rows = await queryRows(
      m,
      `SELECT 1 FROM care_team_members WHERE user_id = $1 AND care_team_id = $2`,
      [userId, careTeamId],
    );
    return rows.length > 0;
  }
}
