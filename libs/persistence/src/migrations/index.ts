import { Foundation1732300000000 } from './1732300000000-foundation';
import { SourceMessages1732300004000 } from './1732300004000-source-messages';
import { ClinicalContext1732300005000 } from './1732300005000-clinical-context';
import { AuditLog1732300008000 } from './1732300008000-audit-log';
import { ApiKeysAndCodeMappings1732300008010 } from './1732300008010-api-keys-and-code-mappings';
import { MonitoringSchedule1732300006000 } from './1732300006000-monitoring-schedule';
import { EscalationAndDelivery1732300007000 } from './1732300007000-escalation-and-delivery';
import { AcknowledgementClosesEscalation1732300007010 } from './1732300007010-acknowledgement-closes-escalation';
import { ClinicalGaps1732300009000 } from './1732300009000-clinical-gaps';
import { LabSenders1732300010000 } from './1732300010000-lab-senders';
import { StoredComparators1732300011000 } from './1732300011000-stored-comparators';
import { BrowserSessions1732300012000 } from './1732300012000-browser-sessions';
import { SenderAuthentication1732300013000 } from './1732300013000-sender-authentication';
import { AppRole1732300014000 } from './1732300014000-app-role';

export { APP_ROLE } from './1732300014000-app-role';
import { SmsReceiptsOnce1732300016000 } from './1732300016000-sms-receipts-once';
import { InfusionRecord1732300017000 } from './1732300017000-infusion-record';

/** Every migration, in order. New migrations are appended here (explicit imports work the same in ts and js). */
export const MIGRATIONS = [
  Foundation1732300000000,
  SourceMessages1732300004000,
  ClinicalContext1732300005000,
  AuditLog1732300008000,
  ApiKeysAndCodeMappings1732300008010,
  MonitoringSchedule1732300006000,
  EscalationAndDelivery1732300007000,
  AcknowledgementClosesEscalation1732300007010,
  ClinicalGaps1732300009000,
  LabSenders1732300010000,
  StoredComparators1732300011000,
  BrowserSessions1732300012000,
  SenderAuthentication1732300013000,
  AppRole1732300014000,
  SmsReceiptsOnce1732300016000,
  InfusionRecord1732300017000,
];
