import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { createKafka, MessageProducer } from '@alem/messaging';
import { OpsModule } from '@alem/ops';
import { DatabaseModule } from '@alem/persistence';
import { type AppConfig, APP_CONFIG, loggerParams, RuntimeModule, type RuntimeOptions } from '@alem/runtime';
import { GatewayMetrics } from './gateway.metrics';
import { ApiKeyGuard } from './http/api-key.guard';
import { FhirController } from './http/fhir.controller';
import { FhirSubmissionService } from './http/fhir-submission.service';
import { IngestExceptionFilter } from './http/ingest-exception.filter';
import { ResultController } from './http/result.controller';
import { ResultSubmissionService } from './http/result-submission.service';
import { Hl7IntakeService } from './intake/hl7-intake.service';
import { ResultPublisher } from './intake/result.publisher';
import { MllpServer } from './mllp/mllp.server';
import { RegisteredSenders } from './senders/registered-senders';

/**
 * The ingest gateway: HL7 v2 over MLLP (`MllpServer`, started when the app boots) and `POST /v1/results`
 * (HL7 v2 or lab-result.v1 JSON, API keys) and FHIR R4 (`/fhir/R4`): results produced to `lab.results.v1`,
 * medication administrations (RAS^O17, RDS^O13, RDE^O11, FHIR MedicationAdministration) to
 * `medication.administrations.v1`, answered only after Kafka acknowledged the write. As an application context (the demo) it runs the MLLP listener alone; the bound
 * port is `app.get(MllpServer).port`.
 */
@Module({})
export class IngestGatewayModule {
  static forRoot(options: RuntimeOptions): DynamicModule {
    const { config } = options;
    return {
      module: IngestGatewayModule,
      imports: [
        RuntimeModule.forRoot(options),
        LoggerModule.forRoot(loggerParams(config, 'ingest-gateway')),
        // API keys, and the sender registrations (cached: MLLP intake never waits for Postgres).
        DatabaseModule.forRoot({
          url: config.database.url,
          poolSize: Math.min(config.database.poolSize, 4),
          applicationName: 'ingest-gateway',
        }),
        OpsModule.forRoot({ checks: ['kafka', 'postgres'] }),
      ],
      controllers: [ResultController, FhirController],
      providers: [
        {
          provide: MessageProducer,
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) =>
            new MessageProducer(
              createKafka({
                ...c.kafka,
                clientId: `${c.kafka.clientId}-ingest-gateway`,
                // A request that cannot finish within the produce timeout is of no use to a waiting sender.
                requestTimeoutMs: c.gateway.produceTimeoutMs,
                connectionTimeoutMs: Math.min(3000, c.gateway.produceTimeoutMs),
              }),
            ),
        },
        GatewayMetrics,
        ResultPublisher,
        Hl7IntakeService,
        ResultSubmissionService,
        FhirSubmissionService,
        ApiKeyGuard,
        RegisteredSenders,
        MllpServer,
        { provide: APP_FILTER, useClass: IngestExceptionFilter },
      ],
      exports: [MllpServer, RegisteredSenders],
    };
  }
}
