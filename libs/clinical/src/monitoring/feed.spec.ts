import { addDays } from '../courses/calendar';
import { isHeldByQuietFeed, servingBoundaries, servingSenders } from './feed-hold';
import {
  configuredFeedRhythm,
  dailyLongestSilences,
  feedHoldEnds,
  type FeedObservation,
  feedStatus,
  learnFeedRhythm,
} from './feed-rhythm';
import { planMissedAlertChange } from './missed-alert';
import { expectationsFor, nextTransitionAt } from './monitoring-schedule';
import { resolveMonitoringSettings } from './monitoring-settings';
import { at, find, look, monthlyDraw, msPatient, result, ruleOn, thyroid } from './monitoring.fixture';

const HOUR = 3_600_000;
const NOW = new Date('2024-06-01T00:00:00Z'); // a Saturday

/** Arrivals at the given UTC hours (fractions allowed) on the days `keep` accepts, over the 28 days before NOW. */
function arrivals(hours: (day: Date) => number[], keep: (day: Date) => boolean = () => true): Date[] {
  const out: Date[] = [];
  for (let d = 28; d >= 1; d--) {
    const day = new Date(NOW.getTime() - d * 24 * HOUR);
    if (!keep(day)) continue;
    for (const h of hours(day)) out.push(new Date(day.getTime() + h * HOUR));
  }
  return out;
}
const range = (from: number, to: number, step: number) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

describe('feed rhythm: learned from the longest silence of each day', () => {
  it('a 24/7 lab: minutes between messages, so the floor of 1 hour applies', () => {
    const rhythm = learnFeedRhythm(
      arrivals(() => range(0, 23.95, 1 / 12)),
      NOW,
    );
    expect(rhythm.source).toBe('learned');
    expect(rhythm.quietAfterMs).toBe(HOUR);
    expect(rhythm.learnedFrom?.percentileSilenceMs).toBe(5 * 60_000);
  });

  it('a day-time hospital lab: its nightly silence (6 h 10 min) times 1.5', () => {
    const rhythm = learnFeedRhythm(
      arrivals(() => range(6, 23 + 5 / 6, 1 / 6)),
      NOW,
    );
    expect(rhythm.quietAfterMs).toBe(1.5 * (6 * HOUR + 10 * 60_000));
  });

  it('a weekday clinic lab: the weekend silence (63 h) is learned, not paged every Monday', () => {
    const weekdays = (day: Date) => day.getUTCDay() >= 1 && day.getUTCDay() <= 5;
    const times = arrivals(() => range(8, 17, 1), weekdays);
    const silences = dailyLongestSilences(times, NOW).sort((a, b) => a - b);
    expect(silences).toHaveLength(20);
    expect(silences.slice(-3)).toEqual([63 * HOUR, 63 * HOUR, 63 * HOUR]);
    expect(learnFeedRhythm(times, NOW).quietAfterMs).toBe(1.5 * 63 * HOUR);
  });

  it('one outage in the lookback does not teach the feed to be quiet', () => {
    const outage = (day: Date) => day < new Date('2024-05-20T00:00Z') || day >= new Date('2024-05-23T00:00Z');
    const times = arrivals(() => range(0, 23.95, 1 / 12), outage);
    expect(Math.max(...dailyLongestSilences(times, NOW))).toBeGreaterThan(72 * HOUR);
    expect(learnFeedRhythm(times, NOW).quietAfterMs).toBe(HOUR);
  });

  it('too little traffic: the default; very sparse traffic: the ceiling of 7 days', () => {
    const few = arrivals(
      () => [9],
      (day) => day.getUTCDate() % 7 === 0,
    );
    expect(learnFeedRhythm(few, NOW)).toEqual({
      quietAfterMs: 72 * HOUR,
      source: 'default',
      learnedFrom: null,
    });
    const settings = resolveMonitoringSettings({ feeds: { learnLookbackDays: 70 } }).feeds;
    const sparse = Array.from({ length: 14 }, (_, i) => new Date(NOW.getTime() - (i * 5 + 1) * 24 * HOUR));
    expect(learnFeedRhythm(sparse, NOW, settings).quietAfterMs).toBe(7 * 24 * HOUR);
  });
});

