import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { Public, Roles } from '@alem/access';
import { type AppConfig, APP_CONFIG } from '@alem/runtime';
import { type Response } from 'express';
import { Actor, type AuthenticatedRequest, type RequestActor } from '../common/request-actor';
import { StrictThrottle } from '../common/strict-throttle';
import {
  ApiKeyDto,
  ApiKeyIdParams,
  ApiKeyListDto,
  CreateApiKeyDto,
  IssuedApiKeyDto,
  LoginDto,
  MeDto,
  SessionDto,
  TokenDto,
} from './auth.dto';
import { ApiKeyService } from './api-key.service';
import { AuthService } from './auth.service';
import { clearSessionCookies, isSecureRequest, setSessionCookies } from './session-cookies';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

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

  @Post('session')
  @Public() // The console's sign-in: the same checks, throttle, lockout and audit as `login`.
  @StrictThrottle()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Sign in the console: sets an HttpOnly, SameSite=Strict session cookie (Secure behind TLS) and a CSRF ' +
      'cookie whose value every state-changing request echoes in X-CSRF-Token',
  })
  @ApiOkResponse({ type: SessionDto })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this address or for this account' })
  async startSession(
    @Actor() actor: RequestActor,
    @Body() body: LoginDto,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SessionDto> {
    const { session, me } = await this.auth.startSession(actor, body);
    setSessionCookies(response, isSecureRequest(request, this.config), session);
    return {
      me,
      expiresAt: session.expiresAt.toISOString(),
      idleExpiresAt: session.idleExpiresAt.toISOString(),
    };
  }

  @Post('logout')
  @Roles('admin', 'clinician', 'auditor')
  @HttpCode(204)
  @ApiCookieAuth()
  @ApiOperation({ summary: 'Sign out of the console: ends the session at once and clears its cookies' })
  @ApiNoContentResponse({ description: 'Signed out' })
  async logout(
    @Actor() actor: RequestActor,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    await this.auth.endSession(actor, request.browserSession?.id ?? null);
    clearSessionCookies(response, isSecureRequest(request, this.config));
  }

  @Get('me')
  @Roles('admin', 'clinician', 'auditor', 'integration')
  @ApiOperation({ summary: 'Who the token, key or session belongs to, with roles and care teams' })
  @ApiOkResponse({ type: MeDto })
  async me(@Actor() actor: RequestActor, @Req() request: AuthenticatedRequest): Promise<MeDto> {
    const me = await this.auth.me(actor);
    const session = request.browserSession;
    return session
      ? {
          ...me,
          session: {
            expiresAt: session.expiresAt.toISOString(),
            idleExpiresAt: session.idleExpiresAt.toISOString(),
          },
        }
      : me;
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
