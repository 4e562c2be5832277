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
  private baselines = new Map<string, BaselineReference<RuleInputResult> | null>();

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
    // Stable insert by observed time: equal times keep arrival order.
    let i = list.length;
    while (i > 0 && list[i - 1].observedAt.getTime() > result.observedAt.getTime()) i--;
    list.splice(i, 0, result);
    this.byAnalyte.set(result.analyte, list);
    this.baselines = new Map();
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
    for (let i = list.length - 1; i >= 0 && out.length < count; i--) {
      if (list[i].observedAt.getTime() < t && list[i].resultId !== result.resultId) out.push(list[i]);
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
    const key = `${result.analyte}|${day}|${use}|${use === 'baseline' ? '' : result.observedAt.getTime()}`;
    if (!this.baselines.has(key)) {
      this.baselines.set(
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
    return this.baselines.get(key) ?? null;
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
    for (let i = list.length - 1; i >= 0; i--) {
      const r = list[i];
      if (r.resultId === around.resultId) continue;
      if (Math.abs(daysBetween(centre, this.day(r))) <= days) out.push(r);
    }
    return out;
  }
}