describe('feed status', () => {
  const feed: FeedObservation = {
    sender: 'lab-a',
    rhythm: configuredFeedRhythm(24),
    lastSeenAt: new Date('2024-05-12T08:00:00Z'),
  };

  it('is ok until the silence passes the rhythm, then quiet: a warning while it holds, critical after 7 days', () => {
    expect(feedStatus(feed, new Date('2024-05-12T20:00:00Z'))).toMatchObject({
      state: 'ok',
      holding: false,
      holdingCritical: false,
      severity: 'none',
      nextChangeAt: new Date('2024-05-13T08:00:00Z'),
    });
    expect(feedStatus(feed, new Date('2024-05-13T08:00:00Z'))).toMatchObject({
      state: 'quiet',
      holding: true,
      holdingCritical: true,
      severity: 'warning',
      quietAt: new Date('2024-05-13T08:00:00Z'),
      holdUntil: new Date('2024-05-20T08:00:00Z'),
      criticalHoldUntil: new Date('2024-05-14T08:00:00Z'),
      nextChangeAt: new Date('2024-05-14T08:00:00Z'),
    });
    // 24 h after it went quiet it stops holding critical alerts, and goes on holding warnings.
    expect(feedStatus(feed, new Date('2024-05-14T07:59:59.999Z'))).toMatchObject({ holdingCritical: true });
    expect(feedStatus(feed, new Date('2024-05-14T08:00:00Z'))).toMatchObject({
      state: 'quiet',
      holding: true,
      holdingCritical: false,
      severity: 'warning',
      nextChangeAt: new Date('2024-05-20T08:00:00Z'),
    });
    expect(feedStatus(feed, new Date('2024-05-20T08:00:00Z'))).toMatchObject({
      state: 'quiet',
      holding: false,
      holdingCritical: false,
      severity: 'critical',
      nextChangeAt: null,
    });
    expect(feedStatus({ ...feed, lastSeenAt: null }, NOW).state).toBe('unknown');
  });

  it.each([
    // [maxHoldDays, maxCriticalHoldHours] → hours after going quiet that warnings / critical alerts are held
    [7, 24, 168, 24],
    [7, 6, 168, 6],
    [7, 0, 168, 0],
    [0.5, 24, 12, 12], // a critical hold never outlasts the hold of warnings
    [0, 24, 0, 0],
  ])('holds warnings %s days and critical alerts %s h: %s h / %s h', (days, hours, warningH, criticalH) => {
    const quietAt = new Date('2024-05-13T08:00:00Z');
    const settings = resolveMonitoringSettings({
      feeds: { maxHoldDays: days, maxCriticalHoldHours: hours },
    }).feeds;
    expect(feedHoldEnds(quietAt, settings)).toEqual({
      warning: new Date(quietAt.getTime() + warningH * HOUR),
      critical: new Date(quietAt.getTime() + criticalH * HOUR),
    });
  });
});

