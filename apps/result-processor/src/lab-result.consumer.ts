import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type AppConfig, InjectConfig } from '@alem/runtime';
import { BatchConsumer, createKafka, type CrashRecovery, MessageProducer, TOPICS } from '@alem/messaging';
import { ConsumerHealthIndicator } from '@alem/ops';
import { AdministrationIntakeService } from './administrations/administration-intake.service';
import { CodeMappingCache } from './code-mapping-cache';
import { EnrolmentCache } from './enrolment-cache';
import { FeedActivityRecorder } from './feed-activity.recorder';
import { ProcessorMetrics } from './processor.metrics';
import { ResultIntakeService } from './result-intake.service';
import { RuleSetCache } from './rule-set-cache';
import { SenderRegistrationCache } from './sender-registration-cache';

/**
 * The processor's intake from `lab.results.v1` and `medication.administrations.v1` (issue 18: the courses come
 * from the infusion record): one consumer group reading both in batches, each batch (one partition of one topic)
 * taken by its topic's intake; offsets are committed
 * only after a batch's transaction has committed. Started when the app boots; stopped (intake first, then
 * the producer) when it shuts down. A consumer that crashed restarts (`/health` is down meanwhile); one that
 * cannot be restarted settles `stoppedForGood`, and the process run alone then ends (main.ts).
 */
@Injectable()
export class LabResultConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LabResultConsumer.name);
  private consumer: BatchConsumer | null = null;
  private giveUp: (reason: unknown) => void = () => undefined;
  /** Resolves with the last error when the consumer crashed and could not be restarted: nothing is consumed. */
  readonly stoppedForGood = new Promise<unknown>((resolve) => (this.giveUp = resolve));

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly intake: ResultIntakeService,
    private readonly administrations: AdministrationIntakeService,
    private readonly enrolment: EnrolmentCache,
    private readonly codeMappings: CodeMappingCache,
    private readonly ruleSets: RuleSetCache,
    private readonly senders: SenderRegistrationCache,
    private readonly feeds: FeedActivityRecorder,
    private readonly producer: MessageProducer,
    private readonly health: ConsumerHealthIndicator,
    private readonly metrics: ProcessorMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.enrolment.start();
    await this.codeMappings.start();
    await this.ruleSets.start();
    await this.senders.start();
    this.feeds.start();
    await this.producer.connect();
    const kafka = createKafka(
      { ...this.config.kafka, clientId: `${this.config.kafka.clientId}-processor` },
      (level, message, extra) => {
        if (level === 'error') this.logger.error(message, extra);
        else if (level === 'warn') this.logger.warn(message);
      },
    );
    this.consumer = new BatchConsumer(kafka, {
      groupId: this.config.processor.groupId,
      topic: [TOPICS.labResults, TOPICS.medicationAdministrations],
      partitionsConsumedConcurrently: this.config.processor.partitionsConcurrently,
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
      onCrash: (error, recovery) => this.crashed(error, recovery),
    });
    const consumer = this.consumer;
    this.health.watch(() => consumer.status);
    await this.consumer.start(async (batch) => {
      if (batch.topic === TOPICS.medicationAdministrations) await this.administrations.processBatch(batch);
      else await this.intake.processBatch(batch);
    });
    this.logger.log(
      `consuming ${TOPICS.labResults} and ${TOPICS.medicationAdministrations} as group ${this.config.processor.groupId}; ${this.enrolment.size} enrolled identifiers`,
    );
  }

  private crashed(error: unknown, recovery: CrashRecovery): void {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    switch (recovery.by) {
      case 'kafkajs':
        // kafkajs logs the crash and its restart itself.
        this.metrics.consumerRestarts.inc({ by: 'kafkajs' });
        return;
      case 'consumer':
        this.metrics.consumerRestarts.inc({ by: 'processor' });
        this.logger.error(
          `the Kafka consumer stopped on an error kafkajs will not retry (${reason}); restarting it in ${recovery.inMs} ms (attempt ${recovery.attempt} of ${recovery.attempts}); nothing is consumed meanwhile`,
        );
        return;
      case 'nobody':
        this.logger.error(
          `the Kafka consumer could not be restarted (${recovery.attempts} restarts in a row; last error ${reason}): this processor consumes nothing`,
        );
        this.giveUp(error);
    }
  }

  /** Before anything closes: stop intake (the batch in hand finishes and commits), then the producer. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
    await this.feeds.stop();
    await this.producer.disconnect();
  }
}
