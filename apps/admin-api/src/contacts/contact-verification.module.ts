import { Module } from '@nestjs/common';
import { AcknowledgementModule } from '../acknowledgements/acknowledgement.module';
import { ContactVerificationController } from './contact-verification.controller';
import { ContactConfirmationRepository } from './contact-verification.repository';
import { ContactVerificationService, OutboxContactVerification } from './contact-verification.service';

@Module({
  imports: [AcknowledgementModule],
  controllers: [ContactVerificationController],
  providers: [ContactVerificationService, OutboxContactVerification, ContactConfirmationRepository],
  exports: [OutboxContactVerification],
})
export class ContactVerificationModule {}
