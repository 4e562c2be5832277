import { Body, Controller, Delete, Get, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@alem/access';
import { Actor, type RequestActor } from '../common/request-actor';
import {
  CareTeamDto,
  CareTeamIdParams,
  CareTeamListDto,
  CareTeamQueryDto,
  CreateCareTeamDto,
  CreateSiteDto,
  MemberInputDto,
  MemberParams,
  SiteDto,
  SiteListDto,
  UpdateCareTeamDto,
} from './care-team.dto';
import { CareTeamService } from './care-team.service';

@ApiTags('care-teams')
@Controller('sites')
@Roles('admin')
export class SiteController {
  constructor(private readonly teams: CareTeamService) {}

  @Get()
  @ApiOperation({ summary: 'Sites (with the time zone their calendar days are counted in)' })
  @ApiOkResponse({ type: SiteListDto })
  list() {
    return this.teams.sites();
  }

  @Post()
  @ApiOperation({ summary: 'Create a site' })
  @ApiCreatedResponse({ type: SiteDto })
  create(@Actor() actor: RequestActor, @Body() body: CreateSiteDto) {
    return this.teams.createSite(actor, body);
  }
}

@ApiTags('care-teams')
@Controller('care-teams')
@Roles('admin')
export class CareTeamController {
  constructor(private readonly teams: CareTeamService) {}

  @Get()
  @ApiOperation({ summary: 'Care teams with their members' })
  @ApiOkResponse({ type: CareTeamListDto })
  list(@Query() query: CareTeamQueryDto) {
    return this.teams.list(query.siteId);
  }

  @Post()
  @ApiOperation({ summary: 'Create a care team at a site' })
  @ApiCreatedResponse({ type: CareTeamDto })
  create(@Actor() actor: RequestActor, @Body() body: CreateCareTeamDto) {
    return this.teams.create(actor, body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A care team with its members' })
  @ApiOkResponse({ type: CareTeamDto })
  get(@Param() params: CareTeamIdParams) {
    return this.teams.get(params.id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a care team' })
  @ApiOkResponse({ type: CareTeamDto })
  update(@Actor() actor: RequestActor, @Param() params: CareTeamIdParams, @Body() body: UpdateCareTeamDto) {
    return this.teams.update(actor, params.id, body);
  }

  @Put(':id/members/:userId')
  @ApiOperation({ summary: 'Add a member, or change a member’s role' })
  @ApiOkResponse({ type: CareTeamDto })
  putMember(@Actor() actor: RequestActor, @Param() params: MemberParams, @Body() body: MemberInputDto) {
    return this.teams.putMember(actor, params.id, params.userId, body.role);
  }

  @Delete(':id/members/:userId')
  @ApiOperation({ summary: 'Remove a member' })
  @ApiOkResponse({ type: CareTeamDto })
  removeMember(@Actor() actor: RequestActor, @Param() params: MemberParams) {
    return this.teams.removeMember(actor, params.id, params.userId);
  }
}
