import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '@alem/access';
import { CsvExport, RequestedFormat } from '../common/csv-export.interceptor';
import { type ListFormat } from '../common/pagination';
import { Actor, type RequestActor } from '../common/request-actor';
import { PatientIdParams } from '../patients/patient.dto';
import { MonitoringConfigService, FEED_CSV_COLUMNS } from './monitoring-config.service';
import {
  ChangeSuspensionEndDto,
  CreateSuspensionDto,
  FeedChangeDto,
  FeedDto,
  FeedPageDto,
  FeedParams,
  FeedQueryDto,
  IntegrationTeamDto,
  IntegrationTeamInputDto,
  MonitoringPlanDto,
  MonitoringPlanInputDto,
  MonitoringSettingsInputDto,
  OverduePageDto,
  OverdueQueryDto,
  PatientMonitoringDto,
  ReleaseHoldDto,
  SiteMonitoringSettingsDto,
  SiteParams,
  SuspensionDto,
  SuspensionListDto,
  SuspensionParams,
} from './monitoring.dto';
import { MonitoringService, OVERDUE_CSV_COLUMNS } from './monitoring.service';

/**
 * A patient's monitoring schedule. Admins and the clinicians of the patient's care teams (who know when a
 * patient is admitted, transferred or has the next course planned); another team's patient is "not found".
 */
@ApiTags('monitoring')
@Controller('patients/:id')
@Roles('admin', 'clinician')
export class PatientMonitoringController {
  constructor(private readonly monitoring: MonitoringService) {}

  @Get('monitoring')
  @ApiOperation({
    summary:
      'Expected results and their state (met, pending, due, overdue, partial, held, suspended, ended), ' +
      'what is missing, and the plan',
  })
  @ApiOkResponse({ type: PatientMonitoringDto })
  status(@Actor() actor: RequestActor, @Param() params: PatientIdParams) {
    return this.monitoring.status(actor, params.id);
  }

  @Get('suspensions')
  @ApiOperation({ summary: 'Suspensions of missed-result alerts (withdrawn ones included), newest first' })
  @ApiOkResponse({ type: SuspensionListDto })
  suspensions(@Actor() actor: RequestActor, @Param() params: PatientIdParams) {
    return this.monitoring.suspensions(actor, params.id);
  }

  @Post('suspensions')
  @ApiOperation({
    summary:
      'Suspend missed-result alerts (hospitalised, transferred, off-protocol with an end day; deceased); ' +
      'the caller is its author',
  })
  @ApiCreatedResponse({ type: SuspensionDto })
  suspend(@Actor() actor: RequestActor, @Param() params: PatientIdParams, @Body() body: CreateSuspensionDto) {
    return this.monitoring.suspend(actor, params.id, body);
  }

  @Patch('suspensions/:suspensionId')
  @ApiOperation({ summary: 'Move a suspension’s end day (end it early, or extend it)' })
  @ApiOkResponse({ type: SuspensionDto })
  @ApiConflictResponse({ description: 'The suspension was withdrawn' })
  changeSuspensionEnd(
    @Actor() actor: RequestActor,
    @Param() params: SuspensionParams,
    @Body() body: ChangeSuspensionEndDto,
  ) {
    return this.monitoring.changeSuspensionEnd(actor, params.id, params.suspensionId, body);
  }

  @Post('suspensions/:suspensionId/withdraw')
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw a suspension recorded in error (kept for the record, ignored)' })
  @ApiOkResponse({ type: SuspensionDto })
  @ApiConflictResponse({ description: 'Already withdrawn' })
  withdraw(@Actor() actor: RequestActor, @Param() params: SuspensionParams) {
    return this.monitoring.withdrawSuspension(actor, params.id, params.suspensionId);
  }

  @Put('monitoring-plan')
  @ApiOperation({
    summary:
      'Planned next course (pre-course gates), CLL therapy end, monitoring extensions; fields left out stay',
  })
  @ApiOkResponse({ type: MonitoringPlanDto })
  setPlan(
    @Actor() actor: RequestActor,
    @Param() params: PatientIdParams,
    @Body() body: MonitoringPlanInputDto,
  ) {
    return this.monitoring.setPlan(actor, params.id, body);
  }
}

