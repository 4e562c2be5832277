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
  CreateMedicationCodeMappingDto,
  MedicationCodeMappingDto,
  MedicationCodeMappingIdParams,
  MedicationCodeMappingPageDto,
  MedicationCodeMappingQueryDto,
  UpdateMedicationCodeMappingDto,
} from './medication-code-mapping.dto';
import { MedicationCodeMappingService } from './medication-code-mapping.service';

/** Like the lab code mappings: admins only, reads included. */
@ApiTags('medication-code-mappings')
@Controller('medication-code-mappings')
@Roles('admin')
export class MedicationCodeMappingController {
  constructor(private readonly mappings: MedicationCodeMappingService) {}

  @Get()
  @ApiOperation({
    summary: 'Which medication codes are alemtuzumab (per sender, or * for every sender: RxNorm)',
  })
  @ApiOkResponse({ type: MedicationCodeMappingPageDto })
  list(@Query() query: MedicationCodeMappingQueryDto, @RequestedFormat() format: ListFormat) {
    return this.mappings.list(query, format);
  }

  @Post()
  @ApiOperation({ summary: 'Map a medication code (a sender’s local code, or a shared one) to alemtuzumab' })
  @ApiCreatedResponse({ type: MedicationCodeMappingDto })
  create(@Actor() actor: RequestActor, @Body() body: CreateMedicationCodeMappingDto) {
    return this.mappings.create(actor, body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A medication code mapping' })
  @ApiOkResponse({ type: MedicationCodeMappingDto })
  get(@Param() params: MedicationCodeMappingIdParams) {
    return this.mappings.get(params.id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change the product a medication code stands for, or its description' })
  @ApiOkResponse({ type: MedicationCodeMappingDto })
  update(
    @Actor() actor: RequestActor,
    @Param() params: MedicationCodeMappingIdParams,
    @Body() body: UpdateMedicationCodeMappingDto,
  ) {
    return this.mappings.update(actor, params.id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a medication code mapping (the code’s administrations are then ignored)' })
  @ApiNoContentResponse()
  delete(@Actor() actor: RequestActor, @Param() params: MedicationCodeMappingIdParams) {
    return this.mappings.delete(actor, params.id);
  }
}
