// The package's public surface: only what apps, other libraries, tests and the bench import. Everything else
// stays internal to libs/clinical (its modules still export it to one another).
export {
  analyteById,
  analyteByLoinc,
  type AnalyteId,
  ANALYTES,
  type DDimerBasis,
} from './analytes/analyte-catalogue';
export {
  type Comparator,
  type Derivation,
  type NormalisedObservation,
  type ObservationInput,
  type PatientResult,
  type QualityFlag,
  type RangeSource,
  type ResultQuality,
  type ResultStatus,
} from './results/result';
export { normaliseObservation } from './results/normalise';
export { deriveAbsoluteCounts, type DerivedCount } from './results/derived-counts';
export {
  type AlertDecision,
  type AlertExplanation,
  type AlertKind,
  type ExplainedValue,
  type Severity,
  severityRank,
} from './alerts/alert-decision';
export { type AlertChange, planAlertChange } from './alerts/alert-lifecycle';
export { addDays, daysBetween, daysSinceLastInfusion, localDay, type TreatmentCourse } from './courses';
export {
  analytesForRule,
  DEFAULT_MONITORING_SETTINGS,
  earliestTransition,
  EXPECTATION_STATUSES,
  type ExpectationExplanation,
  expectationsFor,
  type ExpectationState,
  FEED_QUIET_RULE_ID,
  type FeedObservation,
  feedRhythmFromSilences,
  feedStatus,
  type FeedStatus,
  missedAlertDecision,
  missedAlertDedupKey,
  MONITORING_SCHEDULE_VERSION,
  type MonitoringContext,
  monitoringRules,
  type MonitoringSettings,
  MonitoringSettingsError,
  type MonitoringSettingsOverrides,
  planMissedAlertChange,
  type ReceivedResult,
  type ReceivedStatus,
  resolveMonitoringSettings,
  suspensionProblems,
  type SuspensionReason,
} from './monitoring';
export {
  type CodeMapping,
  type CodeMappingTable,
  createCodeMappingTable,
  senderKey,
} from './results/code-mapping';
export { type PatientContext, patientFlags, type PatientFlags } from './context';
export {
  applySiteOverrides,
  type ConditionSpec,
  defaultRuleSets,
  evaluateBatch,
  type EvaluationInput,
  type EvaluationOutput,
  type HistoryWindow,
  historyWindowsFor,
  leafAnalytes,
  type NumberRef,
  type PredicateSpec,
  type RecoveryObservation,
  type RuleInputResult,
  type RuleOverride,
  type RuleSet,
  RuleSetError,
  type RuleSetsByIndication,
  type RuleSpec,
  siteOverrideLabel,
  standInsFor,
  type StandInWindow,
  walkCondition,
} from './rules';
