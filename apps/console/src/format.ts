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

const SUPERSCRIPT: Record<string, string> = {
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
  '-': '⁻',
};

/** A UCUM unit as a clinician writes it: `10*9/L` → `×10⁹/L`, `u[IU]/L` → `IU/L`. */
export function formatUnit(unit: string | null | undefined): string {
  if (!unit) return '';
  return unit
    .replace(/^10\*(-?\d+)/, (_, e: string) => `×10${[...e].map((c) => SUPERSCRIPT[c] ?? c).join('')}`)
    .replace(/10\*(-?\d+)/g, (_, e: string) => `10${[...e].map((c) => SUPERSCRIPT[c] ?? c).join('')}`)
    .replace(/u\[IU\]/g, 'IU')
    .replace(/\[IU\]/g, 'IU');
}

export function formatValue(
  value: number | string | null | undefined,
  unit: string | null | undefined,
  comparator?: string | null,
): string {
  if (value === null || value === undefined) return '—';
  return `${comparator ?? ''}${value}${unit ? ` ${formatUnit(unit)}` : ''}`;
}
