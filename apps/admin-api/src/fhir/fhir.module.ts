import { Module } from '@nestjs/common';
import { FhirController } from './fhir.controller';
import { FhirAlertRepository } from './fhir.repository';
import { FhirService } from './fhir.service';

@Module({ controllers: [FhirController], providers: [FhirService, FhirAlertRepository] })
export class FhirModule {}
