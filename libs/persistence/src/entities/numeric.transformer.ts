import { type ValueTransformer } from 'typeorm';

/** Postgres `numeric` comes back as a string (exact decimals); the domain works with numbers. */
export const numericTransformer: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
