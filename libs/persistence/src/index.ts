export * from './alert-ledger/alert-ledger';
export { alertDedupKey, type AppliedAlertChange } from './alert-ledger/threshold-alerts';
export {
  type AlertRoute,
  type AppliedMonitoringAlertChange,
  MONITORING_SCHEDULER_ACTOR,
  type MonitoringAlertChange,
  type OpenMonitoringAlert,
  type TimelineNote,
} from './alert-ledger/monitoring-alerts';
export { type UnreachableRaised } from './alert-ledger/unreachable-alert';
export { type AlertEventRow } from './alert-ledger/ledger-writes';
export * from './data-source';
export * from './database.module';
export * from './tables';
export * from './grading/result-grader';
export * from './migrations';
export * from './pg-listener';
export * from './query-rows';
export * from './refreshing-cache';
export * from './repositories/code-mapping.repository';
export * from './repositories/alert-reference';
export * from './repositories/api-key.repository';
export * from './repositories/audit.repository';
export * from './audit/audit-anchor';
export * from './audit/audit-chain';
export * from './repositories/contact-verification.repository';
export * from './repositories/delivery.repository';
export * from './repositories/digest.repository';
export * from './repositories/escalation.repository';
export * from './repositories/dlq.repository';
export * from './repositories/notification.repository';
export * from './repositories/enrolment.repository';
export * from './repositories/lab-sender.repository';
export * from './repositories/monitoring-alert.repository';
export * from './repositories/monitoring-sweep.repository';
export * from './repositories/monitoring.repository';
export * from './repositories/result.repository';
export * from './repositories/rule-context.repository';
export * from './seed/enrolment.seed';
