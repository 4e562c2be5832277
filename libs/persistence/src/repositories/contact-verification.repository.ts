import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { queryRows } from '../query-rows';

/** A verification to send: where, and until when the code is good. */
export interface VerificationToSend {
  id: string;
  state: string;
  channel: 'email' | 'sms';
  address: string;
  /** The contact point's current address: a changed address makes the verification moot. */
  currentAddress: string | null;
  contactPointId: string;
  userId: string | null;
  expiresAt: Date;
}

const at = (d: Date) => d.toISOString();

/**
 * Contact verification: the admin API asks (`request`), the notifier sends the code (`findUnsent`,
 * `recordSend`), the person confirms through the admin API. A code is derived from the verification id with the
 * acknowledgement secret (libs/notifications `verificationCode`), so no code is ever stored.
 */
@Injectable()
export class ContactVerificationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * A new verification for a contact point (earlier ones still waiting are superseded), inside the caller's
   * transaction; the insert wakes the notifier's relay.
   */
  async request(
    m: EntityManager,
    input: { contactPointId: string; requestedBy: string | null; now: Date; ttlMs: number },
  ): Promise<{ id: string; channel: 'email' | 'sms'; expiresAt: Date } | null> {
    await m.query(
      `UPDATE contact_verifications SET state = 'superseded'
       WHERE contact_point_id = $1 AND state IN ('requested', 'sent')`,
      [input.contactPointId],
    );
    const [row] = await queryRows<{ id: string; channel: 'email' | 'sms'; expires_at: Date }>(
      m,
      `INSERT INTO contact_verifications (contact_point_id, channel, address, requested_at, requested_by, expires_at)
       SELECT id, channel, address, $2, $3, $4 FROM contact_points WHERE id = $1
       RETURNING id, channel, expires_at`,
      [
        input.contactPointId,
        at(input.now),
        input.requestedBy,
        at(new Date(input.now.getTime() + input.ttlMs)),
      ],
    );
    return row ? { id: row.id, channel: row.channel, expiresAt: row.expires_at } : null;
  }

  /** Verifications waiting for their message (and queued ones whose job may have been lost). */
  async findUnsent(now: Date, staleAfterMs: number, limit: number): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      this.dataSource.manager,
      `SELECT id FROM contact_verifications
       WHERE state = 'requested' AND expires_at > $1
         AND (queued_at IS NULL OR queued_at < $1::timestamptz - make_interval(secs => $2::double precision / 1000))
       ORDER BY requested_at LIMIT $3`,
      [at(now), staleAfterMs, limit],
    );
    return rows.map((r) => r.id);
  }

  async markQueued(ids: readonly string[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE contact_verifications SET queued_at = $2 WHERE id = ANY($1::uuid[]) AND state = 'requested'`,
      [ids, at(now)],
    );
  }

  async load(id: string): Promise<VerificationToSend | null> {
    const [r] = await queryRows<{
      id: string;
      state: string;
      channel: 'email' | 'sms';
      address: string;
      current_address: string | null;
      contact_point_id: string;
      user_id: string | null;
      expires_at: Date;
    }>(
      this.dataSource.manager,
      `SELECT v.id, v.state, v.channel, v.address, c.address AS current_address, v.contact_point_id, c.user_id,
              v.expires_at
       FROM contact_verifications v LEFT JOIN contact_points c ON c.id = v.contact_point_id WHERE v.id = $1`,
      [id],
    );
    if (!r) return null;
    return {
      id: r.id,
      state: r.state,
      channel: r.channel,
      address: r.address,
      currentAddress: r.current_address,
      contactPointId: r.contact_point_id,
      userId: r.user_id,
      expiresAt: r.expires_at,
    };
  }

  /**
   * Records a send attempt of the test message: `sent`, or still `requested` (to retry), or `failed` for good,
   * with an audit row in the same transaction.
   */
  async recordSend(input: {
    id: string;
    outcome: 'sent' | 'transient-failure' | 'permanent-failure' | 'skipped';
    final: boolean;
    providerResponse: string | null;
    at: Date;
  }): Promise<void> {
    const state =
      input.outcome === 'sent'
        ? 'sent'
        : input.outcome === 'skipped'
          ? 'superseded'
          : input.outcome === 'permanent-failure' || input.final
            ? 'failed'
            : 'requested';
    await this.dataSource.transaction(async (m) => {
      const rows = await queryRows<{ id: string }>(
        m,
        `UPDATE contact_verifications SET state = $2, send_attempts = send_attempts + 1, provider_response = $3,
                sent_at = CASE WHEN $2 = 'sent' THEN $4::timestamptz ELSE sent_at END
         WHERE id = $1 AND state = 'requested' RETURNING id`,
        [input.id, state, input.providerResponse?.slice(0, 500) ?? null, at(input.at)],
      );
      if (rows.length === 0) return;
      await m.query(
        `INSERT INTO audit_log (occurred_at, actor_type, actor_id, actor_label, action, entity_type, entity_id,
                                data_category, outcome, detail)
         SELECT $2, 'system', 'notifier', 'notifier', 'contact-point.verification-send', 'contact-point',
                v.contact_point_id::text, 'configuration',
                CASE WHEN $3 IN ('sent', 'skipped') THEN 'success' ELSE 'failure' END,
                jsonb_build_object('verificationId', v.id::text, 'channel', v.channel, 'result', $3::text,
                                   'providerResponse', $4::text, 'userId', c.user_id::text)
         FROM contact_verifications v LEFT JOIN contact_points c ON c.id = v.contact_point_id WHERE v.id = $1`,
        [input.id, at(input.at), input.outcome, input.providerResponse?.slice(0, 500) ?? null],
      );
    });
  }
}