describe('quiet feeds hold missed-result alerts (alerting-anchors §4 item 6)', () => {
  // CBC last drawn 2024-04-05 through lab-a: warning on 05-13, critical on 05-20 (Prague days).
  const received = monthlyDraw('2024-04-05');
  const quietFromMay13 = (lastSeenAt = new Date('2024-05-12T08:00:00Z')): FeedObservation => ({
    sender: 'lab-a',
    rhythm: configuredFeedRhythm(24),
    lastSeenAt,
  });

  it('holds the patient’s alert once the serving lab is quiet: recorded at its severity, not notified', () => {
    const p = msPatient({ feeds: [quietFromMay13()] });
    const before = ruleOn('MISSED-CBC', p, received, '2024-05-13');
    // 12:00 Prague is after the feed went quiet (10:00 Prague); at 09:00 it was not yet.
    expect([before.status, before.severity]).toEqual(['held', 'warning']);
    const early = find(expectationsFor(p, received, at('2024-05-13', '09:00')), 'MISSED-CBC');
    expect([early.status, early.severity]).toEqual(['overdue-warning', 'warning']);
    expect(early.nextChange).toEqual({
      at: new Date('2024-05-13T08:00:00Z'),
      status: 'held',
      severity: 'warning',
    });
    const held = ruleOn('MISSED-CBC', p, received, '2024-05-14');
    expect(held.heldBy).toEqual(['lab-a']);
    expect(held.explanation.hold).toEqual({ senders: ['lab-a'], until: '2024-05-20T08:00:00.000Z' });
    expect(held.explanation.underlying).toEqual({ status: 'overdue-warning', severity: 'warning' });
    expect(planMissedAlertChange(null, held)).toEqual({ type: 'open', severity: 'warning', notify: false });
    // Escalation continues underneath: critical from 05-20 00:00 Prague, when the feed has been quiet for more
    // than 24 h, so the critical alert is not held: it goes out at once although the lab is still quiet.
    expect(held.nextChange).toEqual({
      at: new Date('2024-05-19T22:00:00Z'),
      status: 'overdue-critical',
      severity: 'critical',
    });
  });

  it('a message from the lab releases the hold: still missing → notified then; arrived with the backlog → resolved', () => {
    const released = msPatient({ feeds: [quietFromMay13(new Date('2024-05-15T06:00:00Z'))] });
    const s = ruleOn('MISSED-CBC', released, received, '2024-05-15');
    expect([s.status, s.severity, s.heldBy]).toEqual(['overdue-warning', 'warning', []]);
    const heldAlert = { severity: 'warning' as const, state: 'open' as const, notifiedSeverity: null };
    expect(planMissedAlertChange(heldAlert, s)).toEqual({
      type: 'update',
      severity: 'warning',
      severityRaised: false,
      reopen: false,
      notify: true,
    });
    const backlog = [...received, ...monthlyDraw('2024-05-11')];
    const resolved = ruleOn('MISSED-CBC', released, backlog, '2024-05-15');
    expect(resolved.status).toBe('pending');
    expect(planMissedAlertChange(heldAlert, resolved)).toEqual({ type: 'resolve', reason: 'received' });
  });

  it('a quiet lab that does not serve the patient holds nothing; nor does a lab never heard from', () => {
    const other = msPatient({ feeds: [{ ...quietFromMay13(), sender: 'lab-b' }] });
    expect(look('MISSED-CBC', other, received, '2024-05-14')).toEqual(['overdue-warning', 'warning']);
    const silent = msPatient({ feeds: [{ ...quietFromMay13(), lastSeenAt: null }] });
    expect(look('MISSED-CBC', silent, received, '2024-05-14')).toEqual(['overdue-warning', 'warning']);
  });

  it('holds per test group: the lab that sends the thyroid tests holds only the thyroid alert', () => {
    const results = [...thyroid('2024-03-10', { sender: 'lab-b' }), ...monthlyDraw('2024-05-20')];
    const p = msPatient({
      feeds: [
        { sender: 'lab-a', rhythm: configuredFeedRhythm(24), lastSeenAt: new Date('2024-06-28T06:00:00Z') },
        { sender: 'lab-b', rhythm: configuredFeedRhythm(24), lastSeenAt: new Date('2024-06-24T08:00:00Z') },
      ],
    });
    expect(look('MISSED-CBC', p, results, '2024-06-28')).toEqual(['overdue-warning', 'warning']);
    expect(look('MISSED-THYROID', p, results, '2024-06-28')).toEqual(['held', 'warning']);
  });

  it('pre-course gates are never held (they protect an infusion)', () => {
    const p = msPatient({
      courses: [],
      plannedCourse: { startDay: '2024-05-20' },
      feeds: [quietFromMay13()],
    });
    expect(look('GATE-UPCR', p, [result('hiv-screen', '2024-05-01')], '2024-05-14')).toEqual([
      'open',
      'critical',
    ]);
  });

  it('serving senders: those of the group within 120 days, else any of the patient’s recent senders', () => {
    const days = [
      { sender: 'lab-a', analyte: 'platelets' as const, day: '2024-01-01' },
      { sender: 'lab-b', analyte: 'platelets' as const, day: '2024-05-01' },
      { sender: 'lab-c', analyte: 'tsh' as const, day: '2024-05-02' },
      { sender: 'lab-d', analyte: null, day: '2024-05-03' },
    ];
    expect(servingSenders(days, ['platelets'], '2024-05-10', 120)).toEqual(['lab-b']);
    expect(servingSenders(days, ['platelets'], '2024-04-29', 120)).toEqual(['lab-a']);
    // lab-a's last result (2024-01-01) is more than 120 days old: it no longer serves the patient.
    expect(servingSenders(days, ['creatinine'], '2024-05-10', 120)).toEqual(['lab-b', 'lab-c', 'lab-d']);
    expect(servingSenders(days, ['creatinine'], '2025-05-10', 120)).toEqual([]);
    expect(
      isHeldByQuietFeed([], [feedStatus(quietFromMay13(), new Date('2024-05-14T00:00Z'))], 'warning').held,
    ).toBe(false);
  });

  it('serving boundaries: the day after each sender’s last result of the group, and of anything, ages out', () => {
    const days = [
      { sender: 'lab-a', analyte: 'platelets' as const, day: '2024-01-01' },
      { sender: 'lab-a', analyte: 'tsh' as const, day: '2024-02-01' },
      { sender: 'lab-b', analyte: 'platelets' as const, day: '2024-05-01' },
      { sender: 'lab-b', analyte: 'platelets' as const, day: '2024-03-01' },
      { sender: 'lab-d', analyte: null, day: '2024-05-03' },
    ];
    // Each boundary is the first day the sender is outside the 120-day lookback (last day + 121).
    expect(servingBoundaries(days, ['platelets'], 120).sort()).toEqual([
      '2024-05-01', // lab-a, platelets (group)
      '2024-06-01', // lab-a, any result (tsh)
      '2024-08-30', // lab-b, group and any: one day
      '2024-09-01', // lab-d, any result
    ]);
    // lab-a stops serving the platelet group on its boundary (lab-b still does).
    expect(servingSenders(days, ['platelets'], addDays('2024-05-01', -1), 120)).toEqual(['lab-a', 'lab-b']);
    expect(servingSenders(days, ['platelets'], '2024-05-01', 120)).toEqual(['lab-b']);
  });
});

