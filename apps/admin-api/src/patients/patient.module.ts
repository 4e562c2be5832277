import { Module } from '@nestjs/common';
import { CareTeamModule } from '../care-teams/care-team.module';
import { RuleSetModule } from '../rule-sets/rule-set.module';
import { PatientController } from './patient.controller';
import { PatientRepository } from './patient.repository';
import { PatientService } from './patient.service';
import { ResultReleaseService } from './result-release.service';

@Module({
  // A released result is graded with its site's rule set; a patient's care team belongs to its site.
  imports: [RuleSetModule, CareTeamModule],
  controllers: [PatientController],
  providers: [PatientService, PatientRepository, ResultReleaseService],
})
export class PatientModule {}
