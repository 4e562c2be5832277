import { bigserial, int, jsonb, table, text, timestamptz, uuid } from './table';

/** One version of a site's overrides of a rule set; the latest version per site and indication applies. */
export const ruleOverridesTable = table('rule_overrides', {
  id: bigserial(),
  site_id: text(),
  indication: text<'MS' | 'CLL'>(),
  version: int(),
  overrides: jsonb<unknown[]>(),
  reason: text(),
  created_by: uuid().orNull(),
  created_at: timestamptz().withDefault('now()'),
});
