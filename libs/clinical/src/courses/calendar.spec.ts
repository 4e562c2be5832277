import { DateTime } from 'luxon';
import { addDays, addMonths, daysBetween, isValidTimeZone, localDay, startOfDay } from './calendar';

/** The calendar's fast paths against luxon, the reference, across zones with DST, odd offsets and a date-line jump. */
describe('calendar arithmetic agrees with luxon', () => {
  const zones = [
    'Europe/Prague',
    'America/New_York',
    'America/Santiago',
    'Asia/Kolkata',
    'Pacific/Apia',
    'Australia/Lord_Howe',
    'UTC',
  ];

  it('localDay and startOfDay give luxon’s answers every 58.3 hours for a year in every zone', () => {
    for (let i = 0; i < 150; i++) {
      const instant = new Date(Date.UTC(2024, 0, 1) + i * 58.3 * 3_600_000);
      for (const zone of zones) {
        const reference = DateTime.fromJSDate(instant, { zone });
        expect(localDay(instant, zone)).toBe(reference.toISODate());
        expect(startOfDay(reference.toISODate()!, zone).getTime()).toBe(reference.startOf('day').toMillis());
      }
    }
  });

  it('localDay is exact minute by minute around local midnights and DST changes, half-hour zones included', () => {
    const around = [
      Date.UTC(2024, 3, 6, 12), // Lord Howe leaves DST (a half-hour change) on 7 April 2024
      Date.UTC(2024, 2, 9, 18), // Santiago and New York change in March 2024
      Date.UTC(2024, 2, 30, 12), // Prague, 31 March 2024
      Date.UTC(2024, 5, 1, 12), // Kolkata (+05:30) midnights fall at 18:30 UTC
    ];
    for (const start of around) {
      for (let minute = 0; minute < 36 * 60; minute += 7) {
        const instant = new Date(start + minute * 60_000);
        for (const zone of [...zones, 'Asia/Kathmandu']) {
          expect(localDay(instant, zone)).toBe(DateTime.fromJSDate(instant, { zone }).toISODate());
        }
      }
    }
    expect(() => localDay(new Date(Number.NaN), 'UTC')).toThrow(RangeError);
  });

  it('addDays, addMonths and daysBetween give luxon’s answers, month ends and leap days included', () => {
    let day = '2023-12-25';
    for (let i = 0; i < 500; i++) {
      const n = ((i * 37) % 200) - 100;
      const reference = DateTime.fromISO(day, { zone: 'UTC' });
      expect(addDays(day, n)).toBe(reference.plus({ days: n }).toISODate());
      expect(addMonths(day, (i % 50) - 25)).toBe(reference.plus({ months: (i % 50) - 25 }).toISODate());
      expect(daysBetween(day, addDays(day, n))).toBe(n);
      day = addDays(day, 1);
    }
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2024-03-31', -1)).toBe('2024-02-29');
    expect(addMonths('2024-02-29', 48)).toBe('2028-02-29');
  });

  it('refuses what is not a calendar day or a zone, and hands out instants callers cannot corrupt', () => {
    expect(() => addDays('2024-02-30', 1)).toThrow('not a calendar day: 2024-02-30');
    expect(() => daysBetween('2024-1-1', '2024-01-02')).toThrow('not a calendar day');
    expect(() => localDay(new Date(), 'Not/AZone')).toThrow('invalid time zone Not/AZone');
    expect(isValidTimeZone('Europe/Prague')).toBe(true);
    expect(isValidTimeZone('Not/AZone')).toBe(false);
    startOfDay('2024-01-01', 'UTC').setTime(0);
    expect(startOfDay('2024-01-01', 'UTC').toISOString()).toBe('2024-01-01T00:00:00.000Z');
  });
});
