import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  ConfigError,
  envVar,
  kafkaEnv,
  loadConfig,
  opsServerEnv,
  portSchema,
  redisEnv,
  serviceAuthEnv,
  shutdownEnv,
  textSchema,
} from './index.js';

const serviceSchema = {
  kafka: kafkaEnv({ clientId: 'ingestion' }),
  redis: redisEnv(),
  ops: opsServerEnv({ port: 9100 }),
  shutdown: shutdownEnv(),
  auth: serviceAuthEnv(),
};

function problemsOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig()', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-spec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns documented defaults when nothing is set', () => {
    const config = loadConfig(serviceSchema, {});
    expect(config).toEqual({
      kafka: { brokers: ['127.0.0.1:9092'], clientId: 'ingestion' },
      redis: { url: 'redis://127.0.0.1:6379' },
      ops: { host: '0.0.0.0', port: 9100 },
      shutdown: { timeoutMs: 10_000 },
      auth: { tls: {}, kafkaSasl: {} },
    });
  });

  it('parses set values into typed ones', () => {
    const config = loadConfig(serviceSchema, {
      KAFKA_BROKERS: ' kafka-0:9092, kafka-1:9092 ,[::1]:9093',
      OPS_PORT: '0',
      SHUTDOWN_TIMEOUT_MS: '2500',
      SERVICE_AUTH_TOKEN: 'a-long-enough-shared-token',
    });
    expect(config.kafka.brokers).toEqual(['kafka-0:9092', 'kafka-1:9092', '[::1]:9093']);
    expect(config.ops.port).toBe(0);
    expect(config.shutdown.timeoutMs).toBe(2500);
    expect(config.auth.token).toBe('a-long-enough-shared-token');
    expectTypeOf(config.kafka.brokers).toEqualTypeOf<string[]>();
    expectTypeOf(config.auth.token).toEqualTypeOf<string | undefined>();
  });

  it('treats blank values as unset', () => {
    const config = loadConfig(serviceSchema, { KAFKA_BROKERS: '   ', REDIS_URL: '', SERVICE_AUTH_TOKEN: ' ' });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect('token' in config.auth).toBe(false);
  });

  it('lists every invalid variable in one error with what is expected', () => {
    const error = problemsOf(() =>
      loadConfig(serviceSchema, { KAFKA_BROKERS: 'x', REDIS_URL: 'http://cache:6379', OPS_PORT: '70000', SHUTDOWN_TIMEOUT_MS: '0' }),
    );
    expect(error.problems.map((problem) => problem.variable)).toEqual(['KAFKA_BROKERS', 'REDIS_URL', 'OPS_PORT', 'SHUTDOWN_TIMEOUT_MS']);
    expect(error.message).toContain('KAFKA_BROKERS: expected host:port[,host:port…], got "x"');
    expect(error.message).toContain('REDIS_URL: expected a redis://, rediss://, redis+cluster:// or rediss+cluster:// URL, got "http://cache:6379"');
    expect(error.message).toContain('OPS_PORT: expected an integer 0–65535, got "70000": above 65535');
    expect(error.message).toMatch(/^invalid configuration: 4 environment variables need fixing\n/);
    expect(error.retryable).toBe(false);
  });

  it('names missing required variables with how to set them', () => {
    const schema = {
      model: envVar({ name: 'MODEL_NAME', description: 'Model to serve.', expected: 'a model name', schema: textSchema }),
      port: envVar({ name: 'PORT', description: 'Port.', expected: 'an integer 0–65535', schema: portSchema }),
    };
    const error = problemsOf(() => loadConfig(schema, { PORT: '8080' }));
    expect(error.problems).toEqual([{ variable: 'MODEL_NAME', message: 'required but not set; set it to a model name (Model to serve.)' }]);
  });

  it('keeps secret values out of the message', () => {
    const error = problemsOf(() => loadConfig(serviceSchema, { SERVICE_AUTH_TOKEN: 'hunter2' }));
    expect(error.message).toContain('SERVICE_AUTH_TOKEN: expected a token of at least 16 characters, got a value of 7 characters');
    expect(error.message).not.toContain('hunter2');
  });

  it('requires the TLS key when the certificate is set', () => {
    const cert = join(dir, 'tls.crt');
    writeFileSync(cert, 'PEM');
    const error = problemsOf(() => loadConfig(serviceSchema, { TLS_CERT_FILE: cert, TLS_CA_FILE: join(dir, 'missing-ca.pem') }));
    expect(error.problems).toEqual([
      { variable: 'TLS_CA_FILE', message: `expected the path of a readable PEM file, got ${JSON.stringify(join(dir, 'missing-ca.pem'))}: no readable file there` },
      { variable: 'TLS_KEY_FILE', message: 'required when TLS_CERT_FILE is set; set both or neither' },
    ]);
  });

  it('loads TLS paths when certificate and key are both readable', () => {
    const cert = join(dir, 'both.crt');
    const key = join(dir, 'both.key');
    writeFileSync(cert, 'PEM');
    writeFileSync(key, 'PEM');
    expect(loadConfig(serviceSchema, { TLS_CERT_FILE: cert, TLS_KEY_FILE: key }).auth.tls).toEqual({ certFile: cert, keyFile: key });
  });

  it('reads process.env when no environment is given', () => {
    const schema = { value: envVar({ name: `CONFIG_SPEC_${process.pid}`, description: 'd', expected: 'text', schema: textSchema }) };
    process.env[`CONFIG_SPEC_${process.pid}`] = 'from-process';
    try {
      expect(loadConfig(schema).value).toBe('from-process');
    } finally {
      delete process.env[`CONFIG_SPEC_${process.pid}`];
    }
  });
});
