import { ConfigError, loadConfig, requiredSecret } from './config';

describe('configuration', () => {
  it('is a deployment (production) unless NODE_ENV says otherwise', () => {
    expect(loadConfig({}).env).toBe('production');
    expect(loadConfig({ NODE_ENV: 'development' }).env).toBe('development');
    expect(loadConfig({ NODE_ENV: 'test' }).env).toBe('test');
  });

  it('has no default secrets', () => {
    const config = loadConfig({});
    expect(config.auth.jwtSecret).toBeNull();
    expect(config.notify.ackTokenSecret).toBeNull();
  });
});

describe('requiredSecret', () => {
  it('gives the secret when it is set', () => {
    expect(requiredSecret('JWT_SECRET', 'k'.repeat(32), 'tokens')).toBe('k'.repeat(32));
  });

  it('refuses an unset one, naming the variable, its use and how to make one', () => {
    for (const value of [null, '']) {
      expect(() => requiredSecret('ACK_TOKEN_SECRET', value, 'links are signed with it')).toThrow(
        ConfigError,
      );
    }
    expect(() => requiredSecret('ACK_TOKEN_SECRET', null, 'links are signed with it')).toThrow(
      'ACK_TOKEN_SECRET is not set: links are signed with it. There is no default. Make one (at least 32 ' +
        'characters) and set it, e.g. ACK_TOKEN_SECRET=$(openssl rand -base64 48)',
    );
  });
});
