import { Injectable } from '@nestjs/common';
import { queryRows } from '@alem/persistence';
import { type EntityManager } from 'typeorm';

export interface VerifiedContactRow {
  id: string;
  user_id: string;
  channel: 'email' | 'sms';
  address: string;
  verified_at: Date | null;
}

/** The verification waiting for a contact point's code. */
export interface PendingVerificationRow {
  id: string;
  state: string;
  address: string;
  expires_at: Date;
  confirm_attempts: number;
}

/**
 * The queries of confirming a contact point's code (asking for one goes through `ContactVerificationRepository`,
 * shared with the notifier, which sends it).
 */
@Injectable()
export class ContactConfirmationRepository {
  /** The contact point, locked for update, or null. */
  async lockContactPoint(m: EntityManager, id: string): Promise<VerifiedContactRow | null> {
    const [row] = await queryRows<VerifiedContactRow>(
      m,
      `SELECT id, user_id, channel, address, verified_at FROM contact_points WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return row ?? null;
  }

  /** The contact point's latest verification still waiting for its code, locked for update, or null. */
  async lockPending(m: EntityManager, contactPointId: string): Promise<PendingVerificationRow | null> {
    const [v] = await queryRows<PendingVerificationRow>(
      m,
      `SELECT id, state, address, expires_at, confirm_attempts FROM contact_verifications
         WHERE contact_point_id = $1 AND state IN ('requested', 'sent') ORDER BY requested_at DESC LIMIT 1 FOR UPDATE`,
      [contactPointId],
    );
    return v ?? null;
  }

  async expire(m: EntityManager, verificationId: string): Promise<void> {
    await m.query(`UPDATE contact_verifications SET state = 'expired' WHERE id = $1`, [verificationId]);
  }

  /** Counts a wrong code; a spent verification fails. */
  async countWrongCode(
    m: EntityManager,
    verificationId: string,
    attempts: number,
    spent: boolean,
  ): Promise<void> {
    await m.query(
      `UPDATE contact_verifications SET confirm_attempts = $2, state = CASE WHEN $3 THEN 'failed' ELSE state END
           WHERE id = $1`,
      [verificationId, attempts, spent],
    );
  }

  /** The verification is confirmed by `by`, and its contact point verified. */
  async confirm(
    m: EntityManager,
    verificationId: string,
    contactPointId: string,
    by: string,
    at: Date,
  ): Promise<void> {
    await m.query(
      `UPDATE contact_verifications SET state = 'confirmed', confirmed_at = $2, confirmed_by = $3,
                confirm_attempts = confirm_attempts + 1
         WHERE id = $1`,
      [verificationId, at.toISOString(), by],
    );
    await m.query(`UPDATE contact_points SET verified_at = $2 WHERE id = $1`, [
      contactPointId,
      at.toISOString(),
    ]);
  }
}
