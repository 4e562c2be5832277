import { Module } from '@nestjs/common';
import { RuleSetController } from './rule-set.controller';
import { RuleSetService } from './rule-set.service';
import { SiteRuleSetService } from './site-rule-set.service';

@Module({
  controllers: [RuleSetController],
  providers: [RuleSetService, SiteRuleSetService],
  // A released result is graded with its site's rule set (patients).
  exports: [SiteRuleSetService],
})
export class RuleSetModule {}
