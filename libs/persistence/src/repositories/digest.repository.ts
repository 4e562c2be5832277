import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryRows } from '../query-rows';

export interface DigestToSend {
  id: string;
  address: string;
  alertCount: number;
  attempts: number;
}

const at = (d: Date) => d.toISOString();

/**
 * The daily digest of informational alerts (never paged): once per site at its local digest time, one email per
 * team member with a verified email address, counting the informational alerts their teams opened since the
 * previous digest.
 */
@Injectable()
export class DigestRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The sites, each with its time zone (a digest goes at the site's local digest time). */
  async sites(): Promise<Array<{ id: string; timeZone: string }>> {
    const rows = await queryRows<{ id: string; time_zone: string }>(
      this.dataSource.manager,
      `SELECT id, time_zone FROM sites ORDER BY id`,
    );
    return rows.map((r) => ({ id: r.id, timeZone: r.time_zone }));
  }

  /**
   * Creates a site's digest for one instant (once: a digest already there is left as it is), with one email per
   * team member with a verified email address counting the informational alerts their teams opened in the
   * period. Returns whether this call created it.
   */
  async createDigest(siteId: string, scheduledFor: Date, periodStart: Date, now: Date): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      const [digest] = await queryRows<{ id: string }>(
        m,
        `INSERT INTO digests (site_id, scheduled_for, period_start, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (site_id, scheduled_for) DO NOTHING RETURNING id`,
        [siteId, at(scheduledFor), at(periodStart), at(now)],
      );
      if (!digest) return false;
      await m.query(
        `INSERT INTO digest_deliveries (digest_id, user_id, contact_point_id, address, alert_count)
         SELECT $1, m.user_id, c.id, c.address, sum(x.n)::int
         FROM (SELECT coalesce(p.care_team_id, r.care_team_id) AS care_team_id, count(*) AS n
               FROM alerts a LEFT JOIN patients p ON p.id = a.patient_id LEFT JOIN alert_routes r ON r.alert_id = a.id
               JOIN care_teams t ON t.id = coalesce(p.care_team_id, r.care_team_id)
               WHERE t.site_id = $2 AND a.severity = 'info' AND a.opened_at > $3 AND a.opened_at <= $4
               GROUP BY 1) x
         JOIN care_team_members m ON m.care_team_id = x.care_team_id
         JOIN users u ON u.id = m.user_id AND u.active
         JOIN contact_points c ON c.user_id = m.user_id AND c.channel = 'email' AND c.verified_at IS NOT NULL
         GROUP BY m.user_id, c.id, c.address
         ON CONFLICT (digest_id, contact_point_id) DO NOTHING`,
        [digest.id, siteId, at(periodStart), at(scheduledFor)],
      );
      return true;
    });
  }

  /** Digest emails still to send (taken one by one: FOR UPDATE SKIP LOCKED keeps two notifiers apart). */
  async pending(limit: number, maxAttempts: number): Promise<DigestToSend[]> {
    const rows = await queryRows<{ id: string; address: string; alert_count: number; attempts: number }>(
      this.dataSource.manager,
      `SELECT id, address, alert_count, attempts FROM digest_deliveries
       WHERE state = 'pending' AND attempts < $2 ORDER BY id LIMIT $1`,
      [limit, maxAttempts],
    );
    return rows.map((r) => ({
      id: r.id,
      address: r.address,
      alertCount: r.alert_count,
      attempts: r.attempts,
    }));
  }

  /** Takes one pending digest email for sending; false when another notifier has it or it is done. */
  async take(id: string): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(
      this.dataSource.manager,
      `UPDATE digest_deliveries SET attempts = attempts + 1
       WHERE id = (SELECT id FROM digest_deliveries WHERE id = $1 AND state = 'pending' FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  /** Records how a digest email went, with its audit row. */
  async recordSend(input: {
    id: string;
    sent: boolean;
    final: boolean;
    providerResponse: string | null;
    at: Date;
  }): Promise<void> {
    const state = input.sent ? 'sent' : input.final ? 'failed' : 'pending';
    await this.dataSource.transaction(async (m) => {
      await m.query(
        `UPDATE digest_deliveries SET state = $2, sent_at = CASE WHEN $2 = 'sent' THEN $3::timestamptz END,
                provider_response = CASE WHEN $2 = 'sent' THEN $4 ELSE provider_response END,
                last_error = CASE WHEN $2 = 'sent' THEN NULL ELSE $4 END
         WHERE id = $1`,
        [input.id, state, at(input.at), input.providerResponse?.slice(0, 500) ?? null],
      );
      await m.query(
        `INSERT INTO audit_log (occurred_at, actor_type, actor_id, actor_label, action, entity_type, entity_id,
                                data_category, outcome, detail)
         SELECT $2, 'system', 'notifier', 'notifier', 'notification.digest', 'digest-delivery', d.id::text,
                'notifications', CASE WHEN $3 THEN 'success' ELSE 'failure' END,
                jsonb_build_object('digestId', d.digest_id::text, 'userId', d.user_id::text, 'alertCount', d.alert_count,
                                   'attempt', d.attempts, 'providerResponse', $4::text)
         FROM digest_deliveries d WHERE d.id = $1`,
        [input.id, at(input.at), input.sent, input.providerResponse?.slice(0, 500) ?? null],
      );
    });
  }
}
