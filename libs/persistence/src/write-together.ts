import { type EntityManager } from 'typeorm';

/** A data-modifying statement whose rows nobody reads, with its parameters ($1 … numbered on its own). */
export interface Write {
  sql: string;
  parameters: unknown[];
}

/**
 * Runs writes as one statement, `WITH w0 AS (…), w1 AS (…) SELECT 1`: one round trip instead of one each. Each
 * round trip costs the processor's thread about as much as grading a result (the socket write and the protocol),
 * so the batch transaction sends its writes together. Postgres runs every part to completion, on one snapshot:
 * parts must not read what another part writes (these write disjoint rows), and foreign keys between the parts
 * are checked at the end of the statement, when all are written. `null` parts (nothing to write) are left out.
 */
export async function writeTogether(
  manager: Pick<EntityManager, 'query'>,
  writes: ReadonlyArray<Write | null>,
): Promise<void> {
  const parts = writes.filter((w): w is Write => w !== null);
  if (parts.length === 0) return;
  if (parts.length === 1) {
    await manager.query(parts[0]!.sql, parts[0]!.parameters);
    return;
  }
  const parameters: unknown[] = [];
  const ctes = parts.map((part, i) => {
    const offset = parameters.length;
    parameters.push(...part.parameters);
    // `$n` placeholders only: the parts carry no literal that could contain one.
    return `w${i} AS (${part.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`;
  });
  await manager.query(`WITH ${ctes.join(',\n')}\nSELECT 1`, parameters);
}
