import { ConfigError, loadConfig } from '@alem/runtime';
import { jwtModuleOptions } from './jwt-token.service';

describe('JWT settings', () => {
  it('refuses to run without JWT_SECRET in every environment, saying how to make one', () => {
    for (const NODE_ENV of [undefined, 'production', 'development', 'test']) {
      const config = loadConfig(NODE_ENV ? { NODE_ENV } : {});
      expect(() => jwtModuleOptions(config)).toThrow(ConfigError);
      expect(() => jwtModuleOptions(config)).toThrow(/JWT_SECRET=\$\(openssl rand -base64 48\)/);
    }
    expect(() => loadConfig({ JWT_SECRET: 'too-short' })).toThrow(/at least 32/);
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
});
