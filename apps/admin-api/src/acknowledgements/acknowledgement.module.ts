import { Module } from '@nestjs/common';
import { ackTokenSecret, type AppConfig, APP_CONFIG } from '@alem/runtime';
import { AcknowledgementController } from './acknowledgement.controller';
import { AcknowledgementRepository } from './acknowledgement.repository';
import { ACK_TOKEN_SECRET, AcknowledgementService } from './acknowledgement.service';

@Module({
  controllers: [AcknowledgementController],
  providers: [
    {
      provide: ACK_TOKEN_SECRET,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => ackTokenSecret(c),
    },
    AcknowledgementService,
    AcknowledgementRepository,
  ],
  exports: [ACK_TOKEN_SECRET],
})
export class AcknowledgementModule {}
