import { Module } from '@nestjs/common';
import { CareTeamModule } from '../care-teams/care-team.module';
import { MonitoringConfigService } from './monitoring-config.service';
import { MonitoringQueryRepository } from './monitoring-query.repository';
import {
  FeedController,
  MonitoringController,
  PatientMonitoringController,
  SiteMonitoringController,
} from './monitoring.controller';
import { MonitoringService } from './monitoring.service';

@Module({
  // Site and care team checks.
  imports: [CareTeamModule],
  controllers: [PatientMonitoringController, MonitoringController, SiteMonitoringController, FeedController],
  providers: [MonitoringService, MonitoringConfigService, MonitoringQueryRepository],
})
export class MonitoringModule {}
