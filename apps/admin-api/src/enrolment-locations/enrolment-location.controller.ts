import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '@alem/access';
import { RequestedFormat } from '../common/csv-export.interceptor';
import { type ListFormat } from '../common/pagination';
import { Actor, type RequestActor } from '../common/request-actor';
import {
  CreateEnrolmentLocationDto,
  EnrolmentLocationDto,
  EnrolmentLocationIdParams,
  EnrolmentLocationPageDto,
  EnrolmentLocationQueryDto,
  UpdateEnrolmentLocationDto,
} from './enrolment-location.dto';
import { EnrolmentLocationService } from './enrolment-location.service';

@ApiTags('enrolment-locations')
@Controller('enrolment-locations')
@Roles('admin')
export class EnrolmentLocationController {
  constructor(private readonly locations: EnrolmentLocationService) {}

  @Get()
  @ApiOperation({
    summary: 'Where a sender’s locations enrol a patient first seen in the infusion record (site, care team)',
  })
  @ApiOkResponse({ type: EnrolmentLocationPageDto })
  list(@Query() query: EnrolmentLocationQueryDto, @RequestedFormat() format: ListFormat) {
    return this.locations.list(query, format);
  }

  @Post()
  @ApiOperation({ summary: 'Map a sender’s location (or * for its others) to a site and care team' })
  @ApiCreatedResponse({ type: EnrolmentLocationDto })
  create(@Actor() actor: RequestActor, @Body() body: CreateEnrolmentLocationDto) {
    return this.locations.create(actor, body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'An enrolment location' })
  @ApiOkResponse({ type: EnrolmentLocationDto })
  get(@Param() params: EnrolmentLocationIdParams) {
    return this.locations.get(params.id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change the site, care team or indication a location enrols into' })
  @ApiOkResponse({ type: EnrolmentLocationDto })
  update(
    @Actor() actor: RequestActor,
    @Param() params: EnrolmentLocationIdParams,
    @Body() body: UpdateEnrolmentLocationDto,
  ) {
    return this.locations.update(actor, params.id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove an enrolment location' })
  @ApiNoContentResponse()
  delete(@Actor() actor: RequestActor, @Param() params: EnrolmentLocationIdParams) {
    return this.locations.delete(actor, params.id);
  }
}
