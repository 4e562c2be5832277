import { Inject, Injectable } from '@nestjs/common';
import { JwtService, type JwtModuleOptions } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { InvalidTokenError, TokenVerifier, type VerifiedToken } from '@alem/access';
import { type AppConfig, APP_CONFIG, requiredSecret } from '@alem/runtime';

const AUDIENCE = 'alem-admin-api';

export function jwtModuleOptions(config: AppConfig): JwtModuleOptions {
  const secret = requiredSecret(
    'JWT_SECRET',
    config.auth.jwtSecret,
    'the admin API signs and checks its access tokens with it',
  );
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
