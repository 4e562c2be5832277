import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface StoredSession {
  id: string;
  userId: string;
  csrfHash: Buffer;
  lastSeenAt: Date;
  expiresAt: Date;
  idleExpiresAt: Date;
}

/** Queries of `browser_sessions`; `BrowserSessionService` decides lifetimes and checks. */
@Injectable()
export class BrowserSessionRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(row: {
    userId: string;
    secretHash: Buffer;
    csrfHash: Buffer;
    now: Date;
    idleExpiresAt: Date;
    expiresAt: Date;
  }): Promise<string> {
    const [created]: Array<{ id: string }> = await this.dataSource.query(
      `INSERT INTO browser_sessions
         (user_id, secret_hash, csrf_hash, created_at, last_seen_at, idle_expires_at, expires_at)
       VALUES ($1, $2, $3, $4, $4, $5, $6) RETURNING id`,
      [row.userId, row.secretHash, row.csrfHash, row.now, row.idleExpiresAt, row.expiresAt],
    );
    return created!.id;
  }

  /** The live session whose secret hashes to `secretHash` at `now`, if any. */
  async findLive(secretHash: Buffer, now: Date): Promise<StoredSession | null> {
    const rows: Array<{
      id: string;
      user_id: string;
      csrf_hash: Buffer;
      last_seen_at: Date;
      expires_at: Date;
      idle_expires_at: Date;
    }> = await this.dataSource.query(
      `SELECT id, user_id, csrf_hash, last_seen_at, expires_at, idle_expires_at FROM browser_sessions
       WHERE secret_hash = $1 AND ended_at IS NULL AND idle_expires_at > $2 AND expires_at > $2`,
      [secretHash, now],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      userId: row.user_id,
      csrfHash: row.csrf_hash,
      lastSeenAt: row.last_seen_at,
      expiresAt: row.expires_at,
      idleExpiresAt: row.idle_expires_at,
    };
  }

  async touch(id: string, now: Date, idleExpiresAt: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE browser_sessions SET last_seen_at = $2, idle_expires_at = least($3, expires_at)
       WHERE id = $1 AND ended_at IS NULL`,
      [id, now, idleExpiresAt],
    );
  }

  /** Ends the session; false when it had already ended. */
  async end(id: string, now: Date, reason: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `UPDATE browser_sessions SET ended_at = $2, end_reason = $3 WHERE id = $1 AND ended_at IS NULL
       RETURNING id`,
      [id, now, reason],
    );
    return rows.length > 0;
  }
}
