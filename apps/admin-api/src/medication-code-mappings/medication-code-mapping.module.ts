import { Module } from '@nestjs/common';
import { MedicationCodeMappingController } from './medication-code-mapping.controller';
import { MedicationCodeMappingRepository } from './medication-code-mapping.repository';
import { MedicationCodeMappingService } from './medication-code-mapping.service';

@Module({
  controllers: [MedicationCodeMappingController],
  providers: [MedicationCodeMappingService, MedicationCodeMappingRepository],
})
export class MedicationCodeMappingModule {}
