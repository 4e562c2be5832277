import { daysBetween } from '../courses/calendar';
import { type ExpectationExplanation } from './expectation';
import { type Layered } from './expectation-layers';
import { type BaseEvaluation, type RuleEvaluator } from './rule-evaluator';

/** The explanation of a layered state: the numbers, what is missing, and one sentence. */
export function explainExpectation(ev: RuleEvaluator, layered: Layered): ExpectationExplanation {
  const { base, day, suspension, hold } = layered;
  const underlying =
    layered.status === 'suspended' || layered.status === 'held' || (layered.status === 'ended' && suspension)
      ? { status: base.status, severity: base.severity }
      : null;
  const explanation: ExpectationExplanation = {
    ruleId: ev.ruleId,
    title: ev.title,
    group: ev.group,
    evidence: ev.evidence,
    summary: '',
    action: ev.action,
    lastReceivedDay: base.lastReceivedDay,
    anchorDay: base.anchorDay,
    anchorSource: base.anchorSource,
    dueDay: base.dueDay,
    warningDay: base.warningDay,
    criticalDay: base.criticalDay,
    daysOverdue: base.dueDay !== null && day >= base.dueDay ? daysBetween(base.dueDay, day) : null,
    receivedComponents: base.receivedComponents,
    missingComponents: base.missingComponents,
    partialDay: base.partialDay,
    endDay: base.endDay,
    endReason: suspension?.reason === 'deceased' ? 'deceased' : base.endReason,
    courseNumber: base.courseNumber,
    courseStartDay: base.courseStartDay,
    suspension: suspension && {
      reason: suspension.reason,
      author: suspension.author,
      start: suspension.start,
      end: suspension.end,
    },
    hold: hold && { senders: hold.senders, until: hold.until?.toISOString() ?? null },
    underlying,
  };
  explanation.summary = summarise(ev, layered, explanation);
  return explanation;
}

function summarise(ev: RuleEvaluator, layered: Layered, x: ExpectationExplanation): string {
  const base = baseSummary(ev, layered.base, x, x.missingComponents.join(', '));
  if (layered.status === 'suspended') {
    const s = x.suspension!;
    return `Suspended (${s.reason}, recorded by ${s.author}, ${s.start} to ${s.end}). Underneath: ${base}`;
  }
  if (layered.status === 'held') {
    return `${base} Held while ${x.hold!.senders.join(', ')} is quiet, at most until ${x.hold!.until}.`;
  }
  if (layered.status === 'ended' && x.endReason === 'deceased') {
    return `${ev.title}: monitoring ended, patient recorded as deceased.`;
  }
  return base;
}

function baseSummary(
  ev: RuleEvaluator,
  b: BaseEvaluation,
  x: ExpectationExplanation,
  missing: string,
): string {
  const what = ev.title;
  const since = b.lastReceivedDay ? `since ${b.lastReceivedDay}` : `since ${b.anchorDay} (${b.anchorSource})`;
  if (ev.kind === 'gate') {
    const course = `course ${b.courseNumber} (start ${b.courseStartDay})`;
    switch (b.status) {
      case 'not-started':
        return `${what}: no course recorded or planned.`;
      case 'ended':
        return `${what}: not applicable to ${b.courseNumber ? `course ${b.courseNumber}` : 'this course'} any more.`;
      case 'met':
        return `${what}: met for ${course}, latest qualifying result ${b.lastReceivedDay}.`;
      case 'partial':
        return `${what}: incomplete for ${course}; missing ${missing}.`;
      default:
        return `${what}: nothing received in the window before ${course}.`;
    }
  }
  switch (b.status) {
    case 'not-started':
      return `${what}: nothing expected yet.`;
    case 'ended':
      return `${what}: monitoring ended on ${b.endDay}.`;
    case 'met':
      return `${what}: CD4 ≥ stop criterion on ${b.lastReceivedDay}; reminders stop.`;
    case 'pending':
      return `${what}: received ${b.lastReceivedDay ?? 'nothing yet'}; next due ${b.dueDay}.`;
    case 'due':
      return `${what}: due on ${b.dueDay} (${x.daysOverdue} days ago), nothing received ${since}.`;
    case 'partial':
      return `${what}: the sample of ${b.partialDay} is partial, missing ${missing}; due on ${b.dueDay}.`;
    default:
      return `${what}: nothing received ${since}; due on ${b.dueDay}, ${x.daysOverdue} days overdue.`;
  }
}
