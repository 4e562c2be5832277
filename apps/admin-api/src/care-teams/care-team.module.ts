import { Module } from '@nestjs/common';
import { CareTeamController, SiteController } from './care-team.controller';
import { CareTeamService } from './care-team.service';

@Module({ controllers: [SiteController, CareTeamController], providers: [CareTeamService] })
export class CareTeamModule {}
