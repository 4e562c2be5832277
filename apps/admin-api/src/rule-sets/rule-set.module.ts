import { Module } from '@nestjs/common';
import { RuleSetController } from './rule-set.controller';
import { RuleSetService } from './rule-set.service';

@Module({ controllers: [RuleSetController], providers: [RuleSetService] })
export class RuleSetModule {}
