import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Results stored before issue 12 took the event's comparator, not the one the normaliser read from a text value:
 * an ST `<25` was kept as exactly 25. Their alerts were judged then and stay as they are (each says what it read),
 * but later rules read these rows as previous values and baselines: give them back the comparator their own text
 * states, exactly as the normaliser reads it (`<`, `<=`, `>`, `>=`, `≤`, `≥` before a plain number). Idempotent.
 */
export class StoredComparators1732300011000 implements MigrationInterface {
  name = 'StoredComparators1732300011000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE results r SET comparator = CASE m.sign WHEN '≤' THEN '<=' WHEN '≥' THEN '>=' ELSE m.sign END
        FROM (
          SELECT id, (regexp_match(btrim(value_original), '^(<=|>=|<|>|≤|≥)\\s*[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)$'))[1] AS sign
            FROM results
           WHERE comparator IS NULL AND value IS NOT NULL AND value_type NOT IN ('NM', 'SN')
        ) m
       WHERE r.id = m.id AND m.sign IS NOT NULL
    `);
  }

  async down(): Promise<void> {
    // The comparators a text states are facts about the result; nothing to undo.
  }
}
