import { Body, Controller, Get, Param, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@alem/access';
import { Actor, type RequestActor } from '../common/request-actor';
import {
  CareTeamParams,
  NewPolicyVersionDto,
  OnDutyDto,
  PolicyOverviewDto,
  PolicyVersionDto,
} from './escalation-policy.dto';
import { EscalationPolicyService } from './escalation-policy.service';

@ApiTags('escalation')
@Controller()
export class EscalationPolicyController {
  constructor(private readonly policies: EscalationPolicyService) {}

  @Get('escalation-policies/default')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'The default escalation policy (teams without their own) and its versions' })
  @ApiOkResponse({ type: PolicyOverviewDto })
  getDefault() {
    return this.policies.overview(null);
  }

  @Post('escalation-policies/default')
  @Roles('admin')
  @ApiOperation({ summary: 'A new version of the default policy (open alerts keep the version they pinned)' })
  @ApiCreatedResponse({ type: PolicyVersionDto })
  newDefault(@Actor() actor: RequestActor, @Body() body: NewPolicyVersionDto) {
    return this.policies.newVersion(actor, null, body);
  }

  @Get('care-teams/:id/escalation-policy')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'A team’s escalation policy in force, its versions, and who is on duty' })
  @ApiOkResponse({ type: PolicyOverviewDto })
  get(@Param() params: CareTeamParams) {
    return this.policies.overview(params.id);
  }

  @Post('care-teams/:id/escalation-policy')
  @Roles('admin')
  @ApiOperation({ summary: 'A new version of a team’s escalation policy (open alerts keep theirs)' })
  @ApiCreatedResponse({ type: PolicyVersionDto })
  newVersion(
    @Actor() actor: RequestActor,
    @Param() params: CareTeamParams,
    @Body() body: NewPolicyVersionDto,
  ) {
    return this.policies.newVersion(actor, params.id, body);
  }

  @Put('care-teams/:id/on-duty')
  @Roles('admin')
  @ApiOperation({ summary: 'Who of the team is on duty (the first escalation tier); the rest are off duty' })
  @ApiOkResponse({ type: PolicyOverviewDto })
  onDuty(@Actor() actor: RequestActor, @Param() params: CareTeamParams, @Body() body: OnDutyDto) {
    return this.policies.setOnDuty(actor, params.id, body.userIds);
  }
}
