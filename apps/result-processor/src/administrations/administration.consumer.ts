import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { BatchConsumer, createKafka, TOPICS } from '@alem/messaging';
import { ConsumerHealthIndicator } from '@alem/ops';
import { type AppConfig, InjectConfig } from '@alem/runtime';
import { AdministrationIntakeService } from './administration-intake.service';

/**
 * The processor's intake from `medication.administrations.v1` (issue 18), beside the results': its own consumer
 * group (`<PROCESSOR_GROUP_ID>-administrations`), batches committed only after their transaction, the same
 * restart rules. The DLQ producer is the results intake's, which connects it first and disconnects it last.
 */
@Injectable()
export class AdministrationConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AdministrationConsumer.name);
  private consumer: BatchConsumer | null = null;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly intake: AdministrationIntakeService,
    private readonly health: ConsumerHealthIndicator,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const kafka = createKafka(
      { ...this.config.kafka, clientId: `${this.config.kafka.clientId}-administrations` },
      (level, message, extra) => {
        if (level === 'error') this.logger.error(message, extra);
        else if (level === 'warn') this.logger.warn(message);
      },
    );
    const groupId = `${this.config.processor.groupId}-administrations`;
    this.consumer = new BatchConsumer(kafka, {
      groupId,
      topic: TOPICS.medicationAdministrations,
      partitionsConsumedConcurrently: 1,
      sessionTimeoutMs: this.config.processor.sessionTimeoutMs,
      commitIntervalMs: this.config.processor.commitIntervalMs,
      onStopTimeout: () =>
        this.logger.warn('Kafka did not confirm the consumer leaving its group; its session will expire'),
      onBatchFailed: (error, at) =>
        this.logger.warn(
          `batch ${at.topic}/${at.partition}@${at.firstOffset} failed (${(error as Error).message}); retrying in ${at.retryInMs} ms`,
        ),
      restart: {
        attempts: this.config.processor.restartAttempts,
        backoffMs: this.config.processor.restartBackoffMs,
      },
      onCrash: (error, recovery) => {
        if (recovery.by === 'nobody') {
          this.logger.error(
            `the administration consumer could not be restarted (${(error as Error)?.message ?? String(error)}): no administration is taken`,
          );
        }
      },
    });
    const consumer = this.consumer;
    this.health.watch(() => consumer.status);
    await consumer.start(async (batch) => {
      await this.intake.processBatch(batch);
    });
    this.logger.log(`consuming ${TOPICS.medicationAdministrations} as group ${groupId}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
  }
}
