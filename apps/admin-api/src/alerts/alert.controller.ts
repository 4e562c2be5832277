import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@alem/access';
import { CsvExport, RequestedFormat } from '../common/csv-export.interceptor';
import { type ListFormat } from '../common/pagination';
import { Actor, type RequestActor } from '../common/request-actor';
import {
  AcknowledgeAlertDto,
  AcknowledgementTimesDto,
  AcknowledgementTimesQueryDto,
  AlertDetailDto,
  AlertDto,
  AlertIdParams,
  AlertPageDto,
  AlertQueryDto,
  ReopenAlertDto,
  ResolveAlertDto,
} from './alert.dto';
import { ALERT_CSV_COLUMNS, AlertService } from './alert.service';

/** The alert log. Clinicians see and act on their care teams' patients' alerts only. */
@ApiTags('alerts')
@Controller('alerts')
export class AlertController {
  constructor(private readonly alerts: AlertService) {}

  @Get()
  @Roles('admin', 'clinician', 'auditor')
  @CsvExport({ filename: 'alerts', columns: ALERT_CSV_COLUMNS })
  @ApiOperation({ summary: 'Alerts, newest first, filtered (JSON or CSV)' })
  @ApiOkResponse({ type: AlertPageDto })
  list(@Actor() actor: RequestActor, @Query() query: AlertQueryDto, @RequestedFormat() format: ListFormat) {
    return this.alerts.list(actor, query, format);
  }

  // Before `:id`, which would take the name for an id.
  @Get('acknowledgement-times')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'Time to acknowledge (p50, p95) by severity over the last days (the overview)' })
  @ApiOkResponse({ type: AcknowledgementTimesDto })
  acknowledgementTimes(@Actor() actor: RequestActor, @Query() query: AcknowledgementTimesQueryDto) {
    return this.alerts.acknowledgementTimes(actor, query.days);
  }

  @Get(':id')
  @Roles('admin', 'clinician', 'auditor')
  @ApiOperation({ summary: 'An alert with its explanation, occurrences and timeline' })
  @ApiOkResponse({ type: AlertDetailDto })
  get(@Actor() actor: RequestActor, @Param() params: AlertIdParams) {
    return this.alerts.get(actor, params.id);
  }

  @Post(':id/acknowledge')
  // Admins are paged at the last escalation tier: they must be able to take the alert too.
  @Roles('clinician', 'admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Acknowledge: a person of the care team has seen the alert and owns it' })
  @ApiOkResponse({ type: AlertDto })
  @ApiConflictResponse({ description: 'Not open' })
  acknowledge(
    @Actor() actor: RequestActor,
    @Param() params: AlertIdParams,
    @Body() body: AcknowledgeAlertDto,
  ) {
    return this.alerts.acknowledge(actor, params.id, body);
  }

  @Post(':id/resolve')
  @Roles('clinician', 'admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resolve with a reason' })
  @ApiOkResponse({ type: AlertDto })
  @ApiConflictResponse({ description: 'Already resolved' })
  resolve(@Actor() actor: RequestActor, @Param() params: AlertIdParams, @Body() body: ResolveAlertDto) {
    return this.alerts.resolve(actor, params.id, body);
  }

  @Post(':id/reopen')
  @Roles('clinician', 'admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reopen a resolved alert (it needs a new acknowledgement)' })
  @ApiOkResponse({ type: AlertDto })
  @ApiConflictResponse({
    description: 'Not resolved, or a newer alert for the same patient and rule is open',
  })
  reopen(@Actor() actor: RequestActor, @Param() params: AlertIdParams, @Body() body: ReopenAlertDto) {
    return this.alerts.reopen(actor, params.id, body);
  }
}
