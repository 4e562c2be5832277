import { type AnalyteId } from '../analytes/analyte-catalogue';
import { type CalendarDay, daysBetween, localDay } from '../courses/calendar';
import { baselineFor } from '../context/baseline';
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
  private baselines = new Map<string, RuleInputResult | null>();

  constructor(
    private readonly context: PatientContext,
    results: readonly RuleInputResult[],
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

  /** The baseline of the result's analyte for the course in effect on the result's day (see `baselineFor`). */
  baseline(result: RuleInputResult): RuleInputResult | null {
    if (result.analyte === null) return null;
    const day = this.day(result);
    const key = `${result.analyte}|${day}`;
    if (!this.baselines.has(key)) {
      const found = baselineFor(
        result.analyte,
        day,
        this.context.courses,
        this.byAnalyte.get(result.analyte) ?? [],
        this.context.timeZone,
      );
      this.baselines.set(key, found as RuleInputResult | null);
    }
    return this.baselines.get(key) ?? null;
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