@ApiTags('monitoring')
@Controller('monitoring')
export class MonitoringController {
  constructor(private readonly monitoring: MonitoringService) {}

  @Get('overdue')
  @Roles('admin', 'clinician')
  @CsvExport({ filename: 'overdue-results', columns: OVERDUE_CSV_COLUMNS })
  @ApiOperation({
    summary:
      'Missed and partial results across the caller’s patients (a clinician: their care teams’), worst and ' +
      'oldest first (JSON or CSV)',
  })
  @ApiOkResponse({ type: OverduePageDto })
  overdue(
    @Actor() actor: RequestActor,
    @Query() query: OverdueQueryDto,
    @RequestedFormat() format: ListFormat,
  ) {
    return this.monitoring.overdue(actor, query, format);
  }
}

/** A site's monitoring configuration: admins change it, auditors read it. */
@ApiTags('monitoring')
@Controller('sites/:siteId')
export class SiteMonitoringController {
  constructor(private readonly config: MonitoringConfigService) {}

  @Get('monitoring-settings')
  @Roles('admin', 'auditor')
  @ApiOperation({
    summary: 'The site’s monitoring settings: its overrides of the [P] defaults, and the result',
  })
  @ApiOkResponse({ type: SiteMonitoringSettingsDto })
  settings(@Param() params: SiteParams) {
    return this.config.settings(params.siteId);
  }

  @Put('monitoring-settings')
  @Roles('admin')
  @ApiOperation({
    summary: 'A new version of the site’s overrides (checked for coherence); its patients are re-evaluated',
  })
  @ApiOkResponse({ type: SiteMonitoringSettingsDto })
  saveSettings(
    @Actor() actor: RequestActor,
    @Param() params: SiteParams,
    @Body() body: MonitoringSettingsInputDto,
  ) {
    return this.config.saveSettings(actor, params.siteId, body.overrides, body.reason);
  }

  @Put('integration-team')
  @Roles('admin')
  @ApiOperation({ summary: 'The care team of the site that receives its quiet-lab (FEED-QUIET) alerts' })
  @ApiOkResponse({ type: IntegrationTeamDto })
  setIntegrationTeam(
    @Actor() actor: RequestActor,
    @Param() params: SiteParams,
    @Body() body: IntegrationTeamInputDto,
  ) {
    return this.config.setIntegrationTeam(actor, params.siteId, body.careTeamId);
  }
}

/**
 * Lab feeds (one per sender, APPLICATION^FACILITY: URL-encode the `^` in paths). A feed serves patients of many
 * teams, so releasing its hold is an admin's decision.
 */
@ApiTags('monitoring')
@Controller('feeds')
export class FeedController {
  constructor(private readonly config: MonitoringConfigService) {}

  @Get()
  @Roles('admin', 'auditor')
  @CsvExport({ filename: 'lab-feeds', columns: FEED_CSV_COLUMNS })
  @ApiOperation({
    summary: 'Lab feeds: state, quiet-after threshold, last message, holds (JSON or CSV), quiet ones first',
  })
  @ApiOkResponse({ type: FeedPageDto })
  list(@Query() query: FeedQueryDto, @RequestedFormat() format: ListFormat) {
    return this.config.feeds(query, format);
  }

  @Patch(':sender')
  @Roles('admin')
  @ApiOperation({ summary: 'Set a feed’s rhythm (quiet after N hours; null: learn it) and owning site' })
  @ApiOkResponse({ type: FeedDto })
  configure(@Actor() actor: RequestActor, @Param() params: FeedParams, @Body() body: FeedChangeDto) {
    return this.config.configureFeed(actor, params.sender, body);
  }

  @Post(':sender/release-hold')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send the missed-result alerts a quiet feed holds now (its FEED-QUIET alert stays open)',
  })
  @ApiOkResponse({ type: FeedDto })
  @ApiConflictResponse({ description: 'The feed is not quiet' })
  releaseHold(@Actor() actor: RequestActor, @Param() params: FeedParams, @Body() body: ReleaseHoldDto) {
    return this.config.releaseHold(actor, params.sender, body.note ?? null);
  }
}
