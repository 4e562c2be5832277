import { expectationsFor } from './monitoring-schedule';
import { cbc, course, find, msPatient, ruleOn } from './monitoring.fixture';

const winterCourse = course(1, '2024-01-08', 5); // ends 2024-01-12

/** MISSED-CBC of a patient in `zone` at an instant. */
function cbcAt(zone: string, received: ReturnType<typeof cbc>, instant: Date) {
  return find(
    expectationsFor(msPatient({ timeZone: zone, courses: [winterCourse] }), received, instant),
    'MISSED-CBC',
  );
}

describe('time zones: due days are calendar days of the site', () => {
  it('a sample at 23:30 local on day X counts for day X, not for X+1 in UTC', () => {
    const ny = cbc('2024-04-05', { time: '23:30', zone: 'America/New_York' });
    expect(ny[0]!.observedAt.toISOString()).toBe('2024-04-06T03:30:00.000Z');
    const p = msPatient({ timeZone: 'America/New_York', courses: [winterCourse] });
    expect(ruleOn('MISSED-CBC', p, ny, '2024-04-20').lastReceivedDay).toBe('2024-04-05');
    expect(ruleOn('MISSED-CBC', p, ny, '2024-04-20').dueDay).toBe('2024-05-05');
    // 00:30 in Prague is still the previous day in UTC, but the next day on the site's calendar.
    const prague = cbc('2024-04-06', { time: '00:30' });
    expect(prague[0]!.observedAt.toISOString()).toBe('2024-04-05T22:30:00.000Z');
    expect(ruleOn('MISSED-CBC', msPatient({ courses: [winterCourse] }), prague, '2024-04-20').dueDay).toBe(
      '2024-05-06',
    );
  });

  it('the same instants give different days in different site zones', () => {
    const lateEvening = cbc('2024-04-05').map((r) => ({
      ...r,
      observedAt: new Date('2024-04-05T22:30:00Z'),
    }));
    const later = new Date('2024-04-20T12:00:00Z');
    expect(cbcAt('Europe/Prague', lateEvening, later).lastReceivedDay).toBe('2024-04-06');
    expect(cbcAt('America/New_York', lateEvening, later).lastReceivedDay).toBe('2024-04-05');
  });

  it('a state changes at local midnight of its day, to the millisecond', () => {
    const received = cbc('2024-04-05');
    const prague = 'Europe/Prague';
    const s = cbcAt(prague, received, new Date('2024-05-12T10:00:00Z'));
    expect(s.nextChange?.at).toEqual(new Date('2024-05-12T22:00:00Z')); // 2024-05-13 00:00 CEST
    expect(cbcAt(prague, received, new Date('2024-05-12T21:59:59.999Z')).status).toBe('due');
    expect(cbcAt(prague, received, new Date('2024-05-12T22:00:00Z')).status).toBe('overdue-warning');
  });

  it('across the spring DST change in Prague (2024-03-31), each transition is at that day’s local midnight', () => {
    const received = cbc('2024-02-22'); // warning 2024-03-31 (CET midnight), critical 2024-04-07 (CEST midnight)
    const a = cbcAt('Europe/Prague', received, new Date('2024-03-30T12:00:00Z'));
    expect(a.nextChange).toEqual({
      at: new Date('2024-03-30T23:00:00Z'),
      status: 'overdue-warning',
      severity: 'warning',
    });
    const b = cbcAt('Europe/Prague', received, new Date('2024-03-31T12:00:00Z'));
    expect(b.nextChange?.at).toEqual(new Date('2024-04-06T22:00:00Z'));
  });

  it('across the autumn DST change in Prague (2024-10-27)', () => {
    const received = cbc('2024-09-19'); // warning 2024-10-27 (CEST midnight), critical 2024-11-03 (CET)
    expect(cbcAt('Europe/Prague', received, new Date('2024-10-26T12:00:00Z')).nextChange?.at).toEqual(
      new Date('2024-10-26T22:00:00Z'),
    );
    expect(cbcAt('Europe/Prague', received, new Date('2024-10-27T12:00:00Z')).nextChange?.at).toEqual(
      new Date('2024-11-02T23:00:00Z'),
    );
  });

  it('across the spring DST change in New York (2024-03-10)', () => {
    const received = cbc('2024-02-01', { zone: 'America/New_York' }); // warning 03-10, critical 03-17
    const zone = 'America/New_York';
    expect(cbcAt(zone, received, new Date('2024-03-09T17:00:00Z')).nextChange?.at).toEqual(
      new Date('2024-03-10T05:00:00Z'),
    );
    expect(cbcAt(zone, received, new Date('2024-03-10T17:00:00Z')).nextChange?.at).toEqual(
      new Date('2024-03-17T04:00:00Z'),
    );
  });

  it('where a DST change skips midnight (Santiago, 2024-09-08 starts at 01:00), the day starts at 01:00', () => {
    const zone = 'America/Santiago';
    const received = cbc('2024-08-01', { zone }); // warning 2024-09-08
    const s = cbcAt(zone, received, new Date('2024-09-07T16:00:00Z'));
    expect(s.nextChange?.at).toEqual(new Date('2024-09-08T04:00:00Z'));
    expect(cbcAt(zone, received, new Date('2024-09-08T03:59:59.999Z')).status).toBe('due');
    expect(cbcAt(zone, received, new Date('2024-09-08T04:00:00Z')).status).toBe('overdue-warning');
  });
});
