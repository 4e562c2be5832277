import { type CalendarDay, localDay, startOfDay } from '../courses/calendar';
import { type ExpectationSeverity, type ExpectationStatus, type MonitoringContext } from './expectation';
import {
  type FeedHold,
  isHeldByQuietFeed,
  servingBoundaries,
  type SenderDay,
  servingSenders,
} from './feed-hold';
import { feedHoldEnds, feedStatus } from './feed-rhythm';
import { type MonitoringSettings } from './monitoring-settings';
import { type BaseEvaluation, type RuleEvaluator } from './rule-evaluator';
import { activeSuspension, type Suspension, suspensionBoundaries } from './suspension';

/** A rule's state at an instant, after death, suspensions and quiet feeds. */
export interface Layered {
  base: BaseEvaluation;
  status: ExpectationStatus;
  severity: ExpectationSeverity;
  suspension: Suspension | null;
  hold: FeedHold | null;
  day: CalendarDay;
}

/** Death, suspensions and quiet feeds, applied over a rule's base evaluation at an instant. */
export class ExpectationLayers {
  private readonly suspensions: readonly Suspension[];
  private readonly suspensionDays: CalendarDay[];
  readonly timeZone: string;

  constructor(
    private readonly context: MonitoringContext,
    private readonly senderDays: readonly SenderDay[],
    private readonly settings: MonitoringSettings,
  ) {
    this.suspensions = context.suspensions ?? [];
    this.suspensionDays = suspensionBoundaries(this.suspensions);
    this.timeZone = context.timeZone;
  }

  at(ev: RuleEvaluator, instant: Date): Layered {
    const day = this.dayOf(instant);
    const base = ev.at(day);
    const plain = { base, status: base.status, severity: base.severity, suspension: null, hold: null, day };
    const suspension = activeSuspension(this.suspensions, day);
    if (suspension?.reason === 'deceased') {
      return { ...plain, status: 'ended', severity: 'none', suspension };
    }
    if (base.status === 'ended' || base.status === 'not-started' || base.status === 'met') return plain;
    if (suspension) return { ...plain, status: 'suspended', severity: 'none', suspension };
    if (base.holdable && (base.severity === 'warning' || base.severity === 'critical')) {
      const feeds = (this.context.feeds ?? []).map((f) => feedStatus(f, instant, this.settings.feeds));
      if (feeds.some((f) => f.holding)) {
        const serving = servingSenders(
          this.senderDays,
          ev.members,
          day,
          this.settings.feeds.servingLookbackDays,
        );
        const hold = isHeldByQuietFeed(serving, feeds, base.severity);
        if (hold.held) return { ...plain, status: 'held', hold };
      }
    }
    return plain;
  }

  private readonly instantDays = new Map<number, CalendarDay>();

  /** The site-zone day of an instant (memoised: candidates repeat across the rules of a patient). */
  private dayOf(instant: Date): CalendarDay {
    let day = this.instantDays.get(instant.getTime());
    if (day === undefined) {
      day = localDay(instant, this.timeZone);
      this.instantDays.set(instant.getTime(), day);
    }
    return day;
  }

  /** Instants after `now` at which the layered state of `ev` may change. */
  candidates(ev: RuleEvaluator, now: Date): Date[] {
    const feeds = this.context.feeds ?? [];
    const today = this.dayOf(now);
    const days = [...ev.boundaries, ...this.suspensionDays];
    // Which labs serve the patient only matters when there are feeds that could hold.
    if (feeds.length > 0) {
      days.push(...servingBoundaries(this.senderDays, ev.members, this.settings.feeds.servingLookbackDays));
    }
    const instants = [...new Set(days.filter((d) => d > today))].map((d) => startOfDay(d, this.timeZone));
    for (const feed of feeds) {
      const status = feedStatus(feed, now, this.settings.feeds);
      if (status.quietAt === null) continue;
      // Going quiet may start a hold; the shorter hold of critical alerts running out releases those (README
      // decision 15), the hold of warnings running out releases the rest.
      const ends = feedHoldEnds(status.quietAt, this.settings.feeds);
      instants.push(status.quietAt, ends.critical, ends.warning);
    }
    const t = now.getTime();
    return [...new Set(instants.map((d) => d.getTime()).filter((x) => x > t))]
      .sort((a, b) => a - b)
      .map((x) => new Date(x));
  }
}
