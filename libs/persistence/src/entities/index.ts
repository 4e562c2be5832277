import { ApiKeyEntity, CodeMappingEntity } from './access.entities';
import { AlertEntity, AlertEventEntity, AlertOccurrenceEntity } from './alert.entities';
import { AuditLogEntity } from './audit.entities';
import { LabSenderEntity } from './lab-sender.entity';
import { BrowserSessionEntity } from './browser-session.entity';
import {
  AlertAcknowledgementEntity,
  AlertEscalationEntity,
  ContactVerificationEntity,
  DeliveryReceiptEntity,
  DigestDeliveryEntity,
  DigestEntity,
  EscalationPolicyEntity,
} from './escalation.entities';
import {
  CareTeamEntity,
  CareTeamMemberEntity,
  ContactPointEntity,
  SiteEntity,
  UserEntity,
} from './care-team.entities';
import {
  DeliveryAttemptEntity,
  DeliveryEntity,
  DlqRecordEntity,
  NotificationEntity,
} from './notification.entities';
import {
  AlertRouteEntity,
  LabFeedEntity,
  LabFeedSilenceEntity,
  MonitoringExpectationEntity,
  MonitoringPatientEntity,
  MonitoringSiteSettingsEntity,
  MonitoringSuspensionEntity,
} from './monitoring.entities';
import { PatientEntity, PatientIdentifierEntity, TreatmentCourseEntity } from './patient.entities';
import { ResultEntity, SourceMessageEntity } from './result.entity';
import { RuleOverrideEntity } from './rule-override.entity';

export * from './access.entities';
export * from './alert.entities';
export * from './audit.entities';
export * from './care-team.entities';
export * from './escalation.entities';
export * from './lab-sender.entity';
export * from './monitoring.entities';
export * from './notification.entities';
export * from './patient.entities';
export * from './result.entity';
export * from './rule-override.entity';
export { numericTransformer } from './numeric.transformer';

export const ENTITIES = [
  SiteEntity,
  UserEntity,
  CareTeamEntity,
  CareTeamMemberEntity,
  ContactPointEntity,
  PatientEntity,
  PatientIdentifierEntity,
  TreatmentCourseEntity,
  ResultEntity,
  SourceMessageEntity,
  RuleOverrideEntity,
  AlertEntity,
  AlertOccurrenceEntity,
  AlertEventEntity,
  NotificationEntity,
  DeliveryEntity,
  DeliveryAttemptEntity,
  DlqRecordEntity,
  AuditLogEntity,
  ApiKeyEntity,
  CodeMappingEntity,
  LabSenderEntity,
  BrowserSessionEntity,
  MonitoringPatientEntity,
  MonitoringExpectationEntity,
  MonitoringSuspensionEntity,
  MonitoringSiteSettingsEntity,
  LabFeedEntity,
  LabFeedSilenceEntity,
  AlertRouteEntity,
  EscalationPolicyEntity,
  AlertEscalationEntity,
  DeliveryReceiptEntity,
  AlertAcknowledgementEntity,
  ContactVerificationEntity,
  DigestEntity,
  DigestDeliveryEntity,
];
