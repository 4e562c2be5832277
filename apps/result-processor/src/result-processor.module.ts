import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { OpsModule } from '@alem/ops';
import { DatabaseModule } from '@alem/persistence';
import { createKafka, MessageProducer } from '@alem/messaging';
import { type AppConfig, APP_CONFIG, loggerParams, RuntimeModule, type RuntimeOptions } from '@alem/runtime';
import { AdministrationIntakeService } from './administrations/administration-intake.service';
import { AlertEvaluator } from './alert-evaluator';
import { CodeMappingCache } from './code-mapping-cache';
import { CountDerivation } from './count-derivation';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { EnrolmentCache } from './enrolment-cache';
import { FeedActivityRecorder } from './feed-activity.recorder';
import { LabResultConsumer } from './lab-result.consumer';
import { ProcessorMetrics } from './processor.metrics';
import { ResultIntakeService } from './result-intake.service';
import { RuleSetCache } from './rule-set-cache';
import { SenderRegistrationCache } from './sender-registration-cache';

/**
 * The result processor: Kafka `lab.results.v1` in, results, alerts and the notification outbox out; and
 * `medication.administrations.v1` in, enrolments and treatment courses out.
 */
@Module({})
export class ResultProcessorModule {
  static forRoot(options: RuntimeOptions): DynamicModule {
    return {
      module: ResultProcessorModule,
      imports: [
        RuntimeModule.forRoot(options),
        LoggerModule.forRoot(loggerParams(options.config, 'result-processor')),
        DatabaseModule.forRoot({
          url: options.config.database.url,
          // Each partition worked on at once holds one connection for its batch transaction; two more serve
          // health checks and the rule-set cache, so a busy consumer never waits for a connection.
          poolSize: Math.max(
            options.config.database.poolSize,
            options.config.processor.partitionsConcurrently + 2,
          ),
          applicationName: 'result-processor',
        }),
        // GET /health and GET /metrics when the app serves HTTP (main.ts).
        OpsModule.forRoot({ checks: ['postgres', 'kafka', 'consumer'] }),
      ],
      providers: [
        {
          provide: MessageProducer,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) =>
            new MessageProducer(
              createKafka({ ...config.kafka, clientId: `${config.kafka.clientId}-processor-dlq` }),
            ),
        },
        AlertEvaluator,
        CodeMappingCache,
        CountDerivation,
        DeadLetterPublisher,
        EnrolmentCache,
        FeedActivityRecorder,
        ProcessorMetrics,
        ResultIntakeService,
        RuleSetCache,
        SenderRegistrationCache,
        LabResultConsumer,
        AdministrationIntakeService,
      ],
      exports: [ResultIntakeService, AdministrationIntakeService, EnrolmentCache],
    };
  }
}
