import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Sign-in sessions of the console (issue 13). The browser holds a random secret in an HttpOnly cookie; only its
 * SHA-256 is stored, with the SHA-256 of the session's CSRF token, so a copy of this table signs nobody in.
 * A session ends at `idle_expires_at` (moved forward while it is used), at `expires_at` (absolute), or when it
 * is signed out (`ended_at`).
 */
export class BrowserSessions1732300012000 implements MigrationInterface {
  name = 'BrowserSessions1732300012000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE browser_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        secret_hash bytea NOT NULL UNIQUE,
        csrf_hash bytea NOT NULL,
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        idle_expires_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        ended_at timestamptz,
        end_reason text
      );
      CREATE INDEX browser_sessions_user ON browser_sessions (user_id) WHERE ended_at IS NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE browser_sessions`);
  }
}
