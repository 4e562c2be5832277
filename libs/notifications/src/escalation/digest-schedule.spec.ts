import { latestDigest } from './digest-schedule';

describe('the daily digest instant', () => {
  it('is the last local digest time at or before now, with the previous one as the period start', () => {
    expect(latestDigest(new Date('2026-03-10T07:30:00Z'), 'Europe/Prague', '08:00')).toEqual({
      scheduledFor: new Date('2026-03-10T07:00:00Z'),
      periodStart: new Date('2026-03-09T07:00:00Z'),
    });
    expect(latestDigest(new Date('2026-03-10T06:59:00Z'), 'Europe/Prague', '08:00').scheduledFor).toEqual(
      new Date('2026-03-09T07:00:00Z'),
    );
  });

  it('keeps the wall-clock time across a DST change (the period is 23 hours that day)', () => {
    const { scheduledFor, periodStart } = latestDigest(
      new Date('2026-03-29T07:00:00Z'),
      'Europe/Prague',
      '08:00',
    );
    expect(scheduledFor).toEqual(new Date('2026-03-29T06:00:00Z'));
    expect(periodStart).toEqual(new Date('2026-03-28T07:00:00Z'));
  });
});
