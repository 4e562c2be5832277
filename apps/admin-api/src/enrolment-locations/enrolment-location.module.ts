import { Module } from '@nestjs/common';
import { CareTeamModule } from '../care-teams/care-team.module';
import { EnrolmentLocationController } from './enrolment-location.controller';
import { EnrolmentLocationRepository } from './enrolment-location.repository';
import { EnrolmentLocationService } from './enrolment-location.service';

@Module({
  // A location enrols into a site that exists, and a care team of that site.
  imports: [CareTeamModule],
  controllers: [EnrolmentLocationController],
  providers: [EnrolmentLocationService, EnrolmentLocationRepository],
})
export class EnrolmentLocationModule {}
