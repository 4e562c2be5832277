import { Module } from '@nestjs/common';
import { AcknowledgementModule } from '../acknowledgements/acknowledgement.module';
import { ContactVerificationController } from './contact-verification.controller';
import { ContactVerificationService, OutboxContactVerification } from './contact-verification.service';

@Module({
  imports: [AcknowledgementModule],
  controllers: [ContactVerificationController],
  providers: [ContactVerificationService, OutboxContactVerification],
  exports: [OutboxContactVerification],
})
export class ContactVerificationModule {}
