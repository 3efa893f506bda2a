import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KafkaCredentialsError, createKafkaClient, kafkaSaslFromEnv } from './index.js';

describe('kafkaSaslFromEnv()', () => {
  it('gives no SASL when no user is set (the local plain broker)', () => {
    expect(kafkaSaslFromEnv({})).toBeUndefined();
    expect(kafkaSaslFromEnv({ KAFKA_SASL_USERNAME: '  ', KAFKA_SASL_PASSWORD: 'unused' })).toBeUndefined();
  });

  it('takes the user and password, SCRAM-SHA-256 unless a mechanism is named', () => {
    expect(kafkaSaslFromEnv({ KAFKA_SASL_USERNAME: 'inference', KAFKA_SASL_PASSWORD: 'secret' })).toEqual({
      mechanism: 'scram-sha-256',
      username: 'inference',
      password: 'secret',
    });
    expect(kafkaSaslFromEnv({ KAFKA_SASL_USERNAME: 'inference', KAFKA_SASL_PASSWORD: 'secret', KAFKA_SASL_MECHANISM: 'scram-sha-512' })?.mechanism).toBe('scram-sha-512');
  });

  it('reads the password from a file (a mounted Secret), without its trailing newline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafka-sasl-'));
    try {
      const file = join(dir, 'password');
      writeFileSync(file, 'from-a-file\n');
      expect(kafkaSaslFromEnv({ KAFKA_SASL_USERNAME: 'trainer', KAFKA_SASL_PASSWORD_FILE: file })?.password).toBe('from-a-file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a user without a password and an unknown mechanism, saying which variable', () => {
    expect(() => kafkaSaslFromEnv({ KAFKA_SASL_USERNAME: 'trainer' })).toThrow(KafkaCredentialsError);
    expect(() => kafkaSaslFromEnv({ KAFKA_SASL_USERNAME: 'trainer' })).toThrow(/KAFKA_SASL_PASSWORD/);
    expect(() => kafkaSaslFromEnv({ KAFKA_SASL_USERNAME: 'trainer', KAFKA_SASL_PASSWORD: 'x', KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/KAFKA_SASL_MECHANISM is gssapi/);
  });
});

describe('createKafkaClient()', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  // Regression: a plain stack of its own got the credentials a secure test run had set for its servers.
  it('takes the credentials of the env it is given, never the process’s', () => {
    vi.stubEnv('KAFKA_SASL_USERNAME', 'admin');
    vi.stubEnv('KAFKA_SASL_PASSWORD', '');
    expect(() => createKafkaClient({ clientId: 'spec' })).toThrow(KafkaCredentialsError);
    expect(() => createKafkaClient({ clientId: 'spec', env: { KAFKA_BROKERS: '127.0.0.1:1' } })).not.toThrow();
    expect(() => createKafkaClient({ clientId: 'spec', env: { KAFKA_SASL_USERNAME: 'trainer' } })).toThrow(/KAFKA_SASL_USERNAME is set \(trainer\)/);
  });
});
