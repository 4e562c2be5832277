import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { Public, Roles } from '@alem/access';
import { Actor, type RequestActor } from '../common/request-actor';
import { StrictThrottle } from '../common/strict-throttle';
import {
  ApiKeyDto,
  ApiKeyIdParams,
  ApiKeyListDto,
  CreateApiKeyDto,
  IssuedApiKeyDto,
  LoginDto,
  MeDto,
  TokenDto,
} from './auth.dto';
import { ApiKeyService } from './api-key.service';
import { AuthService } from './auth.service';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public() // Signing in is how one gets a token; throttled strictly and audited instead.
  @StrictThrottle()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with email and password; returns a short-lived bearer token' })
  @ApiOkResponse({ type: TokenDto })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this address or for this account' })
  login(@Actor() actor: RequestActor, @Body() body: LoginDto): Promise<TokenDto> {
    return this.auth.login(actor, body);
  }

  @Get('me')
  @Roles('admin', 'clinician', 'auditor', 'integration')
  @ApiOperation({ summary: 'Who the token or key belongs to, with roles and care teams' })
  @ApiOkResponse({ type: MeDto })
  me(@Actor() actor: RequestActor): Promise<MeDto> {
    return this.auth.me(actor);
  }
}

@ApiTags('api-keys')
@Controller('api-keys')
@Roles('admin')
export class ApiKeyController {
  constructor(private readonly keys: ApiKeyService) {}

  @Get()
  @ApiOperation({ summary: 'API keys of labs and interface engines (never their secrets)' })
  @ApiOkResponse({ type: ApiKeyListDto })
  list(): Promise<ApiKeyListDto> {
    return this.keys.list();
  }

  @Post()
  @ApiOperation({ summary: 'Create an API key for a sender; the key is in this response only' })
  @ApiCreatedResponse({ type: IssuedApiKeyDto })
  create(@Actor() actor: RequestActor, @Body() body: CreateApiKeyDto): Promise<IssuedApiKeyDto> {
    return this.keys.create(actor, body);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an API key (it stops working at once)' })
  @ApiOkResponse({ type: ApiKeyDto })
  revoke(@Actor() actor: RequestActor, @Param() params: ApiKeyIdParams): Promise<ApiKeyDto> {
    return this.keys.revoke(actor, params.id);
  }
}
