import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '@alem/access';
import { RequestedFormat } from '../common/csv-export.interceptor';
import { type ListFormat } from '../common/pagination';
import { Actor, type RequestActor } from '../common/request-actor';
import { DlqDetailDto, DlqIdParams, DlqPageDto, DlqQueryDto, DlqRecordDto } from './dlq.dto';
import { DlqService } from './dlq.service';

@ApiTags('dlq')
@Controller('dlq')
@Roles('admin')
export class DlqController {
  constructor(private readonly dlq: DlqService) {}

  @Get()
  @ApiOperation({ summary: 'Dead-lettered messages with their reasons (no keys or payloads)' })
  @ApiOkResponse({ type: DlqPageDto })
  list(@Query() query: DlqQueryDto, @RequestedFormat() format: ListFormat) {
    return this.dlq.list(query, format);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A dead-lettered message with its key and payload (audited: patient data)' })
  @ApiOkResponse({ type: DlqDetailDto })
  get(@Actor() actor: RequestActor, @Param() params: DlqIdParams) {
    return this.dlq.get(actor, params.id);
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Produce the original message back to lab.results.v1 (once per record)' })
  @ApiOkResponse({ type: DlqRecordDto })
  @ApiConflictResponse({ description: 'Already replayed' })
  @ApiServiceUnavailableResponse({ description: 'Kafka refused; nothing replayed' })
  replay(@Actor() actor: RequestActor, @Param() params: DlqIdParams) {
    return this.dlq.replay(actor, params.id);
  }
}
