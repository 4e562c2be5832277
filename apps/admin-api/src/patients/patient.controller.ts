import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '@alem/access';
import { CsvExport, RequestedFormat } from '../common/csv-export.interceptor';
import { type ListFormat } from '../common/pagination';
import { Actor, type RequestActor } from '../common/request-actor';
import {
  AddIdentifierDto,
  ClinicalFlagsDto,
  ClinicalFlagsInputDto,
  CourseDto,
  CourseEventPageDto,
  CourseEventQueryDto,
  CourseListDto,
  CourseParams,
  CreateCourseDto,
  CreatePatientDto,
  IdentifierQueryDto,
  PatientDetailDto,
  PatientIdParams,
  PatientPageDto,
  PatientQueryDto,
  ReleaseResultDto,
  ResultPageDto,
  ResultParams,
  ResultQueryDto,
  ResultReleaseDto,
  UpdateCourseDto,
  UpdatePatientDto,
} from './patient.dto';
import { PatientService, RESULT_CSV_COLUMNS } from './patient.service';
import { ResultReleaseService } from './result-release.service';

/** Clinicians see the patients of their own care teams only (in the SQL of every query); admins enrol. */
@ApiTags('patients')
@Controller('patients')
export class PatientController {
  constructor(
    private readonly patients: PatientService,
    private readonly releases: ResultReleaseService,
  ) {}

  @Get()
  @Roles('admin', 'clinician')
  @ApiOperation({ summary: 'Enrolled patients (a clinician: of their care teams only)' })
  @ApiOkResponse({ type: PatientPageDto })
  list(@Actor() actor: RequestActor, @Query() query: PatientQueryDto, @RequestedFormat() format: ListFormat) {
    return this.patients.list(actor, query, format);
  }

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Enrol a patient: identifiers, indication, demographics, care team, courses' })
  @ApiCreatedResponse({ type: PatientDetailDto })
  create(@Actor() actor: RequestActor, @Body() body: CreatePatientDto) {
    return this.patients.create(actor, body);
  }

  @Get(':id')
  @Roles('admin', 'clinician')
  @ApiOperation({ summary: 'A patient with identifiers and treatment courses' })
  @ApiOkResponse({ type: PatientDetailDto })
  get(@Actor() actor: RequestActor, @Param() params: PatientIdParams) {
    return this.patients.get(actor, params.id);
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Change demographics, indication, care team, or end/resume the enrolment' })
  @ApiOkResponse({ type: PatientDetailDto })
  update(@Actor() actor: RequestActor, @Param() params: PatientIdParams, @Body() body: UpdatePatientDto) {
    return this.patients.update(actor, params.id, body);
  }

  @Put(':id/clinical-flags')
  @Roles('admin', 'clinician')
  @ApiOperation({
    summary:
      'Set clinical flags the rules read (pregnant, knownHaemophilia, bleedingEventRecorded, onHeparin); ' +
      'flags left out keep their value. Clinicians: patients of their care teams',
  })
  @ApiOkResponse({ type: ClinicalFlagsDto })
  setClinicalFlags(
    @Actor() actor: RequestActor,
    @Param() params: PatientIdParams,
    @Body() body: ClinicalFlagsInputDto,
  ) {
    return this.patients.setClinicalFlags(actor, params.id, body);
  }

  @Post(':id/identifiers')
  @Roles('admin')
  @ApiOperation({ summary: 'Add an identifier (with its assigning authority)' })
  @ApiCreatedResponse({ type: PatientDetailDto })
  addIdentifier(
    @Actor() actor: RequestActor,
    @Param() params: PatientIdParams,
    @Body() body: AddIdentifierDto,
  ) {
    return this.patients.addIdentifier(actor, params.id, body);
  }

  @Delete(':id/identifiers')
  @Roles('admin')
  @ApiOperation({ summary: 'Remove an identifier (the last one stays)' })
  @ApiOkResponse({ type: PatientDetailDto })
  removeIdentifier(
    @Actor() actor: RequestActor,
    @Param() params: PatientIdParams,
    @Query() query: IdentifierQueryDto,
  ) {
    return this.patients.removeIdentifier(actor, params.id, query);
  }

  @Get(':id/results')
  @Roles('admin', 'clinician')
  @CsvExport({ filename: 'results', columns: RESULT_CSV_COLUMNS })
  @ApiOperation({ summary: 'The patient’s stored results, newest first' })
  @ApiOkResponse({ type: ResultPageDto })
  results(
    @Actor() actor: RequestActor,
    @Param() params: PatientIdParams,
    @Query() query: ResultQueryDto,
    @RequestedFormat() format: ListFormat,
  ) {
    return this.patients.results(actor, params.id, query, format);
  }

  @Post(':id/results/:resultId/release')
  // Like acknowledging an alert: a clinician of the patient's care team, or an admin.
  @Roles('clinician', 'admin')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Release a result a data-quality rule holds for review (DD-4: an implausible D-dimer jump): it is graded ' +
      'once with the site’s rule set, and what that raises is alerted and notified. Clinicians: patients of ' +
      'their care teams',
  })
  @ApiOkResponse({ type: ResultReleaseDto })
  @ApiNotFoundResponse({ description: 'No such patient (for this caller), or no such result of the patient' })
  @ApiConflictResponse({
    description: 'The result is not held, was already released, or the lab has corrected or deleted it',
  })
  release(@Actor() actor: RequestActor, @Param() params: ResultParams, @Body() body: ReleaseResultDto) {
    return this.releases.release(actor, params.id, params.resultId, body);
  }

  @Get(':id/courses')
  @Roles('admin', 'clinician')
  @ApiOperation({ summary: 'Treatment courses (infusion days)' })
  @ApiOkResponse({ type: CourseListDto })
  courses(@Actor() actor: RequestActor, @Param() params: PatientIdParams) {
    return this.patients.courses(actor, params.id);
  }

  @Get(':id/course-events')
  @Roles('admin', 'clinician')
  @ApiOperation({
    summary:
      'The courses’ timeline, newest first: what each administration from the infusion record changed, and ' +
      'the anomalies of the plan. Clinicians: patients of their care teams',
  })
  @ApiOkResponse({ type: CourseEventPageDto })
  courseEvents(
    @Actor() actor: RequestActor,
    @Param() params: PatientIdParams,
    @Query() query: CourseEventQueryDto,
    @RequestedFormat() format: ListFormat,
  ) {
    return this.patients.courseEvents(actor, params.id, query, format);
  }

  @Post(':id/courses')
  @Roles('admin')
  @ApiOperation({ summary: 'Record a treatment course' })
  @ApiCreatedResponse({ type: CourseDto })
  createCourse(
    @Actor() actor: RequestActor,
    @Param() params: PatientIdParams,
    @Body() body: CreateCourseDto,
  ) {
    return this.patients.createCourse(actor, params.id, body);
  }

  @Patch(':id/courses/:courseId')
  @Roles('admin')
  @ApiOperation({ summary: 'Correct a treatment course' })
  @ApiOkResponse({ type: CourseDto })
  updateCourse(@Actor() actor: RequestActor, @Param() params: CourseParams, @Body() body: UpdateCourseDto) {
    return this.patients.updateCourse(actor, params.id, params.courseId, body);
  }

  @Delete(':id/courses/:courseId')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a treatment course entered in error' })
  @ApiNoContentResponse()
  deleteCourse(@Actor() actor: RequestActor, @Param() params: CourseParams) {
    return this.patients.deleteCourse(actor, params.id, params.courseId);
  }
}
