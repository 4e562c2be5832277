import { Module } from '@nestjs/common';
import { CareTeamModule } from '../care-teams/care-team.module';
import { RuleSetController } from './rule-set.controller';
import { RuleOverrideRepository } from './rule-set.repository';
import { RuleSetService } from './rule-set.service';
import { SiteRuleSetService } from './site-rule-set.service';

@Module({
  imports: [CareTeamModule],
  controllers: [RuleSetController],
  providers: [RuleSetService, SiteRuleSetService, RuleOverrideRepository],
  // A released result is graded with its site's rule set (patients).
  exports: [SiteRuleSetService],
})
export class RuleSetModule {}
