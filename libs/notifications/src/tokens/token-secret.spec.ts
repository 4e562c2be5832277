import { ConfigError, loadConfig } from '@alem/runtime';
import { ackTokenSecret } from './token-secret';

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
