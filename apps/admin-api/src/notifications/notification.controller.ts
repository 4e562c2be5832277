import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@alem/access';
import { CsvExport, RequestedFormat } from '../common/csv-export.interceptor';
import { type ListFormat } from '../common/pagination';
import {
  AttemptPageDto,
  AttemptQueryDto,
  NotificationDetailDto,
  NotificationIdParams,
  NotificationPageDto,
  NotificationQueryDto,
} from './notification.dto';
import { ATTEMPT_CSV_COLUMNS, NOTIFICATION_CSV_COLUMNS, NotificationService } from './notification.service';

@ApiTags('notifications')
@Controller()
@Roles('admin', 'auditor')
export class NotificationController {
  constructor(private readonly notifications: NotificationService) {}

  @Get('notifications')
  @CsvExport({ filename: 'notifications', columns: NOTIFICATION_CSV_COLUMNS })
  @ApiOperation({ summary: 'Notifications (the outbox): one per alert change people had to hear about' })
  @ApiOkResponse({ type: NotificationPageDto })
  list(@Query() query: NotificationQueryDto, @RequestedFormat() format: ListFormat) {
    return this.notifications.list(query, format);
  }

  @Get('notifications/:id')
  @ApiOperation({ summary: 'A notification with its deliveries (person × contact) and every attempt' })
  @ApiOkResponse({ type: NotificationDetailDto })
  get(@Param() params: NotificationIdParams) {
    return this.notifications.get(params.id);
  }

  @Get('delivery-attempts')
  @CsvExport({ filename: 'delivery-attempts', columns: ATTEMPT_CSV_COLUMNS })
  @ApiOperation({ summary: 'Every delivery attempt with the provider’s answer (JSON or CSV)' })
  @ApiOkResponse({ type: AttemptPageDto })
  attempts(@Query() query: AttemptQueryDto, @RequestedFormat() format: ListFormat) {
    return this.notifications.attempts(query, format);
  }
}
