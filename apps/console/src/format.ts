/** Dates and times as a clinician reads them, in the browser's time zone. */
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const date = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  // A bare date (YYYY-MM-DD) is a calendar day, not midnight UTC.
  const d = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T12:00:00`) : new Date(iso);
  return date.format(d);
}

/** "3 h 12 min", "2 d 4 h": how long ago, for ages against the acknowledgement limit. */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function formatValue(
  value: number | string | null | undefined,
  unit: string | null | undefined,
  comparator?: string | null,
): string {
  if (value === null || value === undefined) return '—';
  return `${comparator ?? ''}${value}${unit ? ` ${unit}` : ''}`;
}
