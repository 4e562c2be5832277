import { apiKeysTable, codeMappingsTable } from './access.tables';
import { alertsTable, alertOccurrencesTable, alertEventsTable } from './alert.tables';
import { auditLogTable } from './audit.tables';
import { browserSessionsTable } from './browser-session.tables';
import {
  sitesTable,
  usersTable,
  careTeamsTable,
  careTeamMembersTable,
  contactPointsTable,
} from './care-team.tables';
import {
  escalationPoliciesTable,
  alertEscalationsTable,
  deliveryReceiptsTable,
  alertAcknowledgementsTable,
  contactVerificationsTable,
  digestsTable,
  digestDeliveriesTable,
} from './escalation.tables';
import { labSendersTable } from './lab-sender.tables';
import {
  monitoringPatientsTable,
  monitoringExpectationsTable,
  monitoringSuspensionsTable,
  monitoringSiteSettingsTable,
  labFeedsTable,
  labFeedSilencesTable,
  alertRoutesTable,
} from './monitoring.tables';
import {
  notificationsTable,
  deliveriesTable,
  deliveryAttemptsTable,
  dlqRecordsTable,
} from './notification.tables';
import { patientsTable, patientIdentifiersTable, treatmentCoursesTable } from './patient.tables';
import { resultsTable, sourceMessagesTable } from './result.tables';
import { ruleOverridesTable } from './rule-override.tables';

export { type Column, type RowOf, SERIAL, type Table } from './table';
export * from './access.tables';
export * from './alert.tables';
export * from './audit.tables';
export * from './browser-session.tables';
export * from './care-team.tables';
export * from './escalation.tables';
export * from './lab-sender.tables';
export * from './monitoring.tables';
export * from './notification.tables';
export * from './patient.tables';
export * from './result.tables';
export * from './rule-override.tables';

/** Every table the migrations build (but their own `migrations`), as the code declares it. */
export const TABLES = [
  apiKeysTable,
  codeMappingsTable,
  alertsTable,
  alertOccurrencesTable,
  alertEventsTable,
  auditLogTable,
  browserSessionsTable,
  sitesTable,
  usersTable,
  careTeamsTable,
  careTeamMembersTable,
  contactPointsTable,
  escalationPoliciesTable,
  alertEscalationsTable,
  deliveryReceiptsTable,
  alertAcknowledgementsTable,
  contactVerificationsTable,
  digestsTable,
  digestDeliveriesTable,
  labSendersTable,
  monitoringPatientsTable,
  monitoringExpectationsTable,
  monitoringSuspensionsTable,
  monitoringSiteSettingsTable,
  labFeedsTable,
  labFeedSilencesTable,
  alertRoutesTable,
  notificationsTable,
  deliveriesTable,
  deliveryAttemptsTable,
  dlqRecordsTable,
  patientsTable,
  patientIdentifiersTable,
  treatmentCoursesTable,
  resultsTable,
  sourceMessagesTable,
  ruleOverridesTable,
];
