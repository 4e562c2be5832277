import { type DynamicModule, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createDataSource, type DatabaseSettings } from './data-source';
import { ResultGrader } from './grading/result-grader';
import { AlertLedger } from './alert-ledger/alert-ledger';
import { AdministrationRepository } from './repositories/administration.repository';
import { CodeMappingRepository } from './repositories/code-mapping.repository';
import { ContactVerificationRepository } from './repositories/contact-verification.repository';
import { ApiKeyRepository } from './repositories/api-key.repository';
import { AuditRepository } from './repositories/audit.repository';
import { DeliveryRepository } from './repositories/delivery.repository';
import { DigestRepository } from './repositories/digest.repository';
import { DlqRepository } from './repositories/dlq.repository';
import { EnrolmentRepository } from './repositories/enrolment.repository';
import { EscalationRepository } from './repositories/escalation.repository';
import { LabSenderRepository } from './repositories/lab-sender.repository';
import { MonitoringAlertRepository } from './repositories/monitoring-alert.repository';
import { MonitoringSweepRepository } from './repositories/monitoring-sweep.repository';
import { MonitoringRepository } from './repositories/monitoring.repository';
import { NotificationRepository } from './repositories/notification.repository';
import { ResultRepository } from './repositories/result.repository';
import { RuleContextRepository } from './repositories/rule-context.repository';

const REPOSITORIES = [
  // The only writer of alerts, occurrences, timelines and the notification outbox.
  AlertLedger,
  AdministrationRepository,
  CodeMappingRepository,
  ContactVerificationRepository,
  ApiKeyRepository,
  AuditRepository,
  DeliveryRepository,
  DigestRepository,
  DlqRepository,
  EnrolmentRepository,
  EscalationRepository,
  LabSenderRepository,
  MonitoringAlertRepository,
  MonitoringRepository,
  MonitoringSweepRepository,
  NotificationRepository,
  ResultRepository,
  RuleContextRepository,
  // Not a repository: the one way stored results are graded (processor batches, released results).
  ResultGrader,
];

/** Closes the app's connection pool last, after the app's own shutdown hooks have stopped using it. */
@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * The project's database for one app: an initialised TypeORM DataSource (injectable as `DataSource`) and the
 * repositories over it. Several apps in one process (the demo) each get their own pool.
 */
@Module({})
export class DatabaseModule {
  static forRoot(settings: DatabaseSettings): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [
        {
          provide: DataSource,
          useFactory: async () => {
            const dataSource = createDataSource(settings);
            await dataSource.initialize();
            return dataSource;
          },
        },
        DataSourceCloser,
        ...REPOSITORIES,
      ],
      exports: [DataSource, ...REPOSITORIES],
    };
  }
}
