import { type AnalyteId } from '../analytes/analyte-catalogue';
import { type CalendarDay, daysBetween, localDay } from '../courses/calendar';
import {
  baselineReference,
  type BaselineReference,
  DEFAULT_BASELINE_LOOKBACK_DAYS,
} from '../context/baseline';
import { courseStart, currentCourse } from '../courses/treatment-course';
import { type PatientContext } from '../context/patient-context';
import { isUsableResult } from '../context/result-usability';
import { type RuleInputResult } from './evaluation-input';

/**
 * What is known about one patient at the moment a result is graded: the usable results (history plus the new
 * results graded so far), per analyte in observed order. Previous values, baselines and composite partners are
 * all read from here, so every lookup answers "as of now".
 */
export class PatientHistory {
  private readonly byAnalyte = new Map<AnalyteId, RuleInputResult[]>();
  private readonly days = new Map<RuleInputResult, CalendarDay>();
  /** Baseline references already worked out, per analyte, with what a new result must be to change them. */
  private readonly baselines = new Map<AnalyteId, BaselineCache>();

  /**
   * @param baselineLookbackDays how many days before a course its baseline may lie (the rule set's DQ-2
   *   `lookbackDays`; see `baselineLookbackDays`).
   */
  constructor(
    private readonly context: PatientContext,
    results: readonly RuleInputResult[],
    readonly baselineLookbackDays: number = DEFAULT_BASELINE_LOOKBACK_DAYS,
  ) {
    for (const result of results) this.add(result);
  }

  /** Adds a result (ignored unless usable: graded status, quality ok, known analyte). */
  add(result: RuleInputResult): void {
    if (!isUsableResult(result) || result.analyte === null) return;
    const list = this.byAnalyte.get(result.analyte) ?? [];
    // Stable insert by observed time: equal times keep arrival order (in time order, an append).
    const t = result.observedAt.getTime();
    const i =
      list.length > 0 && list[list.length - 1].observedAt.getTime() <= t ? list.length : firstAfter(list, t);
    list.splice(i, 0, result);
    this.byAnalyte.set(result.analyte, list);
    // A reference reads only results observed before its result (a stand-in) or on a day before the course (a
    // baseline): a result later than both changes none, so a batch in time order keeps its cache.
    const cache = this.baselines.get(result.analyte);
    if (cache && (t < cache.latestBefore || this.day(result) < cache.latestCourseStart)) {
      this.baselines.delete(result.analyte);
    }
  }

  /** The calendar day a result was observed on, in the site's zone. */
  day(result: RuleInputResult): CalendarDay {
    let day = this.days.get(result);
    if (!day) {
      day = localDay(result.observedAt, this.context.timeZone);
      this.days.set(result, day);
    }
    return day;
  }

  /** Up to `count` usable results of the same analyte observed strictly before `result`, latest first. */
  previous(result: RuleInputResult, count = 1): RuleInputResult[] {
    if (result.analyte === null) return [];
    const t = result.observedAt.getTime();
    const list = this.byAnalyte.get(result.analyte) ?? [];
    const out: RuleInputResult[] = [];
    // Strictly earlier results lie before the first one observed at `t` or later.
    for (let i = firstAtOrAfter(list, t) - 1; i >= 0 && out.length < count; i--) {
      if (list[i].resultId !== result.resultId) out.push(list[i]);
    }
    return out;
  }

  /**
   * What a baseline-relative test judges the result against (see `baselineReference`): the pre-course baseline
   * within the look-back; without one, for a `rise` the lowest and for a `fall` the highest value since the
   * course began. The result itself is never its own reference: the baseline lies before the course in effect,
   * the stand-in before the result.
   */
  reference(
    result: RuleInputResult,
    use: 'rise' | 'fall' | 'baseline',
  ): BaselineReference<RuleInputResult> | null {
    if (result.analyte === null) return null;
    const day = this.day(result);
    const key = `${day}|${use}|${use === 'baseline' ? '' : result.observedAt.getTime()}`;
    let cache = this.baselines.get(result.analyte);
    if (!cache) {
      cache = { references: new Map(), latestBefore: -Infinity, latestCourseStart: '' };
      this.baselines.set(result.analyte, cache);
    }
    if (!cache.references.has(key)) {
      const course = currentCourse(day, this.context.courses);
      if (course && courseStart(course) > cache.latestCourseStart)
        cache.latestCourseStart = courseStart(course);
      if (use !== 'baseline') cache.latestBefore = Math.max(cache.latestBefore, result.observedAt.getTime());
      cache.references.set(
        key,
        baselineReference(
          result.analyte,
          day,
          result.observedAt,
          this.context.courses,
          this.byAnalyte.get(result.analyte) ?? [],
          this.context.timeZone,
          this.baselineLookbackDays,
          use,
          (r) => this.day(r),
        ),
      );
    }
    return cache.references.get(key) ?? null;
  }

  /** The course in effect on the result's day (its number and first infusion day), or null before course 1. */
  course(result: RuleInputResult): { courseNumber: number; start: CalendarDay } | null {
    const course = currentCourse(this.day(result), this.context.courses);
    return course ? { courseNumber: course.courseNumber, start: courseStart(course) } : null;
  }

  /** Usable results of an analyte observed on or after `fromDay` and strictly before `result`, oldest first. */
  since(analyte: AnalyteId, fromDay: CalendarDay, result: RuleInputResult): RuleInputResult[] {
    const t = result.observedAt.getTime();
    return (this.byAnalyte.get(analyte) ?? []).filter(
      (r) => r.resultId !== result.resultId && r.observedAt.getTime() < t && this.day(r) >= fromDay,
    );
  }

  /**
   * Usable results of `analyte` observed within ±`days` calendar days of `around` (never `around` itself),
   * latest observed first.
   */
  within(analyte: AnalyteId, around: RuleInputResult, days: number): RuleInputResult[] {
    const centre = this.day(around);
    const list = this.byAnalyte.get(analyte) ?? [];
    const out: RuleInputResult[] = [];
    // Calendar days in any zone lie within ±(days + 2) × 24 h of the result's instant: search only there.
    const t = around.observedAt.getTime();
    const reach = (days + 2) * 86_400_000;
    const from = firstAtOrAfter(list, t - reach);
    for (let i = firstAfter(list, t + reach) - 1; i >= from; i--) {
      const r = list[i];
      if (r.resultId === around.resultId) continue;
      if (Math.abs(daysBetween(centre, this.day(r))) <= days) out.push(r);
    }
    return out;
  }
}

interface BaselineCache {
  references: Map<string, BaselineReference<RuleInputResult> | null>;
  /** The latest `before` instant a stand-in was worked out for: an earlier new result may change it. */
  latestBefore: number;
  /** The latest course start a baseline was worked out for: a new result on an earlier day may change it. */
  latestCourseStart: CalendarDay | '';
}

/** The index of the first result observed at or after `t` (the list is sorted by observed time). */
function firstAtOrAfter(list: readonly RuleInputResult[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].observedAt.getTime() < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index of the first result observed strictly after `t`. */
function firstAfter(list: readonly RuleInputResult[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].observedAt.getTime() <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
