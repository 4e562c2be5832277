import { DateTime, FixedOffsetZone, type Zone } from 'luxon';

export type TimestampRead =
  { ok: true; iso: string; dateOnly: boolean; shiftedByDst: boolean } | { ok: false; reason: string };

// YYYYMMDD[HH[MM[SS[.S[S[S[S]]]]]]][+/-ZZZZ]; the year-only and year-month forms HL7 allows are too coarse
// for a specimen time and are refused.
const TS =
  /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,4}))?)?)?)?(?:([+-])(\d{2})(\d{2}))?$/;

/**
 * Reads an HL7 v2 TS/DTM value (`YYYYMMDDHHMM[SS[.S]][+/-ZZZZ]`, date-only allowed) into ISO 8601 with an
 * offset (`Z` for UTC). With an offset, the instant is exact and keeps the lab's offset. Without one, the
 * local time is read in `defaultZone` (an IANA zone such as `Europe/Prague`, or `UTC`): a local time that
 * does not exist (skipped by a daylight-saving change) moves forward and is reported as `shiftedByDst`; one
 * that occurs twice (the hour repeated when clocks go back) is read as the second occurrence, in standard
 * time (Luxon's choice; off by at most one hour). A date without a time is midnight in that zone.
 * Fractions of a second beyond milliseconds are truncated.
 */
export function parseHl7Timestamp(value: string, defaultZone: string | Zone = 'UTC'): TimestampRead {
  const m = TS.exec(value.trim());
  if (!m) return { ok: false, reason: 'not an HL7 timestamp (YYYYMMDD[HHMM[SS[.S]]][+/-ZZZZ])' };
  const [, y, mo, d, h, mi, s, frac, sign, oh, om] = m;
  let zone: Zone | string = defaultZone;
  if (sign) {
    const hours = Number(oh);
    const minutes = Number(om);
    if (hours > 14 || minutes > 59) return { ok: false, reason: 'timestamp offset is out of range' };
    zone = FixedOffsetZone.instance((sign === '-' ? -1 : 1) * (hours * 60 + minutes));
  }
  const parts = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: h === undefined ? 0 : Number(h),
    minute: mi === undefined ? 0 : Number(mi),
    second: s === undefined ? 0 : Number(s),
    millisecond: frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3)),
  };
  if (parts.hour > 23 || parts.minute > 59 || parts.second > 59) {
    return { ok: false, reason: 'timestamp time of day is out of range' };
  }
  const dt = DateTime.fromObject(parts, { zone });
  if (!dt.isValid) {
    return {
      ok: false,
      reason:
        dt.invalidReason === 'unsupported zone' ? 'unknown time zone' : 'timestamp is not a calendar date',
    };
  }
  return {
    ok: true,
    iso: dt.toISO({ suppressMilliseconds: true })!,
    dateOnly: h === undefined,
    shiftedByDst: dt.hour !== parts.hour || dt.minute !== parts.minute,
  };
}

/** Formats an instant as an HL7 DTM in UTC with an explicit offset: `YYYYMMDDHHMMSS+0000`. */
export function formatHl7Timestamp(instant: Date): string {
  return DateTime.fromJSDate(instant, { zone: 'UTC' }).toFormat("yyyyMMddHHmmss'+0000'");
}
