import { table, text, textArray, timestamptz, uuid } from './table';

/** An API key of a lab or interface engine. `id` is the public half of the key; the secret is only hashed. */
export const apiKeysTable = table('api_keys', {
  id: text(),
  sender: text(),
  description: text(),
  secret_hash: text(),
  roles: textArray().withDefault("'{integration}'::text[]"),
  created_by: uuid().orNull(),
  created_at: timestamptz().withDefault('now()'),
  last_used_at: timestamptz().orNull(),
  revoked_at: timestamptz().orNull(),
  revoked_by: uuid().orNull(),
});

/**
 * What a sender's local code means: `(sender, code_system, code)` → LOINC (or a catalogue analyte without
 * one), with the unit to assume when the lab sends none. Read by the result normaliser.
 */
export const codeMappingsTable = table('code_mappings', {
  id: uuid().withDefault('gen_random_uuid()'),
  /** `APPLICATION^FACILITY`, as the events and MSH-3/MSH-4 name the sender. */
  sender: text(),
  code_system: text(),
  code: text(),
  loinc: text().orNull(),
  analyte: text().orNull(),
  unit: text().orNull(),
  created_by: uuid().orNull(),
  created_at: timestamptz().withDefault('now()'),
  updated_at: timestamptz().orNull(),
});
