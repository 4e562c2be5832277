import { Controller, Get, Header, Param, Query, UseFilters } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Roles } from '@alem/access';
import { Actor, type RequestActor } from '../common/request-actor';
import { FHIR_JSON } from '@alem/fhir';
import { FhirExceptionFilter } from './fhir-exception.filter';
import { DetectedIssueSearchDto, FhirIdParams } from './fhir.dto';
import { FhirService } from './fhir.service';

const R4 = 'https://hl7.org/fhir/R4';
const resource = (resourceType: string, description: string) => ({
  description,
  schema: {
    type: 'object' as const,
    description: `A FHIR R4 ${resourceType} (${R4}/${resourceType.toLowerCase()}.html)`,
    properties: { resourceType: { type: 'string', enum: [resourceType] } },
    required: ['resourceType'],
    additionalProperties: true,
  },
});

/**
 * Alerts as FHIR R4 for an EHR to show (read-only): an alert is a DetectedIssue, its acknowledgement a Task.
 * The roles, the patient scope (another team's alert is 404, as in the JSON API) and the audit of `GET
 * /alerts/:id`; answers and errors (OperationOutcome) in `application/fhir+json`.
 */
@ApiTags('fhir')
@Controller('fhir/R4')
@UseFilters(FhirExceptionFilter)
export class FhirController {
  constructor(private readonly fhir: FhirService) {}

  @Get('DetectedIssue')
  @Roles('admin', 'clinician', 'auditor')
  @Header('Content-Type', FHIR_JSON)
  @ApiProduces(FHIR_JSON)
  @ApiOperation({
    summary: 'Alerts as DetectedIssues, newest first: a searchset Bundle (by patient and status, paged)',
  })
  @ApiOkResponse(resource('Bundle', 'A searchset Bundle of DetectedIssues (and their Tasks when asked)'))
  search(@Actor() actor: RequestActor, @Query() query: DetectedIssueSearchDto) {
    return this.fhir.search(actor, query);
  }

  @Get('DetectedIssue/:id')
  @Roles('admin', 'clinician', 'auditor')
  @Header('Content-Type', FHIR_JSON)
  @ApiProduces(FHIR_JSON)
  @ApiOperation({ summary: 'An alert as a DetectedIssue (severity, rule, evidence, acknowledgement)' })
  @ApiOkResponse(resource('DetectedIssue', 'The alert as a DetectedIssue'))
  @ApiNotFoundResponse(resource('OperationOutcome', 'No such alert, or not one of the caller’s patients'))
  read(@Actor() actor: RequestActor, @Param() params: FhirIdParams) {
    return this.fhir.read(actor, params.id);
  }
}
