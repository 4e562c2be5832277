import { bytea, table, text, timestamptz, uuid } from './table';

/** A console sign-in: the hashes of the cookie's secret and of the CSRF token, and when the session ends. */
export const browserSessionsTable = table('browser_sessions', {
  id: uuid().withDefault('gen_random_uuid()'),
  user_id: uuid(),
  secret_hash: bytea(),
  csrf_hash: bytea(),
  created_at: timestamptz(),
  last_seen_at: timestamptz(),
  idle_expires_at: timestamptz(),
  expires_at: timestamptz(),
  ended_at: timestamptz().orNull(),
  end_reason: text().orNull(),
});
