import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@alem/runtime';
import { kafkaConfig } from './kafka-client';

describe('kafkajs settings', () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'alem-kafka-tls-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are plain TCP without authentication by default (the embedded broker)', () => {
    const config = kafkaConfig({ ...loadConfig({}).kafka, clientId: 'test' });
    expect(config.ssl).toBeUndefined();
    expect(config.sasl).toBeUndefined();
    expect(config.brokers).toEqual(['127.0.0.1:9092']);
  });

  it('carry TLS with the CA and client certificate files, and SCRAM credentials, from the environment', () => {
    const app = loadConfig({
      KAFKA_BROKERS: 'kafka-1.hospital.org:9093',
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: file('ca.pem', 'THE CA'),
      KAFKA_SSL_CERT_FILE: file('client.pem', 'THE CERTIFICATE'),
      KAFKA_SSL_KEY_FILE: file('client.key', 'THE KEY'),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'alem-processor',
      KAFKA_SASL_PASSWORD: 'pw-from-the-vault',
    });
    // As every app calls it: its configuration's connection, its own client id.
    const config = kafkaConfig({ ...app.kafka, clientId: `${app.kafka.clientId}-processor` });
    expect(config.clientId).toBe('alem-processor');
    expect(config.brokers).toEqual(['kafka-1.hospital.org:9093']);
    const ssl = config.ssl as { ca: Buffer[]; cert: Buffer; key: Buffer };
    expect(ssl.ca.map(String)).toEqual(['THE CA']);
    expect(String(ssl.cert)).toBe('THE CERTIFICATE');
    expect(String(ssl.key)).toBe('THE KEY');
    expect(config.sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'alem-processor',
      password: 'pw-from-the-vault',
    });
  });

  it('use the system CAs for TLS without files; SCRAM-SHA-256 and PLAIN (inside TLS) too', () => {
    const sha256 = loadConfig({
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
    });
    expect(kafkaConfig(sha256.kafka).ssl).toBe(true);
    expect(kafkaConfig(sha256.kafka).sasl).toEqual({
      mechanism: 'scram-sha-256',
      username: 'u',
      password: 'p',
    });
    const plain = loadConfig({
      KAFKA_SSL: '1',
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
    });
    expect(kafkaConfig(plain.kafka).sasl).toEqual({ mechanism: 'plain', username: 'u', password: 'p' });
  });

  it('fail at once when a TLS file cannot be read', () => {
    const app = loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: path.join(dir, 'missing.pem') });
    expect(() => kafkaConfig(app.kafka)).toThrow(/ENOENT/);
  });
});
