import { z } from 'zod';

/** Largest page a client may ask for (CSV exports included); `X-Total-Count`/`total` tells if there is more. */
export const MAX_PAGE = 10_000;
export const DEFAULT_JSON_PAGE = 50;
export const DEFAULT_CSV_PAGE = MAX_PAGE;

/** limit/offset paging with the total, shared by every list. */
export const pageQueryShape = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE)
    .optional()
    .describe(`Page size (default ${DEFAULT_JSON_PAGE}, or ${DEFAULT_CSV_PAGE} for CSV)`),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0).describe('Rows to skip'),
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

export function pageLimit(page: PageRequest, format: ListFormat): number {
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
