// The package's public surface: only what apps, other libraries, tests and the bench import. Everything else
// (row types of single queries, table declarations, audit-chain internals) stays inside libs/persistence.
export { type Acknowledgement, AlertLedger } from './alert-ledger/alert-ledger';
export {
  type AlertRoute,
  type AppliedMonitoringAlertChange,
  type MonitoringAlertChange,
  type OpenMonitoringAlert,
  type TimelineNote,
} from './alert-ledger/monitoring-alerts';
export { alertDedupKey, type AppliedAlertChange } from './alert-ledger/threshold-alerts';
export { type UnreachableRaised } from './alert-ledger/unreachable-alert';
export { AuditAnchors, FileAuditAnchorSink, type SignedAuditAnchor } from './audit/audit-anchor';
export { createDataSource, migrate } from './data-source';
export { DatabaseModule } from './database.module';
export { ResultGrader } from './grading/result-grader';
export { APP_ROLE } from './migrations/1732300014000-app-role';
export { PgListener } from './pg-listener';
export { queryRows } from './query-rows';
export { RefreshingCache } from './refreshing-cache';
export {
  type AdministeredPatient,
  AdministrationRepository,
  mappedProduct,
  type MedicationCodeMapping,
  type NewAdministrationRecord,
} from './repositories/administration.repository';
export { ApiKeyRepository } from './repositories/api-key.repository';
export {
  type AuditActor,
  type AuditDataCategory,
  type AuditEntry,
  AuditRepository,
  type AuditVerification,
} from './repositories/audit.repository';
export { CodeMappingRepository } from './repositories/code-mapping.repository';
export { ContactVerificationRepository } from './repositories/contact-verification.repository';
export {
  type AttemptRow,
  type ClaimedItem,
  DeliveryRepository,
  type ReceiptRow,
} from './repositories/delivery.repository';
export { DigestRepository } from './repositories/digest.repository';
export { DlqRepository, type NewDlqRecord } from './repositories/dlq.repository';
export { type EnrolledPatient, EnrolmentRepository, patientKey } from './repositories/enrolment.repository';
export { type EscalationAuditStep, EscalationRepository } from './repositories/escalation.repository';
export { type LabSender, LabSenderRepository } from './repositories/lab-sender.repository';
export { MonitoringAlertRepository } from './repositories/monitoring-alert.repository';
export {
  type DueLabFeedRow,
  type ExpectationRowInput,
  type LabFeedRow,
  type MonitoringPatientRow,
  type MonitoringResultRow,
  MonitoringSweepRepository,
  type PatientCheckInput,
  type StoredExpectationRow,
} from './repositories/monitoring-sweep.repository';
export {
  MonitoringInputError,
  MonitoringRepository,
  type SiteMonitoringSettings,
  type SuspensionView,
} from './repositories/monitoring.repository';
export {
  type ContactPointRow,
  type NotificationHead,
  NotificationRepository,
} from './repositories/notification.repository';
export {
  INSERT_RESULTS_SQL,
  type NewResult,
  type NewSourceMessage,
  qualityFlagsOf,
  resultInsertParameters,
  ResultRepository,
  sourceMessageKey,
  type Specimen,
  type SpecimenResultRow,
} from './repositories/result.repository';
export {
  RULE_INPUT_COLUMNS,
  RuleContextRepository,
  ruleInputFromRow,
} from './repositories/rule-context.repository';
export {
  enrolPatient,
  seedCareTeam,
  type SeededTeam,
  type SeedMember,
  seedSite,
} from './seed/enrolment.seed';
export { TABLES } from './tables/index';
export { type Column, SERIAL, type Table } from './tables/table';
export {
  enrolmentLocationsTable,
  medicationCodeMappingsTable,
  treatmentCourseEventsTable,
} from './tables/administration.tables';
export { auditLogTable } from './tables/audit.tables';
export { codeMappingsTable } from './tables/access.tables';
export { type RowOf } from './tables/table';
