import { DEFAULT_MONITORING_SETTINGS, type FeedSettings } from './monitoring-settings';

/** Rule id of the interface alert raised when a sending lab goes quiet (one alert per sender). */
export const FEED_QUIET_RULE_ID = 'FEED-QUIET';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** How long a sender may be silent before it counts as quiet. */
export interface FeedRhythm {
  quietAfterMs: number;
  source: 'configured' | 'learned' | 'default';
  /** For a learned rhythm: days with traffic it was learned from and the percentile silence before the factor. */
  learnedFrom: { activeDays: number; percentileSilenceMs: number } | null;
}

/** What the scheduler knows about one sender: its rhythm and the last time a message arrived from it. */
export interface FeedObservation {
  sender: string;
  rhythm: FeedRhythm;
  /** Receive time of the last message (not the observation time of its results). Null: never heard from. */
  lastSeenAt: Date | null;
}

export type FeedState = 'ok' | 'quiet' | 'unknown';

export interface FeedStatus {
  sender: string;
  state: FeedState;
  lastSeenAt: Date | null;
  /** When the feed became (or will become) quiet. */
  quietAt: Date | null;
  /** Quiet feeds hold their patients' missed-result alerts until this instant (`maxHoldDays` after `quietAt`). */
  holdUntil: Date | null;
  /** True while the feed is quiet and its hold has not run out. */
  holding: boolean;
  /** Critical missed-result alerts are held only until this instant (`maxCriticalHoldHours` after `quietAt`). */
  criticalHoldUntil: Date | null;
  /** True while the feed is quiet and still holds critical alerts. */
  holdingCritical: boolean;
  /** Severity of the FEED-QUIET alert: warning while holding, critical once the hold has run out. */
  severity: 'none' | 'warning' | 'critical';
  /** The next instant this status changes without new input (a message arriving is new input). */
  nextChangeAt: Date | null;
}

/** A rhythm set by hand for a sender (e.g. a lab that reports only on weekdays). */
export function configuredFeedRhythm(quietAfterHours: number): FeedRhythm {
  if (!(quietAfterHours > 0)) throw new Error('quietAfterHours must be > 0');
  return { quietAfterMs: quietAfterHours * HOUR, source: 'configured', learnedFrom: null };
}

/**
 * The longest silence that ended on each UTC day with traffic, over the lookback before `now`. Using one value per
 * day (rather than every gap) keeps a busy lab's night, or a clinic lab's weekend, from being drowned by
 * thousands of second-long gaps, and keeps a single outage to one day's worth of weight.
 */
export function dailyLongestSilences(
  arrivals: readonly Date[],
  now: Date,
  settings: FeedSettings = DEFAULT_MONITORING_SETTINGS.feeds,
): number[] {
  const from = now.getTime() - settings.learnLookbackDays * DAY;
  const times = arrivals
    .map((a) => a.getTime())
    .filter((t) => t >= from && t <= now.getTime())
    .sort((a, b) => a - b);
  const longest = new Map<number, number>();
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!;
    const day = Math.floor(times[i]! / DAY);
    longest.set(day, Math.max(longest.get(day) ?? 0, gap));
  }
  return [...longest.values()];
}

/**
 * A rhythm learned from per-day longest silences (from `dailyLongestSilences`, or aggregated in SQL): the
 * `learnPercentile` (nearest rank) of them, times `learnFactor`, clamped to [floor, ceiling]. Fewer than
 * `learnMinActiveDays` values: the default threshold (there is not enough traffic to learn from).
 */
export function feedRhythmFromSilences(
  silencesMs: readonly number[],
  settings: FeedSettings = DEFAULT_MONITORING_SETTINGS.feeds,
): FeedRhythm {
  if (silencesMs.length < settings.learnMinActiveDays) {
    return { quietAfterMs: settings.defaultQuietAfterHours * HOUR, source: 'default', learnedFrom: null };
  }
  const sorted = [...silencesMs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(settings.learnPercentile * sorted.length));
  const percentile = sorted[rank - 1]!;
  const quietAfterMs = Math.min(
    settings.quietCeilingHours * HOUR,
    Math.max(settings.quietFloorHours * HOUR, percentile * settings.learnFactor),
  );
  return {
    quietAfterMs,
    source: 'learned',
    learnedFrom: { activeDays: sorted.length, percentileSilenceMs: percentile },
  };
}

/** A rhythm learned from a sender's recent arrival times. */
export function learnFeedRhythm(
  arrivals: readonly Date[],
  now: Date,
  settings: FeedSettings = DEFAULT_MONITORING_SETTINGS.feeds,
): FeedRhythm {
  return feedRhythmFromSilences(dailyLongestSilences(arrivals, now, settings), settings);
}

/**
 * When a feed that went quiet at `quietAt` stops holding its patients' missed-result alerts: warnings
 * `maxHoldDays` later, critical alerts `maxCriticalHoldHours` later (never after the warnings). README decision 15.
 */
export function feedHoldEnds(quietAt: Date, settings: FeedSettings): { warning: Date; critical: Date } {
  const warning = quietAt.getTime() + settings.maxHoldDays * DAY;
  const critical = Math.min(warning, quietAt.getTime() + settings.maxCriticalHoldHours * HOUR);
  return { warning: new Date(warning), critical: new Date(critical) };
}

/**
 * Whether a feed is `ok` or `quiet` at `now`, and when that changes. A feed never heard from is `unknown`: it is
 * not quiet and holds nothing.
 */
export function feedStatus(
  feed: FeedObservation,
  now: Date,
  settings: FeedSettings = DEFAULT_MONITORING_SETTINGS.feeds,
): FeedStatus {
  if (feed.lastSeenAt === null) {
    return {
      sender: feed.sender,
      state: 'unknown',
      lastSeenAt: null,
      quietAt: null,
      holdUntil: null,
      holding: false,
      criticalHoldUntil: null,
      holdingCritical: false,
      severity: 'none',
      nextChangeAt: null,
    };
  }
  const quietAt = new Date(feed.lastSeenAt.getTime() + feed.rhythm.quietAfterMs);
  const t = now.getTime();
  if (t < quietAt.getTime()) {
    return {
      sender: feed.sender,
      state: 'ok',
      lastSeenAt: feed.lastSeenAt,
      quietAt,
      holdUntil: null,
      holding: false,
      criticalHoldUntil: null,
      holdingCritical: false,
      severity: 'none',
      nextChangeAt: quietAt,
    };
  }
  const ends = feedHoldEnds(quietAt, settings);
  const holding = t < ends.warning.getTime();
  const holdingCritical = t < ends.critical.getTime();
  return {
    sender: feed.sender,
    state: 'quiet',
    lastSeenAt: feed.lastSeenAt,
    quietAt,
    holdUntil: ends.warning,
    holding,
    criticalHoldUntil: ends.critical,
    holdingCritical,
    severity: holding ? 'warning' : 'critical',
    nextChangeAt: holdingCritical ? ends.critical : holding ? ends.warning : null,
  };
}
