import { z } from 'zod';
import { InvalidInputError } from './domain.errors';

/**
 * Largest pages a client may ask for: JSON for screens (the console asks for 500 at most), CSV for exports;
 * `X-Total-Count`/`total` tells if there is more. Bounded so that one request cannot make the database sort
 * and ship a whole table, and offsets so that deep pages (which Postgres reads and throws away) stay cheap;
 * beyond them, lists that may grow long page by keyset (the audit log's afterSeq, the alert list's afterId).
 */
export const MAX_PAGE = 500;
export const MAX_CSV_PAGE = 5_000;
export const MAX_OFFSET = 100_000;
export const DEFAULT_JSON_PAGE = 50;
export const DEFAULT_CSV_PAGE = MAX_CSV_PAGE;

/** limit/offset paging with the total, shared by every list. */
export const pageQueryShape = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_CSV_PAGE)
    .optional()
    .describe(
      `Page size (default ${DEFAULT_JSON_PAGE}, at most ${MAX_PAGE}; for CSV default and at most ${MAX_CSV_PAGE})`,
    ),
  offset: z.coerce.number().int().min(0).max(MAX_OFFSET).default(0).describe('Rows to skip'),
  format: z
    .enum(['json', 'csv'])
    .optional()
    .describe('csv: the same rows as a CSV file (or send Accept: text/csv)'),
};

/** A time range on the list's main timestamp (ISO 8601 with an offset; `from` inclusive, `to` exclusive). */
export const timeRangeShape = {
  from: z.iso.datetime({ offset: true }).optional().describe('From this instant (inclusive), ISO 8601'),
  to: z.iso.datetime({ offset: true }).optional().describe('Until this instant (exclusive), ISO 8601'),
};

export interface PageRequest {
  limit?: number;
  offset: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export type ListFormat = 'json' | 'csv';

/** The page size asked for or the format's default; a JSON page above MAX_PAGE is refused (400). */
export function pageLimit(page: PageRequest, format: ListFormat): number {
  if (format === 'json' && page.limit !== undefined && page.limit > MAX_PAGE) {
    const message = `Number must be less than or equal to ${MAX_PAGE} (${MAX_CSV_PAGE} for CSV)`;
    throw new InvalidInputError('The request is not valid', [{ path: 'query.limit', message }]);
  }
  return page.limit ?? (format === 'csv' ? DEFAULT_CSV_PAGE : DEFAULT_JSON_PAGE);
}

/** The zod schema of a page of `item`, for the OpenAPI document. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int().describe('Rows matching the filters'),
    limit: z.number().int(),
    offset: z.number().int(),
  });
}
