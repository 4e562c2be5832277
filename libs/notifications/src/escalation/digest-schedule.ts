import { DateTime } from 'luxon';

/**
 * The latest daily digest instant at or before `now`: `localTime` (HH:MM) on a calendar day of the site's
 * zone, and the previous one (where its period starts). Days are counted in the zone, so a DST change moves the
 * UTC instant, never the wall-clock time; a local time that does not exist that day (spring forward) is taken
 * at the next valid instant, as luxon resolves it.
 */
export function latestDigest(
  now: Date,
  zone: string,
  localTime: string,
): { scheduledFor: Date; periodStart: Date } {
  const [hour, minute] = localTime.split(':').map(Number) as [number, number];
  const local = DateTime.fromJSDate(now, { zone });
  let scheduled = local.set({ hour, minute, second: 0, millisecond: 0 });
  if (scheduled.toMillis() > now.getTime()) scheduled = scheduled.minus({ days: 1 });
  const previous = scheduled.minus({ days: 1 });
  return { scheduledFor: scheduled.toJSDate(), periodStart: previous.toJSDate() };
}
