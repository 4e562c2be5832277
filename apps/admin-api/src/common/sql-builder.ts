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
