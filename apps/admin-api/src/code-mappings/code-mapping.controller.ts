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
  CodeMappingDto,
  CodeMappingIdParams,
  CodeMappingPageDto,
  CodeMappingQueryDto,
  CreateCodeMappingDto,
  UpdateCodeMappingDto,
} from './code-mapping.dto';
import { CodeMappingService } from './code-mapping.service';

@ApiTags('code-mappings')
@Controller('code-mappings')
@Roles('admin')
export class CodeMappingController {
  constructor(private readonly mappings: CodeMappingService) {}

  @Get()
  @ApiOperation({ summary: 'Per-sender code mappings (local code in its system → LOINC, default unit)' })
  @ApiOkResponse({ type: CodeMappingPageDto })
  list(@Query() query: CodeMappingQueryDto, @RequestedFormat() format: ListFormat) {
    return this.mappings.list(query, format);
  }

  @Post()
  @ApiOperation({ summary: 'Map a sender’s local code' })
  @ApiCreatedResponse({ type: CodeMappingDto })
  create(@Actor() actor: RequestActor, @Body() body: CreateCodeMappingDto) {
    return this.mappings.create(actor, body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A code mapping' })
  @ApiOkResponse({ type: CodeMappingDto })
  get(@Param() params: CodeMappingIdParams) {
    return this.mappings.get(params.id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change what a code maps to, or its default unit' })
  @ApiOkResponse({ type: CodeMappingDto })
  update(
    @Actor() actor: RequestActor,
    @Param() params: CodeMappingIdParams,
    @Body() body: UpdateCodeMappingDto,
  ) {
    return this.mappings.update(actor, params.id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a code mapping' })
  @ApiNoContentResponse()
  delete(@Actor() actor: RequestActor, @Param() params: CodeMappingIdParams) {
    return this.mappings.delete(actor, params.id);
  }
}
