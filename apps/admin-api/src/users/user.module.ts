import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ContactVerificationModule } from '../contacts/contact-verification.module';
import { OutboxContactVerification } from '../contacts/contact-verification.service';
import { ContactVerification } from './contact-verification';
import { UserController } from './user.controller';
import { UserRepository } from './user.repository';
import { UserService } from './user.service';

@Module({
  imports: [ContactVerificationModule, AuthModule],
  controllers: [UserController],
  // A new or changed contact point is sent a verification code at once; until confirmed it receives no alerts.
  providers: [
    UserService,
    UserRepository,
    { provide: ContactVerification, useExisting: OutboxContactVerification },
  ],
})
export class UserModule {}
