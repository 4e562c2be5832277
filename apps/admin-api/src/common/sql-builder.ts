import { type EntityManager } from 'typeorm';

/**
 * Builds parameterised SQL for filtered lists: every value becomes a `$n` parameter, so nothing a client
 * sends is ever spliced into the statement text.
 */
export class SqlBuilder {
  readonly params: unknown[] = [];
  private readonly conditions: string[] = [];

  /** Adds a value and returns its placeholder. */
  p(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /** Adds a condition written with placeholders from `p()`. */
  where(condition: string): this {
    this.conditions.push(condition);
    return this;
  }

  /** Adds `column = $n` when the value is given. */
  whereEquals(column: string, value: unknown): this {
    if (value !== undefined && value !== null) this.where(`${column} = ${this.p(value)}`);
    return this;
  }

  whereSql(): string {
    return this.conditions.length > 0 ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }
}

/**
 * A filtered list's total and one page of it: `count` selects `total` with the filters' parameters, then
 * `page()` writes the page's statement (adding its limit and offset to the builder) and runs it. For the
 * repositories' lists.
 */
export async function countAndRows<T>(
  m: Pick<EntityManager, 'query'>,
  sql: SqlBuilder,
  count: string,
  page: () => string,
): Promise<{ total: number; rows: T[] }> {
  const [{ total }]: Array<{ total: number }> = await m.query(count, sql.params);
  return { total, rows: await m.query(page(), sql.params) };
}
