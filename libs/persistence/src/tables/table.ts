/**
 * The one declaration of what each table holds: its columns' SQL types (as the catalogue names them), whether
 * they take NULL, their defaults, and the value node-postgres reads from each. The schema comes from the
 * migrations only; `tests/integration/schema.int-spec.ts` checks that they build exactly these tables. Row types
 * derive from them (`RowOf`, with `Pick` for the columns a query reads), in the domain's types where a column
 * holds one (`text<ResultStatus>()`).
 */
export interface Column<T> {
  /** `udt_name` in `information_schema.columns`: `int8`, `timestamptz`, `_text` (an array of text) ... */
  readonly type: string;
  readonly nullable: boolean;
  /** The default as Postgres prints it (`now()`, `'pending'::text`); `SERIAL` for a sequence's; null for none. */
  readonly default: string | null;
  /** Types only: the value a row read by node-postgres holds (never set). */
  readonly value?: T;
}

export interface ColumnDeclaration<T> extends Column<T> {
  /** The column takes NULL. */
  orNull(): ColumnDeclaration<T | null>;
  /** The column's default, as Postgres prints it. */
  withDefault(sql: string): ColumnDeclaration<T>;
}

/** The default of a `bigserial` column (`nextval('<table>_<column>_seq'::regclass)`). */
export const SERIAL = 'SERIAL';

function column<T>(type: string, nullable = false, defaultSql: string | null = null): ColumnDeclaration<T> {
  return {
    type,
    nullable,
    default: defaultSql,
    orNull: () => column<T | null>(type, true, defaultSql),
    withDefault: (sql) => column<T>(type, nullable, sql),
  };
}

export const uuid = () => column<string>('uuid');
export const text = <T extends string = string>() => column<T>('text');
export const textArray = () => column<string[]>('_text');
export const int = () => column<number>('int4');
/** node-postgres reads int8 as a string (it may exceed 2^53). */
export const bigint = () => column<string>('int8');
export const bigserial = () => column<string>('int8', false, SERIAL);
export const bigintArray = () => column<string[]>('_int8');
/** node-postgres reads numeric as a string (no precision is lost). */
export const numeric = () => column<string>('numeric');
export const boolean = () => column<boolean>('bool');
export const timestamptz = () => column<Date>('timestamptz');
/** node-postgres reads a date as a Date at local midnight: queries that need the day cast it to text. */
export const date = () => column<Date>('date');
export const dateArray = () => column<Date[]>('_date');
export const jsonb = <T = unknown>() => column<T>('jsonb');
export const bytea = () => column<Buffer>('bytea');
/** node-postgres has no parser for cidr[]: it reads the array's text (queries cast it to text[]). */
export const cidrArray = () => column<string>('_cidr');

export interface Table<C extends Record<string, Column<unknown>> = Record<string, Column<unknown>>> {
  readonly name: string;
  readonly columns: C;
}

export function table<C extends Record<string, Column<unknown>>>(name: string, columns: C): Table<C> {
  return { name, columns };
}

/** A whole row of a table, by column name, as node-postgres reads it. */
export type RowOf<T extends Table> = {
  -readonly [K in keyof T['columns']]: T['columns'][K] extends Column<infer V> ? V : never;
};
