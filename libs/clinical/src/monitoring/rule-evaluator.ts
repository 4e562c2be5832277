import { type AnalyteId } from '../analytes/analyte-catalogue';
import { type CalendarDay } from '../courses/calendar';
import {
  type ExpectationExplanation,
  type ExpectationKind,
  type ExpectationSeverity,
  type ExpectationStatus,
  type MonitoringRuleId,
} from './expectation';
import { type TestGroupId } from './test-group';

/**
 * An expectation's state on a day, before suspensions, death and quiet feeds are applied. With the results fixed
 * (those received up to now), it depends on the day only.
 */
export interface BaseEvaluation extends Pick<
  ExpectationExplanation,
  | 'lastReceivedDay'
  | 'anchorDay'
  | 'anchorSource'
  | 'dueDay'
  | 'warningDay'
  | 'criticalDay'
  | 'receivedComponents'
  | 'missingComponents'
  | 'partialDay'
  | 'endDay'
  | 'endReason'
  | 'courseNumber'
  | 'courseStartDay'
> {
  status: ExpectationStatus;
  severity: ExpectationSeverity;
  /** Whether a quiet feed may hold this state's alert (periodic tests at warning or critical). */
  holdable: boolean;
}

/** One rule of the schedule, prepared for one patient and one set of received results. */
export interface RuleEvaluator {
  ruleId: MonitoringRuleId;
  kind: ExpectationKind;
  group: TestGroupId | null;
  /** Analytes whose senders serve this expectation (for feed holds). */
  members: readonly AnalyteId[];
  title: string;
  evidence: string;
  action: string;
  at(day: CalendarDay): BaseEvaluation;
  /** Days after which `at` may return something different (a superset is fine). */
  boundaries: readonly CalendarDay[];
}

export const EMPTY_EVALUATION: Omit<BaseEvaluation, 'status' | 'severity'> = {
  lastReceivedDay: null,
  anchorDay: null,
  anchorSource: null,
  dueDay: null,
  warningDay: null,
  criticalDay: null,
  receivedComponents: [],
  missingComponents: [],
  partialDay: null,
  endDay: null,
  endReason: null,
  courseNumber: null,
  courseStartDay: null,
  holdable: false,
};

/** The severity of a rolling expectation on `day`, given its thresholds. */
export function escalation(
  day: CalendarDay,
  due: CalendarDay,
  warning: CalendarDay | null,
  critical: CalendarDay | null,
  dueSeverity: ExpectationSeverity,
): ExpectationSeverity {
  if (critical !== null && day >= critical) return 'critical';
  if (warning !== null && day >= warning) return 'warning';
  if (day >= due) return dueSeverity;
  return 'none';
}
