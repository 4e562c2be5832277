import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { OpsModule } from '@alem/ops';
import { DatabaseModule } from '@alem/persistence';
import {
  DisabledSmsDriver,
  MailDriver,
  QUEUES,
  SmsDriver,
  SmtpMailDriver,
  TwilioSmsDriver,
} from '@alem/notifications';
import {
  ackTokenSecret,
  type AppConfig,
  APP_CONFIG,
  loggerParams,
  redisConnection,
  RuntimeModule,
  type RuntimeOptions,
} from '@alem/runtime';
import { ContactVerificationProcessor } from './contact-verification.processor';
import { DeliveryProcessor, deliveryProcessorClass } from './delivery.processor';
import { DeliveryService } from './delivery.service';
import { DispatchService } from './dispatch.service';
import { EscalationService } from './escalation.service';
import { EscalationSweeper } from './escalation.sweeper';
import { FailoverHandler } from './failover.handler';
import { NotificationDispatchProcessor } from './notification-dispatch.processor';
import { NotifierMetrics } from './notifier.metrics';
import { NOTIFIER_SETTINGS, notifierSettings } from './notifier.settings';
import { DEFAULT_RELAY_SETTINGS, OutboxRelay, RELAY_SETTINGS, type RelaySettings } from './outbox-relay';
import { QueueHandlerCheck } from './queue-handler.check';
import { SmsCallbackUrl } from './sms-callback-url';
import { SmsStatusController } from './sms-status.controller';

export interface NotifierOptions extends RuntimeOptions {
  relay?: Partial<RelaySettings>;
}

/**
 * The notifier: outbox rows in; email and SMS out, with a row per attempt; escalation until acknowledged. Works as
 * an application context (the demo, tests) or as an HTTP app (`createNotifierApp`: SMS receipts, /health,
 * /metrics).
 */
@Module({})
export class NotifierModule {
  static forRoot(options: NotifierOptions): DynamicModule {
    const { config } = options;
    const connection = redisConnection(config.redis.url);
    return {
      module: NotifierModule,
      imports: [
        RuntimeModule.forRoot(options),
        LoggerModule.forRoot(loggerParams(config, 'notifier')),
        DiscoveryModule,
        DatabaseModule.forRoot({
          url: config.database.url,
          poolSize: config.database.poolSize,
          applicationName: 'notifier',
        }),
        // GET /health and GET /metrics when the app serves HTTP (main.ts).
        OpsModule.forRoot({ checks: ['postgres', 'redis'] }),
        BullModule.forRoot({
          connection: { ...connection, maxRetriesPerRequest: null },
          prefix: config.redis.prefix,
        }),
        // While Redis is away, adding a job waits for it; the outbox row stays in Postgres until the job exists.
        BullModule.registerQueue(...Object.values(QUEUES).map((name) => ({ name }))),
      ],
      controllers: [SmsStatusController],
      providers: [
        // A queued delivery is looked at again once a job lock has passed (its job may have died with a notifier).
        {
          provide: RELAY_SETTINGS,
          useValue: { ...DEFAULT_RELAY_SETTINGS, staleAfterMs: config.notify.jobLockMs, ...options.relay },
        },
        {
          provide: NOTIFIER_SETTINGS,
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => notifierSettings(c, ackTokenSecret(c)),
        },
        {
          provide: MailDriver,
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) =>
            new SmtpMailDriver({
              url: c.smtp.url,
              from: c.smtp.from,
              tlsRejectUnauthorized: c.smtp.tlsRejectUnauthorized,
            }),
        },
        {
          provide: SmsDriver,
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) =>
            c.notify.sms
              ? new TwilioSmsDriver({
                  baseUrl: c.notify.sms.providerUrl,
                  accountSid: c.notify.sms.accountSid,
                  authToken: c.notify.sms.authToken,
                  from: c.notify.sms.from,
                  requestTimeoutMs: c.notify.sms.requestTimeoutMs,
                })
              : new DisabledSmsDriver(),
        },
        NotifierMetrics,
        SmsCallbackUrl,
        OutboxRelay,
        FailoverHandler,
        EscalationService,
        DispatchService,
        DeliveryService,
        NotificationDispatchProcessor,
        { provide: DeliveryProcessor, useClass: deliveryProcessorClass(config.notify.jobLockMs) },
        ContactVerificationProcessor,
        EscalationSweeper,
        QueueHandlerCheck,
      ],
    };
  }
}
