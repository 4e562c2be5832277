import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TokenVerifier } from '@alem/access';
import { type AppConfig, APP_CONFIG } from '@alem/runtime';
import { ApiKeyAdminRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { ApiKeyController, AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { BrowserSessionRepository } from './browser-session.repository';
import { BrowserSessionService } from './browser-session.service';
import { LoginLockout } from './login-lockout';
import { JwtTokenVerifier, jwtModuleOptions, TokenIssuer } from './jwt-token.service';
import { PrincipalRepository } from './principal.repository';

/**
 * Sign-in (bearer tokens for API clients, cookie sessions for the console), API keys, and who the caller is. `TokenVerifier` is the seam for a hospital's OIDC
 * provider: provide another implementation here and nothing else changes.
 */
@Module({
  imports: [
    JwtModule.registerAsync({ inject: [APP_CONFIG], useFactory: (c: AppConfig) => jwtModuleOptions(c) }),
  ],
  controllers: [AuthController, ApiKeyController],
  providers: [
    AuthService,
    ApiKeyService,
    ApiKeyAdminRepository,
    TokenIssuer,
    PrincipalRepository,
    BrowserSessionRepository,
    BrowserSessionService,
    LoginLockout,
    { provide: TokenVerifier, useClass: JwtTokenVerifier },
  ],
  exports: [TokenVerifier, PrincipalRepository, BrowserSessionService, LoginLockout],
})
export class AuthModule {}
