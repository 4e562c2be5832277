import { Module } from '@nestjs/common';
import { CareTeamController, SiteController } from './care-team.controller';
import { CareTeamRepository } from './care-team.repository';
import { CareTeamService } from './care-team.service';

@Module({
  controllers: [SiteController, CareTeamController],
  providers: [CareTeamService, CareTeamRepository],
  // Other features check sites and care teams here.
  exports: [CareTeamRepository],
})
export class CareTeamModule {}
