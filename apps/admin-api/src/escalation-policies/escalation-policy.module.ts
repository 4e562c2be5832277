import { Module } from '@nestjs/common';
import { EscalationPolicyController } from './escalation-policy.controller';
import { EscalationPolicyService } from './escalation-policy.service';

@Module({ controllers: [EscalationPolicyController], providers: [EscalationPolicyService] })
export class EscalationPolicyModule {}
