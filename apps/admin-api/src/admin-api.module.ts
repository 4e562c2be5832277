import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import { TOPICS } from '@alem/messaging';
import { OpsModule } from '@alem/ops';
import { DatabaseModule } from '@alem/persistence';
import { type AppConfig, APP_CONFIG, loggerParams, RuntimeModule, type RuntimeOptions } from '@alem/runtime';
import { AcknowledgementModule } from './acknowledgements/acknowledgement.module';
import { AlertModule } from './alerts/alert.module';
import { AuditLogModule } from './audit/audit-log.module';
import { AccessGuard } from './auth/access.guard';
import { AuthModule } from './auth/auth.module';
import { CareTeamModule } from './care-teams/care-team.module';
import { CodeMappingModule } from './code-mappings/code-mapping.module';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { AuditedTransactionsModule } from './common/audited-transaction';
import { ContactVerificationModule } from './contacts/contact-verification.module';
import { CsvExportInterceptor } from './common/csv-export.interceptor';
import { AdminRedis, AdminRedisModule } from './common/admin-redis';
import { RateLimitStorage } from './common/rate-limit-storage';
import { strictThrottlers } from './common/strict-throttle';
import { StrictZodValidationPipe } from './common/zod-validation.pipe';
import { DlqModule } from './dlq/dlq.module';
import { EnrolmentLocationModule } from './enrolment-locations/enrolment-location.module';
import { EscalationPolicyModule } from './escalation-policies/escalation-policy.module';
import { FailedDeliveryModule } from './failed-deliveries/failed-delivery.module';
import { FhirModule } from './fhir/fhir.module';
import { MedicationCodeMappingModule } from './medication-code-mappings/medication-code-mapping.module';
import { MonitoringModule } from './monitoring/monitoring.module';
import { NotificationModule } from './notifications/notification.module';
import { PatientModule } from './patients/patient.module';
import { RuleSetModule } from './rule-sets/rule-set.module';
import { LabSenderModule } from './senders/lab-sender.module';
import { UserModule } from './users/user.module';

/**
 * The resources of the admin API, one module each. Rule sets and overrides, monitoring status and escalation
 * policies plug in here as modules of their own: controllers that declare `@Roles(...)` (the access guard
 * refuses any route that does not), services that write their changes and their audit rows in one transaction
 * (`AuditedTransactions`), repositories that hold the SQL, and zod DTOs for every input.
 */
export const ADMIN_API_FEATURES: Type<unknown>[] = [
  AuthModule,
  AuditLogModule,
  PatientModule,
  CareTeamModule,
  UserModule,
  AlertModule,
  NotificationModule,
  DlqModule,
  CodeMappingModule,
  LabSenderModule,
  AcknowledgementModule,
  ContactVerificationModule,
  FailedDeliveryModule,
  EscalationPolicyModule,
  RuleSetModule,
  MonitoringModule,
  FhirModule,
  MedicationCodeMappingModule,
  EnrolmentLocationModule,
];

/** The admin API (REST, OpenAPI): patients, care teams, people, alerts, notifications, DLQ, mappings, audit. */
@Module({})
export class AdminApiModule {
  static forRoot(options: RuntimeOptions): DynamicModule {
    const { config } = options;
    return {
      module: AdminApiModule,
      imports: [
        RuntimeModule.forRoot(options),
        LoggerModule.forRoot(loggerParams(config, 'admin-api')),
        DatabaseModule.forRoot({
          url: config.database.url,
          poolSize: config.database.poolSize,
          applicationName: 'admin-api',
        }),
        OpsModule.forRoot({
          checks: ['postgres', 'redis', 'kafka'],
          consumerLag: [
            { groupId: config.processor.groupId, topic: TOPICS.labResults },
            { groupId: config.processor.groupId, topic: TOPICS.medicationAdministrations },
          ],
        }),
        AdminRedisModule,
        AuditedTransactionsModule,
        ThrottlerModule.forRootAsync({
          inject: [APP_CONFIG, AdminRedis],
          useFactory: (c: AppConfig, redis: AdminRedis) => ({
            errorMessage: 'Too many requests',
            // In Redis, so that the limits hold across every instance of the API.
            storage: new RateLimitStorage(redis),
            throttlers: [
              { name: 'api', ttl: 60_000, limit: c.api.rateLimitPerMinute },
              ...strictThrottlers(c),
            ],
          }),
        }),
        ...ADMIN_API_FEATURES,
      ],
      providers: [
        // Order matters: throttle first (also unauthenticated floods), then authenticate and authorise.
        { provide: APP_GUARD, useClass: ThrottlerGuard },
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_PIPE, useClass: StrictZodValidationPipe },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_INTERCEPTOR, useClass: CsvExportInterceptor },
      ],
    };
  }
}
