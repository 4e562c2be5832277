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
 * The rows of an `UPDATE ... RETURNING` or `DELETE ... RETURNING`: TypeORM's postgres driver answers those
 * with `[rows, rowCount]` instead of the rows an INSERT or SELECT gives.
 */
export async function rowsOf<T>(
  m: { query(sql: string, params?: unknown[]): Promise<unknown> },
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const result = await m.query(sql, params);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
