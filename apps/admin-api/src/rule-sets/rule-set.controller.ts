import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '@alem/access';
import { CsvExport, RequestedFormat } from '../common/csv-export.interceptor';
import { type ListFormat } from '../common/pagination';
import { Actor, type RequestActor } from '../common/request-actor';
import {
  CreateRuleOverridesDto,
  EffectiveRuleSetDto,
  RuleOverridePageDto,
  RuleOverrideQueryDto,
  RuleOverrideVersionDto,
  RuleSetListDto,
  SiteParams,
  SiteRuleSetParams,
} from './rule-set.dto';
import { RULE_OVERRIDE_CSV_COLUMNS, RuleSetService } from './rule-set.service';

/**
 * The rules in force. No patient data: clinicians may read the rules their alerts come from; the override
 * history (who changed what and why) is for admins and auditors; only admins change it.
 */
@ApiTags('rules')
@Controller()
export class RuleSetController {
  constructor(private readonly ruleSets: RuleSetService) {}

  @Get('rule-sets')
  @Roles('admin', 'auditor', 'clinician')
  @ApiOperation({
    summary: 'The shipped rule sets (MS, CLL): rules, evidence, severity tiers, thresholds, clinical windows',
  })
  @ApiOkResponse({ type: RuleSetListDto })
  list() {
    return this.ruleSets.shippedSets();
  }

  @Get('sites/:siteId/rule-sets/:indication')
  @Roles('admin', 'auditor', 'clinician')
  @ApiOperation({
    summary:
      'The rule set a site’s patients are graded with: the shipped set and the latest overrides applied',
  })
  @ApiOkResponse({ type: EffectiveRuleSetDto })
  effective(@Param() params: SiteRuleSetParams) {
    return this.ruleSets.effective(params.siteId, params.indication);
  }

  @Get('sites/:siteId/rule-overrides')
  @Roles('admin', 'auditor')
  @CsvExport({ filename: 'rule-overrides', columns: RULE_OVERRIDE_CSV_COLUMNS })
  @ApiOperation({ summary: 'Every override version of a site, newest first (JSON or CSV)' })
  @ApiOkResponse({ type: RuleOverridePageDto })
  history(
    @Param() params: SiteParams,
    @Query() query: RuleOverrideQueryDto,
    @RequestedFormat() format: ListFormat,
  ) {
    return this.ruleSets.history(params.siteId, query, format);
  }

  @Post('sites/:siteId/rule-overrides')
  @Roles('admin')
  @ApiOperation({
    summary:
      'A new override version for a site and indication (the whole list; the result processor applies it at once)',
  })
  @ApiCreatedResponse({ type: RuleOverrideVersionDto })
  @ApiBadRequestResponse({
    description: 'The overrides do not apply to the shipped set; every problem listed',
  })
  create(@Actor() actor: RequestActor, @Param() params: SiteParams, @Body() body: CreateRuleOverridesDto) {
    return this.ruleSets.create(actor, params.siteId, body);
  }
}
