import { Inject, Injectable, Logger } from '@nestjs/common';
import { JwtService, type JwtModuleOptions } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { InvalidTokenError, TokenVerifier, type VerifiedToken } from '@alem/access';
import { type AppConfig, APP_CONFIG, ConfigError } from '@alem/runtime';

/**
 * DEVELOPMENT ONLY. The signing key used when JWT_SECRET is unset outside production, so that the demo and
 * tests run without setup. It is public (it is in this file): tokens signed with it prove nothing. The admin
 * API refuses to boot with NODE_ENV=production and no JWT_SECRET.
 */
export const INSECURE_DEV_JWT_SECRET = 'INSECURE-development-only-jwt-secret-do-not-use-in-production';

const AUDIENCE = 'alem-admin-api';

export function jwtModuleOptions(config: AppConfig): JwtModuleOptions {
  let secret = config.auth.jwtSecret;
  if (!secret) {
    if (config.env === 'production') {
      throw new ConfigError(
        'JWT_SECRET is required when NODE_ENV=production (at least 32 random characters)',
      );
    }
    if (config.env === 'development') {
      new Logger('AdminApi').warn('JWT_SECRET is not set: signing tokens with the public development key');
    }
    secret = INSECURE_DEV_JWT_SECRET;
  }
  return {
    secret,
    signOptions: {
      algorithm: 'HS256',
      expiresIn: config.auth.jwtTtlSeconds,
      issuer: config.auth.jwtIssuer,
      audience: AUDIENCE,
    },
    verifyOptions: { algorithms: ['HS256'], issuer: config.auth.jwtIssuer, audience: AUDIENCE },
  };
}

export interface IssuedToken {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds. */
  expiresIn: number;
  expiresAt: string;
}

/** Issues the admin API's own short-lived access tokens (HS256, `sub` = user id). */
@Injectable()
export class TokenIssuer {
  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async issue(userId: string, now: Date): Promise<IssuedToken> {
    const ttl = this.config.auth.jwtTtlSeconds;
    const iat = Math.floor(now.getTime() / 1000);
    const accessToken = await this.jwt.signAsync({ sub: userId, jti: randomUUID(), iat }, { expiresIn: ttl });
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: ttl,
      expiresAt: new Date((iat + ttl) * 1000).toISOString(),
    };
  }
}

/** Verifies the tokens `TokenIssuer` signs: algorithm, signature, issuer, audience and expiry. */
@Injectable()
export class JwtTokenVerifier extends TokenVerifier {
  constructor(private readonly jwt: JwtService) {
    super();
  }

  async verify(token: string): Promise<VerifiedToken> {
    try {
      const claims = await this.jwt.verifyAsync<{ sub?: unknown; exp?: unknown }>(token);
      if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number') throw new Error('claims');
      return { userId: claims.sub, expiresAt: new Date(claims.exp * 1000) };
    } catch {
      throw new InvalidTokenError('invalid or expired token');
    }
  }
}
