/**
 * Whether a failed batch should simply be retried (the database or broker is unavailable, a deadlock) or
 * holds a message the database refuses (SQLSTATE class 22 data exception, 23 integrity violation), which must
 * be isolated and dead-lettered so it does not block its partition.
 */
export function isDataError(error: unknown): boolean {
  const code = sqlState(error);
  return code !== null && (code.startsWith('22') || code.startsWith('23'));
}

function sqlState(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code =
    typeof e.code === 'string' ? e.code : typeof e.driverError?.code === 'string' ? e.driverError.code : null;
  return code && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}
