import { Module } from '@nestjs/common';
import { CareTeamModule } from '../care-teams/care-team.module';
import { EscalationPolicyController } from './escalation-policy.controller';
import { EscalationPolicyRepository } from './escalation-policy.repository';
import { EscalationPolicyService } from './escalation-policy.service';

@Module({
  imports: [CareTeamModule],
  controllers: [EscalationPolicyController],
  providers: [EscalationPolicyService, EscalationPolicyRepository],
})
export class EscalationPolicyModule {}
