import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '@alem/access';
import { Actor, type RequestActor } from '../common/request-actor';
import {
  ContactPointDto,
  ContactPointListDto,
  ContactPointParams,
  CreateContactPointDto,
  CreateUserDto,
  UnlockedUserDto,
  UpdateContactPointDto,
  UpdateUserDto,
  UserDto,
  UserIdParams,
  UserListDto,
  UserQueryDto,
} from './user.dto';
import { UserService } from './user.service';

@ApiTags('users')
@Controller('users')
@Roles('admin')
export class UserController {
  constructor(private readonly users: UserService) {}

  @Get()
  @ApiOperation({ summary: 'People with their roles' })
  @ApiOkResponse({ type: UserListDto })
  list(@Query() query: UserQueryDto) {
    return this.users.list(query);
  }

  @Post()
  @ApiOperation({ summary: 'Create a person (roles, optional initial password)' })
  @ApiCreatedResponse({ type: UserDto })
  create(@Actor() actor: RequestActor, @Body() body: CreateUserDto) {
    return this.users.create(actor, body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A person' })
  @ApiOkResponse({ type: UserDto })
  get(@Param() params: UserIdParams) {
    return this.users.get(params.id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change name, roles, password, or deactivate' })
  @ApiOkResponse({ type: UserDto })
  update(@Actor() actor: RequestActor, @Param() params: UserIdParams, @Body() body: UpdateUserDto) {
    return this.users.update(actor, params.id, body);
  }

  @Post(':id/unlock')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Lift the sign-in lockout of a person at every address (after failed sign-ins; audited)',
  })
  @ApiOkResponse({ type: UnlockedUserDto })
  unlock(@Actor() actor: RequestActor, @Param() params: UserIdParams) {
    return this.users.unlock(actor, params.id);
  }

  @Get(':id/contact-points')
  @ApiOperation({ summary: 'How a person is reached (email, SMS), verified or not' })
  @ApiOkResponse({ type: ContactPointListDto })
  contactPoints(@Param() params: UserIdParams) {
    return this.users.contactPoints(params.id);
  }

  @Post(':id/contact-points')
  @ApiOperation({ summary: 'Add a contact point (stored unverified; receives alerts once verified)' })
  @ApiCreatedResponse({ type: ContactPointDto })
  createContactPoint(
    @Actor() actor: RequestActor,
    @Param() params: UserIdParams,
    @Body() body: CreateContactPointDto,
  ) {
    return this.users.createContactPoint(actor, params.id, body);
  }

  @Patch(':id/contact-points/:contactPointId')
  @ApiOperation({ summary: 'Change a contact point’s address (unverified again)' })
  @ApiOkResponse({ type: ContactPointDto })
  updateContactPoint(
    @Actor() actor: RequestActor,
    @Param() params: ContactPointParams,
    @Body() body: UpdateContactPointDto,
  ) {
    return this.users.updateContactPoint(actor, params.id, params.contactPointId, body);
  }

  @Delete(':id/contact-points/:contactPointId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a contact point nothing was ever sent to' })
  @ApiNoContentResponse()
  deleteContactPoint(@Actor() actor: RequestActor, @Param() params: ContactPointParams) {
    return this.users.deleteContactPoint(actor, params.id, params.contactPointId);
  }
}