/**
 * README decision 15: a quiet feed holds a warning up to 7 days after it went quiet, a critical missed result
 * only 24 h ([P] `maxCriticalHoldHours`); the page then goes out even if the lab stays quiet. Exact instants:
 * the last held millisecond and the first released one.
 */
describe('critical missed results are held 24 h at most, warnings 7 days', () => {
  // The monthly draw of 2024-04-05 through lab-a: CBC warning from 2024-05-13, critical from 2024-05-20, liver
  // tests warning from 2024-07-15 (never critical); all 00:00 Prague (UTC+2).
  const received = monthlyDraw('2024-04-05');
  /** lab-a, silent for 24 h from `lastSeenAt`: quiet from `quietAt`. */
  const quietFrom = (quietAt: string): FeedObservation => ({
    sender: 'lab-a',
    rhythm: configuredFeedRhythm(24),
    lastSeenAt: new Date(new Date(quietAt).getTime() - 24 * HOUR),
  });
  const stateAt = (p: ReturnType<typeof msPatient>, rule: 'MISSED-CBC' | 'MISSED-LFT', iso: string) =>
    find(expectationsFor(p, received, new Date(iso)), rule);

  describe('a CBC already critical when the lab goes quiet (2024-07-14 08:00 UTC)', () => {
    const p = msPatient({ feeds: [quietFrom('2024-07-14T08:00:00Z')] });
    it.each([
      ['2024-07-14T07:59:59.999Z', 'overdue-critical'],
      ['2024-07-14T08:00:00.000Z', 'held'],
      ['2024-07-15T07:59:59.999Z', 'held'],
      ['2024-07-15T08:00:00.000Z', 'overdue-critical'], // quiet + 24 h exactly: the page goes out
      ['2024-07-21T08:00:00.000Z', 'overdue-critical'],
    ])('at %s: %s', (iso, status) => {
      const s = stateAt(p, 'MISSED-CBC', iso);
      expect([s.status, s.severity]).toEqual([status, 'critical']);
    });

    it('is held until quiet + 24 h and says so; the scheduler is woken at that instant', () => {
      const held = stateAt(p, 'MISSED-CBC', '2024-07-14T08:00:00Z');
      expect(held.explanation.hold).toEqual({ senders: ['lab-a'], until: '2024-07-15T08:00:00.000Z' });
      expect(held.explanation.summary).toMatch(
        /Held while lab-a is quiet, at most until 2024-07-15T08:00:00\.000Z\.$/,
      );
      expect(held.nextChange).toEqual({
        at: new Date('2024-07-15T08:00:00Z'),
        status: 'overdue-critical',
        severity: 'critical',
      });
      expect(nextTransitionAt(held)).toEqual(new Date('2024-07-15T08:00:00Z'));
      expect(planMissedAlertChange(null, held)).toEqual({
        type: 'open',
        severity: 'critical',
        notify: false,
      });
      const released = stateAt(p, 'MISSED-CBC', '2024-07-15T08:00:00Z');
      const recorded = { severity: 'critical' as const, state: 'open' as const, notifiedSeverity: null };
      expect(planMissedAlertChange(recorded, released)).toMatchObject({ type: 'update', notify: true });
    });
  });

  describe('a warning of the same lab is held the full 7 days (liver tests, warning from 2024-07-15)', () => {
    const p = msPatient({ feeds: [quietFrom('2024-07-14T08:00:00Z')] });
    it.each([
      ['2024-07-14T21:59:59.999Z', 'due', 'none'],
      ['2024-07-14T22:00:00.000Z', 'held', 'warning'],
      ['2024-07-15T08:00:00.000Z', 'held', 'warning'], // the critical hold's end releases nothing here
      ['2024-07-21T07:59:59.999Z', 'held', 'warning'],
      ['2024-07-21T08:00:00.000Z', 'overdue-warning', 'warning'], // quiet + 7 days exactly
    ])('at %s: %s / %s', (iso, status, severity) => {
      const s = stateAt(p, 'MISSED-LFT', iso);
      expect([s.status, s.severity]).toEqual([status, severity]);
    });

    it('its hold says 7 days, and the scheduler is woken then', () => {
      const held = stateAt(p, 'MISSED-LFT', '2024-07-15T08:00:00Z');
      expect(held.explanation.hold?.until).toBe('2024-07-21T08:00:00.000Z');
      expect(held.nextChange?.at).toEqual(new Date('2024-07-21T08:00:00Z'));
    });
  });

  describe('a warning that turns critical while held, 10 h after the lab went quiet (2024-05-19 12:00 UTC)', () => {
    const p = msPatient({ feeds: [quietFrom('2024-05-19T12:00:00Z')] });
    it.each([
      ['2024-05-19T11:59:59.999Z', 'overdue-warning', 'warning'],
      ['2024-05-19T12:00:00.000Z', 'held', 'warning'],
      ['2024-05-19T21:59:59.999Z', 'held', 'warning'],
      ['2024-05-19T22:00:00.000Z', 'held', 'critical'], // critical while held: the hold now ends at quiet + 24 h
      ['2024-05-20T11:59:59.999Z', 'held', 'critical'],
      ['2024-05-20T12:00:00.000Z', 'overdue-critical', 'critical'],
    ])('at %s: %s / %s', (iso, status, severity) => {
      const s = stateAt(p, 'MISSED-CBC', iso);
      expect([s.status, s.severity]).toEqual([status, severity]);
    });

    it('announces each step: critical while held, then released at quiet + 24 h', () => {
      expect(stateAt(p, 'MISSED-CBC', '2024-05-19T12:00:00Z').nextChange).toEqual({
        at: new Date('2024-05-19T22:00:00Z'),
        status: 'held',
        severity: 'critical',
      });
      const critical = stateAt(p, 'MISSED-CBC', '2024-05-19T22:00:00Z');
      expect(critical.explanation.hold?.until).toBe('2024-05-20T12:00:00.000Z');
      expect(critical.nextChange).toEqual({
        at: new Date('2024-05-20T12:00:00Z'),
        status: 'overdue-critical',
        severity: 'critical',
      });
    });
  });

  it('a warning that turns critical after the critical hold has ended goes out at once (quiet since 2024-05-13)', () => {
    const p = msPatient({ feeds: [quietFrom('2024-05-13T08:00:00Z')] });
    const warning = stateAt(p, 'MISSED-CBC', '2024-05-19T21:59:59.999Z');
    expect([warning.status, warning.severity, warning.explanation.hold?.until]).toEqual([
      'held',
      'warning',
      '2024-05-20T08:00:00.000Z',
    ]);
    expect(warning.nextChange).toEqual({
      at: new Date('2024-05-19T22:00:00Z'),
      status: 'overdue-critical',
      severity: 'critical',
    });
  });

  it.each([
    // [site override, last held instant, first released instant] for the CBC critical on 2024-07-14 08:00 UTC
    [{ maxCriticalHoldHours: 6 }, '2024-07-14T13:59:59.999Z', '2024-07-14T14:00:00.000Z'],
    [{ maxCriticalHoldHours: 48 }, '2024-07-16T07:59:59.999Z', '2024-07-16T08:00:00.000Z'],
    [{ maxHoldDays: 0.25 }, '2024-07-14T13:59:59.999Z', '2024-07-14T14:00:00.000Z'],
  ])('a site’s setting %j moves the release', (feeds, lastHeld, released) => {
    const p = msPatient({ feeds: [quietFrom('2024-07-14T08:00:00Z')] });
    const settings = resolveMonitoringSettings({ feeds });
    const on = (iso: string) => find(expectationsFor(p, received, new Date(iso), settings), 'MISSED-CBC');
    expect(on(lastHeld).status).toBe('held');
    expect(on(lastHeld).nextChange?.at).toEqual(new Date(released));
    expect(on(released).status).toBe('overdue-critical');
  });

  it('with no critical hold, a critical alert is never held while warnings still are', () => {
    const settings = resolveMonitoringSettings({ feeds: { maxCriticalHoldHours: 0 } });
    const p = msPatient({ feeds: [quietFrom('2024-07-14T08:00:00Z')] });
    const on = (rule: 'MISSED-CBC' | 'MISSED-LFT', iso: string) =>
      find(expectationsFor(p, received, new Date(iso), settings), rule);
    expect(on('MISSED-CBC', '2024-07-14T08:00:00Z').status).toBe('overdue-critical');
    expect(on('MISSED-LFT', '2024-07-15T12:00:00Z').status).toBe('held');
  });
});
