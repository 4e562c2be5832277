import { formatHl7Timestamp, parseHl7Timestamp } from './hl7-timestamp';

describe('parseHl7Timestamp', () => {
  it.each([
    ['20240312074500+0100', 'UTC', '2024-03-12T07:45:00+01:00'],
    ['202403120745-0500', 'UTC', '2024-03-12T07:45:00-05:00'],
    ['20240312074500+0000', 'Europe/Prague', '2024-03-12T07:45:00Z'],
    ['20240312074500', 'UTC', '2024-03-12T07:45:00Z'],
    ['20240312074500', 'Europe/Prague', '2024-03-12T07:45:00+01:00'],
    ['20240712074500', 'Europe/Prague', '2024-07-12T07:45:00+02:00'],
    ['20240712074500', 'America/New_York', '2024-07-12T07:45:00-04:00'],
    ['20240312074500.5', 'UTC', '2024-03-12T07:45:00.500Z'],
    ['20240312074500.1234+0530', 'UTC', '2024-03-12T07:45:00.123+05:30'],
    ['2024031207', 'UTC', '2024-03-12T07:00:00Z'],
    ['20240229', 'UTC', '2024-02-29T00:00:00Z'],
  ])('%s in %s → %s', (value, zone, iso) => {
    const read = parseHl7Timestamp(value, zone);
    expect(read).toEqual({ ok: true, iso, dateOnly: value.length === 8, shiftedByDst: false });
  });

  it('moves a local time inside a DST gap forward and says so', () => {
    expect(parseHl7Timestamp('202403310230', 'Europe/Prague')).toEqual({
      ok: true,
      iso: '2024-03-31T03:30:00+02:00',
      dateOnly: false,
      shiftedByDst: true,
    });
  });

  it('reads a repeated local hour (clocks going back) as its second occurrence, in standard time', () => {
    expect(parseHl7Timestamp('202410270230', 'Europe/Prague')).toEqual({
      ok: true,
      iso: '2024-10-27T02:30:00+01:00',
      dateOnly: false,
      shiftedByDst: false,
    });
  });

  it.each([
    ['2024', 'not an HL7 timestamp (YYYYMMDD[HHMM[SS[.S]]][+/-ZZZZ])'],
    ['202403', 'not an HL7 timestamp (YYYYMMDD[HHMM[SS[.S]]][+/-ZZZZ])'],
    ['2024031207450', 'not an HL7 timestamp (YYYYMMDD[HHMM[SS[.S]]][+/-ZZZZ])'],
    ['20240312074500+01', 'not an HL7 timestamp (YYYYMMDD[HHMM[SS[.S]]][+/-ZZZZ])'],
    ['2024-03-12T07:45:00Z', 'not an HL7 timestamp (YYYYMMDD[HHMM[SS[.S]]][+/-ZZZZ])'],
    ['202403120745.5', 'not an HL7 timestamp (YYYYMMDD[HHMM[SS[.S]]][+/-ZZZZ])'],
    ['20240230', 'timestamp is not a calendar date'],
    ['20241301', 'timestamp is not a calendar date'],
    ['20240312250000', 'timestamp time of day is out of range'],
    ['20240312076000', 'timestamp time of day is out of range'],
    ['20240312074500+1500', 'timestamp offset is out of range'],
    ['20240312074500+0160', 'timestamp offset is out of range'],
    ['', 'not an HL7 timestamp (YYYYMMDD[HHMM[SS[.S]]][+/-ZZZZ])'],
  ])('refuses %j: %s', (value, reason) => {
    expect(parseHl7Timestamp(value, 'UTC')).toEqual({ ok: false, reason });
  });

  it('refuses an unknown zone for times without an offset', () => {
    expect(parseHl7Timestamp('20240312074500', 'Nowhere/Atlantis')).toEqual({
      ok: false,
      reason: 'unknown time zone',
    });
  });
});

describe('formatHl7Timestamp', () => {
  it('writes UTC with an explicit +0000 offset', () => {
    expect(formatHl7Timestamp(new Date('2024-03-12T08:15:30.250Z'))).toBe('20240312081530+0000');
  });
});
