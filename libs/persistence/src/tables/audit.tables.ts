import { bigint, bigserial, jsonb, table, text, timestamptz, uuid } from './table';

export type AuditActorType = 'user' | 'api-key' | 'system' | 'anonymous';
export type AuditOutcome = 'success' | 'failure' | 'denied';

/**
 * One audit record (ASTM E2147): when, who, what was done to which record of which patient, the data
 * category, the outcome, where from, and the detail (before/after for changes). Rows are written only by
 * `AuditRepository.append` (raw SQL; the database assigns seq, prev_hash and hash) and never changed.
 */
export const auditLogTable = table('audit_log', {
  id: bigserial(),
  /** Position in the hash chain (1, 2, 3 ... without gaps). */
  seq: bigint(),
  occurred_at: timestamptz().withDefault('now()'),
  actor_type: text<AuditActorType>(),
  /** User id, API key id or component name. */
  actor_id: text().orNull(),
  /** The actor as people know it when it acted (email, key description, component). */
  actor_label: text().orNull(),
  action: text(),
  entity_type: text().orNull(),
  entity_id: text().orNull(),
  patient_id: uuid().orNull(),
  data_category: text(),
  outcome: text<AuditOutcome>(),
  source_ip: text().orNull(),
  user_agent: text().orNull(),
  detail: jsonb<Record<string, unknown>>().withDefault("'{}'::jsonb"),
  prev_hash: text(),
  hash: text(),
});
