import { ConfigError, loadConfig } from '@alem/runtime';
import { INSECURE_DEV_JWT_SECRET, jwtModuleOptions } from './jwt-token.service';

describe('JWT settings', () => {
  it('refuses to run in production without JWT_SECRET', () => {
    expect(() => jwtModuleOptions(loadConfig({ NODE_ENV: 'production' }))).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'too-short' })).toThrow(/at least 32/);
  });

  it('signs with HS256, a 15-minute lifetime, issuer and audience', () => {
    const secret = 's'.repeat(40);
    const options = jwtModuleOptions(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret }));
    expect(options.secret).toBe(secret);
    expect(options.signOptions).toMatchObject({
      algorithm: 'HS256',
      expiresIn: 900,
      issuer: 'alem-admin-api',
    });
    expect(options.verifyOptions).toMatchObject({ algorithms: ['HS256'], audience: 'alem-admin-api' });
  });

  it('uses the marked development key only outside production', () => {
    expect(jwtModuleOptions(loadConfig({ NODE_ENV: 'test' })).secret).toBe(INSECURE_DEV_JWT_SECRET);
    expect(INSECURE_DEV_JWT_SECRET).toMatch(/INSECURE/);
  });
});
