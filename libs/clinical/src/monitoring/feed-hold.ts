import { type AnalyteId } from '../analytes/analyte-catalogue';
import { addDays, type CalendarDay } from '../courses/calendar';
import { type FeedStatus } from './feed-rhythm';

/** A received result reduced to what feed holds need: who sent which analyte on which day (site zone). */
export interface SenderDay {
  sender: string;
  /** Null for codes the catalogue does not map: they still show which labs serve the patient. */
  analyte: AnalyteId | null;
  day: CalendarDay;
}

/**
 * The senders that serve a patient for a test group on `day`: those that sent one of the group's results within
 * the lookback. When none did (e.g. the first slot after course 1), the senders of any of the patient's results in
 * the lookback. Empty when nothing is known: then nothing can be held.
 */
export function servingSenders(
  received: readonly SenderDay[],
  members: readonly AnalyteId[],
  day: CalendarDay,
  lookbackDays: number,
): string[] {
  const from = addDays(day, -lookbackDays);
  const recent = received.filter((r) => r.day >= from && r.day <= day);
  const wanted = new Set(members);
  const forGroup = recent.filter((r) => r.analyte !== null && wanted.has(r.analyte));
  const chosen = forGroup.length > 0 ? forGroup : recent;
  return [...new Set(chosen.map((r) => r.sender))].sort();
}

/** Days on which a sender stops serving (its last result ages out of the lookback), for the group or at all. */
export function servingBoundaries(
  received: readonly SenderDay[],
  members: readonly AnalyteId[],
  lookbackDays: number,
): CalendarDay[] {
  const wanted = new Set(members);
  // Two maps keyed by sender rather than one keyed by a built string: the scheduler calls this for every rule
  // of every patient it sweeps, and the string keys were most of its cost.
  const lastForGroup = new Map<string, CalendarDay>();
  const lastAny = new Map<string, CalendarDay>();
  for (const r of received) {
    const any = lastAny.get(r.sender);
    if (!any || r.day > any) lastAny.set(r.sender, r.day);
    if (r.analyte !== null && wanted.has(r.analyte)) {
      const group = lastForGroup.get(r.sender);
      if (!group || r.day > group) lastForGroup.set(r.sender, r.day);
    }
  }
  const days = new Set([...lastForGroup.values(), ...lastAny.values()]);
  return [...days].map((d) => addDays(d, lookbackDays + 1));
}

export interface FeedHold {
  held: boolean;
  /** The quiet senders that hold the alert. */
  senders: string[];
  /**
   * When the last of those holds runs out for the alert's severity (then the alert goes out even if the feed
   * stays quiet): `criticalHoldUntil` for a critical alert, `holdUntil` for a warning.
   */
  until: Date | null;
}

/**
 * Whether a patient's missed-result alert of `severity` is held because a lab that serves the patient is quiet:
 * held when ANY serving sender is quiet and still within its hold for that severity (the missing result may be
 * stuck in that lab's interface; the one FEED-QUIET alert pages the interface team instead of every patient's
 * care team). A warning is held up to `maxHoldDays` after the feed went quiet; a critical alert only up to
 * `maxCriticalHoldHours` (README decision 15): one that turns critical while held goes out when that shorter hold
 * ends, or at once when it has already ended, even if the feed is still quiet.
 *
 * Holding never drops: the expectation keeps its severity and its alert is recorded (not notified). On release,
 * either because a message arrives from the lab (new input: re-evaluate the held expectations of its patients) or
 * because the hold runs out (`until`, a time transition), the expectation is recomputed: if the result came with
 * the lab's backlog it resolves silently; if it is still missing, the alert is notified then.
 */
export function isHeldByQuietFeed(
  serving: readonly string[],
  feeds: readonly FeedStatus[],
  severity: 'warning' | 'critical',
): FeedHold {
  const critical = severity === 'critical';
  const bySender = new Map(feeds.map((f) => [f.sender, f]));
  const holding = serving
    .map((s) => bySender.get(s))
    .filter(
      (f): f is FeedStatus =>
        f !== undefined && f.state === 'quiet' && (critical ? f.holdingCritical : f.holding),
    );
  if (holding.length === 0) return { held: false, senders: [], until: null };
  const until = holding.reduce(
    (a, f) => Math.max(a, (critical ? f.criticalHoldUntil : f.holdUntil)!.getTime()),
    0,
  );
  return { held: true, senders: holding.map((f) => f.sender).sort(), until: new Date(until) };
}
