import { ackTokenSecret, ConfigError, loadConfig, requiredSecret } from './config';

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

describe('ackTokenSecret', () => {
  it('is ACK_TOKEN_SECRET', () => {
    const secret = 'a'.repeat(48);
    expect(ackTokenSecret(loadConfig({ ACK_TOKEN_SECRET: secret }))).toBe(secret);
  });

  it('has no fallback in any environment', () => {
    for (const NODE_ENV of [undefined, 'production', 'development', 'test']) {
      const config = loadConfig(NODE_ENV ? { NODE_ENV } : {});
      expect(() => ackTokenSecret(config)).toThrow(ConfigError);
      expect(() => ackTokenSecret(config)).toThrow(/ACK_TOKEN_SECRET is not set/);
    }
  });
});

describe('Kafka TLS and SASL settings', () => {
  it('are off by default (the embedded broker is plain)', () => {
    expect(loadConfig({}).kafka).toMatchObject({ tls: null, sasl: null });
  });

  it('read TLS files and SASL credentials', () => {
    const kafka = loadConfig({
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: '/etc/alem/kafka-ca.pem',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'alem',
      KAFKA_SASL_PASSWORD: 'secret-from-the-vault',
    }).kafka;
    expect(kafka.tls).toEqual({ caFile: '/etc/alem/kafka-ca.pem', certFile: null, keyFile: null });
    expect(kafka.sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'alem',
      password: 'secret-from-the-vault',
    });
  });

  it.each([
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-256' }, /KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: required/],
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' }, /KAFKA_SASL_PASSWORD: required/],
    [{ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, /KAFKA_SASL_MECHANISM: required/],
    [
      { KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      /KAFKA_SASL_MECHANISM/,
    ],
    [
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      /plain sends the password in clear/,
    ],
    [{ KAFKA_SSL_CA_FILE: '/ca.pem' }, /set KAFKA_SSL=true/],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: '/c.pem' }, /set both/],
    [{ KAFKA_SSL: 'yes' }, /KAFKA_SSL/],
  ])('refuse %j', (env, problem) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(problem);
  });
});
