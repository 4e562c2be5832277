import { Module } from '@nestjs/common';
import { createKafka, MessageProducer } from '@alem/messaging';
import { type AppConfig, APP_CONFIG } from '@alem/runtime';
import { DlqController } from './dlq.controller';
import { DlqAdminRepository } from './dlq.repository';
import { DlqService } from './dlq.service';

@Module({
  controllers: [DlqController],
  providers: [
    {
      provide: MessageProducer,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        new MessageProducer(
          createKafka({ ...config.kafka, clientId: `${config.kafka.clientId}-admin-replay` }),
        ),
    },
    DlqService,
    DlqAdminRepository,
  ],
})
export class DlqModule {}
