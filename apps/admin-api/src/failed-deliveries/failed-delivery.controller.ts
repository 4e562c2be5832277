import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@alem/access';
import { RequestedFormat } from '../common/csv-export.interceptor';
import { type ListFormat } from '../common/pagination';
import { Actor, type RequestActor } from '../common/request-actor';
import {
  FailedDeliveryDto,
  FailedDeliveryIdParams,
  FailedDeliveryPageDto,
  FailedDeliveryQueryDto,
} from './failed-delivery.dto';
import { FailedDeliveryService } from './failed-delivery.service';

@ApiTags('notifications')
@Controller('failed-deliveries')
export class FailedDeliveryController {
  constructor(private readonly deliveries: FailedDeliveryService) {}

  @Get()
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'Deliveries that failed for good (the notifications’ dead-letter list)' })
  @ApiOkResponse({ type: FailedDeliveryPageDto })
  list(@Query() query: FailedDeliveryQueryDto, @RequestedFormat() format: ListFormat) {
    return this.deliveries.list(query, format);
  }

  @Post(':id/replay')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a failed delivery again, under its old job id (once per delivery)' })
  @ApiOkResponse({ type: FailedDeliveryDto })
  @ApiConflictResponse({ description: 'Already replayed, or not failed' })
  replay(@Actor() actor: RequestActor, @Param() params: FailedDeliveryIdParams) {
    return this.deliveries.replay(actor, params.id);
  }
}
