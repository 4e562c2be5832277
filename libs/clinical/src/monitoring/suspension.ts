import { addDays, type CalendarDay } from '../courses/calendar';

export type SuspensionReason = 'hospitalised' | 'transferred' | 'deceased' | 'off-protocol';

/**
 * A period in which missed-result alerts are not raised for a patient (alerting-anchors §4 item 5). It needs an
 * author and an end; only `deceased` has none, and it ends monitoring for good.
 */
export interface Suspension {
  reason: SuspensionReason;
  /** Who recorded it (user id or name), for the explanation and the audit trail. */
  author: string;
  /** First and last suspended day (site zone), both included. */
  start: CalendarDay;
  end: CalendarDay | null;
  note?: string | null;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const REASONS: readonly SuspensionReason[] = ['hospitalised', 'transferred', 'deceased', 'off-protocol'];

/**
 * What is wrong with a suspension (empty when valid). The admin API checks this when a suspension is written; the
 * schedule ignores an invalid one, so a suspension without an end can never silence a patient for ever.
 */
export function suspensionProblems(s: Suspension): string[] {
  const problems: string[] = [];
  if (!REASONS.includes(s.reason)) problems.push(`unknown reason ${String(s.reason)}`);
  if (!s.author || s.author.trim() === '') problems.push('an author is required');
  if (!DAY.test(s.start)) problems.push('start must be a calendar day');
  if (s.reason !== 'deceased') {
    if (s.end === null || s.end === undefined) problems.push('an end day is required (except for deceased)');
    else if (!DAY.test(s.end)) problems.push('end must be a calendar day');
    else if (s.end < s.start) problems.push('end must not be before start');
  }
  return problems;
}

/** The valid suspension in force on `day`: a death first, otherwise the one that runs longest. */
export function activeSuspension(suspensions: readonly Suspension[], day: CalendarDay): Suspension | null {
  const valid = suspensions.filter((s) => suspensionProblems(s).length === 0 && s.start <= day);
  const death = valid.find((s) => s.reason === 'deceased');
  if (death) return death;
  const active = valid.filter((s) => s.end !== null && day <= s.end);
  if (active.length === 0) return null;
  return active.reduce((a, b) => (a.end! >= b.end! ? a : b));
}

/** Days on which the suspension picture changes: each valid start, and the day after each end. */
export function suspensionBoundaries(suspensions: readonly Suspension[]): CalendarDay[] {
  return suspensions
    .filter((s) => suspensionProblems(s).length === 0)
    .flatMap((s) => (s.end === null ? [s.start] : [s.start, addDays(s.end, 1)]));
}
