import { DateTime, IANAZone } from 'luxon';

/** A calendar day, `YYYY-MM-DD`. Infusions, due dates and windows are days in the site's time zone. */
export type CalendarDay = string;

/*
 * The rule engine and the monitoring schedule ask these questions for every result of every patient, so they
 * are answered without luxon where plain arithmetic is exact: whole days between calendar days are UTC
 * arithmetic (a calendar day has no zone), and the day an instant falls on in a zone comes from a cached
 * Intl.DateTimeFormat. luxon is kept for the one question that needs zone rules, when a day starts
 * (startOfDay), whose answers are remembered. `calendar.spec.ts` checks the fast paths against luxon across
 * zones and DST changes.
 */

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/**
 * Bounded memo tables: the engine asks about the same few days (infusions, window edges, result days) again and
 * again for every result; the answers are facts, so remembering them is exact. Cleared when full.
 */
const KEPT = 20_000;
const midnights = new Map<CalendarDay, number>();
const daysOfMidnight = new Map<number, CalendarDay>();

function remember<K, V>(table: Map<K, V>, key: K, value: V): V {
  if (table.size >= KEPT) table.clear();
  table.set(key, value);
  return value;
}

/** Milliseconds of the day's UTC midnight; throws on anything that is not a real calendar day. */
function utcMidnight(value: CalendarDay): number {
  const known = midnights.get(value);
  if (known !== undefined) return known;
  const match = DAY.exec(value);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value)
    throw new Error(`not a calendar day: ${value}`);
  return remember(midnights, value, ms);
}

function fromUtcMidnight(ms: number): CalendarDay {
  return daysOfMidnight.get(ms) ?? remember(daysOfMidnight, ms, new Date(ms).toISOString().slice(0, 10));
}

const zoneValidity = new Map<string, boolean>();

/** Whether `timeZone` is an IANA zone name this runtime knows (answers are remembered). */
export function isValidTimeZone(timeZone: string): boolean {
  let valid = zoneValidity.get(timeZone);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(timeZone);
    zoneValidity.set(timeZone, valid);
  }
  return valid;
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

function dayFormat(timeZone: string): Intl.DateTimeFormat {
  let format = dayFormats.get(timeZone);
  if (!format) {
    if (!isValidTimeZone(timeZone)) throw new Error(`invalid time zone ${timeZone}`);
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      calendar: 'iso8601',
      numberingSystem: 'latn',
    });
    dayFormats.set(timeZone, format);
  }
  return format;
}

/**
 * Per zone, the day of each UTC hour that lies wholly inside one local day, or null for an hour that a local
 * midnight cuts (zones with half-hour offsets, or an hour of a DST change): those instants are formatted one by
 * one. An hour's answer is checked at both its ends, so the table is exact whatever the zone's rules.
 */
const hourDays = new Map<string, Map<number, CalendarDay | null>>();
const MS_PER_HOUR = 3_600_000;

/** The calendar day an instant falls on in a time zone (IANA name, e.g. `Europe/Prague`). */
export function localDay(instant: Date, timeZone: string): CalendarDay {
  let hours = hourDays.get(timeZone);
  if (!hours) {
    dayFormat(timeZone);
    hours = new Map();
    hourDays.set(timeZone, hours);
  }
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError('invalid date');
  const hour = Math.floor(ms / MS_PER_HOUR);
  let day = hours.get(hour);
  if (day === undefined) {
    const first = formatDay(new Date(hour * MS_PER_HOUR), timeZone);
    const last = formatDay(new Date((hour + 1) * MS_PER_HOUR - 1), timeZone);
    day = remember(hours, hour, first === last ? first : null);
  }
  return day ?? formatDay(instant, timeZone);
}

function formatDay(instant: Date, timeZone: string): CalendarDay {
  let year = '';
  let month = '';
  let day = '';
  for (const part of dayFormat(timeZone).formatToParts(instant)) {
    if (part.type === 'year') year = part.value;
    else if (part.type === 'month') month = part.value;
    else if (part.type === 'day') day = part.value;
  }
  return `${year.padStart(4, '0')}-${month}-${day}`;
}

const dayStarts = new Map<string, number>();
const DAY_STARTS_KEPT = 50_000;

/** The instant a calendar day starts in a time zone (remembered; a fresh Date each time). */
export function startOfDay(value: CalendarDay, timeZone: string): Date {
  const key = `${timeZone} ${value}`;
  let start = dayStarts.get(key);
  if (start === undefined) {
    utcMidnight(value);
    if (!isValidTimeZone(timeZone)) throw new Error(`invalid day ${value} in ${timeZone}`);
    const dt = DateTime.fromISO(value, { zone: timeZone }).startOf('day');
    if (!dt.isValid) throw new Error(`invalid day ${value} in ${timeZone}`);
    start = dt.toMillis();
    if (dayStarts.size >= DAY_STARTS_KEPT) dayStarts.clear();
    dayStarts.set(key, start);
  }
  return new Date(start);
}

export function addDays(value: CalendarDay, days: number): CalendarDay {
  return fromUtcMidnight(utcMidnight(value) + days * MS_PER_DAY);
}

/** Calendar months; the day is clamped to the month's end (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(value: CalendarDay, months: number): CalendarDay {
  const date = new Date(utcMidnight(value));
  const target = date.getUTCMonth() + months;
  const year = date.getUTCFullYear() + Math.floor(target / 12);
  const month = ((target % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return fromUtcMidnight(Date.UTC(year, month, Math.min(date.getUTCDate(), lastDay)));
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: CalendarDay, to: CalendarDay): number {
  return Math.round((utcMidnight(to) - utcMidnight(from)) / MS_PER_DAY);
}

export function maxDay(days: readonly CalendarDay[]): CalendarDay | null {
  return days.length === 0 ? null : days.reduce((a, b) => (a > b ? a : b));
}

export function minDay(days: readonly CalendarDay[]): CalendarDay | null {
  return days.length === 0 ? null : days.reduce((a, b) => (a < b ? a : b));
}
