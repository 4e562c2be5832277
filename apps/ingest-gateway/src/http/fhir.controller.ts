import { Body, Controller, Header, Headers, HttpCode, Post, UseGuards } from '@nestjs/common';
import { type OperationOutcome } from '@medplum/fhirtypes';
import { type ApiKeyPrincipal } from '@alem/access';
import { FHIR_JSON } from '@alem/fhir';
import { ApiKeyGuard, Lab } from './api-key.guard';
import { FhirSubmissionService } from './fhir-submission.service';

/**
 * FHIR R4 in, for labs and EHRs that speak FHIR: one Observation or one MedicationAdministration, or a
 * transaction Bundle posted to the base. 202 with an OperationOutcome (information: each resource and the
 * control id it was accepted as) once Kafka acknowledged; every refusal is an OperationOutcome too (`IngestExceptionFilter`).
 */
@Controller('fhir/R4')
@UseGuards(ApiKeyGuard)
export class FhirController {
  constructor(private readonly submissions: FhirSubmissionService) {}

  @Post('Observation')
  @HttpCode(202)
  @Header('Content-Type', FHIR_JSON)
  observation(
    @Lab() lab: ApiKeyPrincipal,
    @Headers('content-type') contentType: string | undefined,
    @Body() body: unknown,
  ): Promise<OperationOutcome> {
    return this.submissions.submit(lab, contentType, body, 'Observation');
  }

  @Post('MedicationAdministration')
  @HttpCode(202)
  @Header('Content-Type', FHIR_JSON)
  medicationAdministration(
    @Lab() lab: ApiKeyPrincipal,
    @Headers('content-type') contentType: string | undefined,
    @Body() body: unknown,
  ): Promise<OperationOutcome> {
    return this.submissions.submit(lab, contentType, body, 'MedicationAdministration');
  }

  /** A transaction Bundle of Observations, MedicationAdministrations or both: taken or refused whole. */
  @Post()
  @HttpCode(202)
  @Header('Content-Type', FHIR_JSON)
  transaction(
    @Lab() lab: ApiKeyPrincipal,
    @Headers('content-type') contentType: string | undefined,
    @Body() body: unknown,
  ): Promise<OperationOutcome> {
    return this.submissions.submit(lab, contentType, body, 'Bundle');
  }
}
