/**
 * `createInfra({ secure })` on servers of its own (a temporary home, free
 * ports, never the shared plain servers): the real Kafka, Redis and
 * ClickHouse refuse clients without credentials and enforce each service
 * principal's ACLs and grants. The servers start once for the file.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { Redis } from 'ioredis';
import kafkajs, { type logCreator } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInfra, secretsDir, secureClientEnv, writeSecureClientEnvFiles, type Infra, type InfraPorts, type InfraSecrets } from './index.js';
import { isolatedInfraEnv } from './testing/isolated-infra-env.js';

const { Kafka, logLevel } = kafkajs;
const coldInstallMs = 15 * 60_000;

/** The namespace these servers are secured for: names as `inNamespace('sec', …)` of @tributary/config gives them. */
const namespaced = (kind: string, name: string) => (kind === 'database' ? `sec_${name}` : kind === 'key-prefix' ? `sec:${name}` : `sec.${name}`);

let infra: Infra;
let home: string;
let ports: InfraPorts;
let secrets: InfraSecrets;

beforeAll(async () => {
  const isolated = await isolatedInfraEnv();
  home = isolated.home;
  ports = isolated.ports;
  infra = createInfra({ env: isolated.env, secure: { name: namespaced } });
  await infra.up();
  secrets = JSON.parse(readFileSync(join(secretsDir(home), 'passwords.json'), 'utf8')) as InfraSecrets;
}, coldInstallMs);

afterAll(async () => {
  await infra.down();
  rmSync(home, { recursive: true, force: true });
}, 60_000);

/** A client as `principal`; with `errors`, the broker errors kafkajs logs are kept there (it hides some refusals behind an error of its own). */
function kafkaAs(principal?: string, errors?: string[]) {
  const sasl = principal === undefined ? {} : { sasl: { mechanism: 'scram-sha-256' as const, username: principal, password: secrets[principal] ?? '' } };
  const logCreator: logCreator = () => (entry) => void errors?.push(String((entry.log as { error?: unknown }).error));
  const logging = errors === undefined ? { logLevel: logLevel.NOTHING } : { logLevel: logLevel.ERROR, logCreator };
  return new Kafka({ clientId: `secure-spec-${principal ?? 'anonymous'}`, brokers: [`127.0.0.1:${ports.kafka}`], connectionTimeout: 3_000, retry: { retries: 1 }, ...logging, ...sasl });
}

function redisAs(principal?: string): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port: ports.redis,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    ...(principal === undefined ? {} : { username: principal, password: secrets[principal] ?? '' }),
  });
  client.on('error', () => undefined);
  return client;
}

function clickhouseAs(principal: string, password = secrets[principal] ?? '') {
  // Refusals are what these clients are for: the client's own error log would only repeat them.
  return createClient({ url: `http://127.0.0.1:${ports.clickhouseHttp}`, username: principal, password, log: { level: ClickHouseLogLevel.OFF } });
}

describe('Kafka with SASL/SCRAM and ACLs', () => {
  it('refuses a client without credentials, and one with a wrong password', async () => {
    const anonymous = kafkaAs().admin();
    await expect(anonymous.connect().then(() => anonymous.listTopics())).rejects.toThrow();
    await anonymous.disconnect();
    const impostor = new Kafka({
      clientId: 'secure-spec-impostor',
      brokers: [`127.0.0.1:${ports.kafka}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      sasl: { mechanism: 'scram-sha-256', username: 'inference', password: 'not-the-password' },
    }).admin();
    await expect(impostor.connect()).rejects.toThrow(/SASL SCRAM SHA256 authentication failed/);
  });

  it('lets a principal write its own topic and refuses one it does not own with TOPIC_AUTHORIZATION_FAILED', async () => {
    const admin = kafkaAs('admin').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'sec.predictions.logged', numPartitions: 1 }, { topic: 'sec.events.validated', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafkaAs('inference').producer({ idempotent: true });
    await producer.connect();
    try {
      const [written] = await producer.send({ topic: 'sec.predictions.logged', messages: [{ value: 'owned' }] });
      expect(written?.errorCode).toBe(0);
      const refusal = await producer.send({ topic: 'sec.events.validated', messages: [{ value: 'forged' }] }).then(() => undefined, (error: unknown) => error);
      // kafkajs's text of error code 29, TOPIC_AUTHORIZATION_FAILED.
      expect(String(refusal)).toContain('Not authorized to access topics: [Topic authorization failed]');
    } finally {
      await producer.disconnect();
    }
  });

  it("refuses a consumer group reading a topic that is not its service's", async () => {
    const consumer = kafkaAs('trainer').consumer({ groupId: 'sec.trainer' });
    await consumer.connect();
    try {
      await expect(consumer.subscribe({ topics: ['sec.predictions.logged'], fromBeginning: true })).rejects.toThrow(/[Nn]ot authorized/);
    } finally {
      await consumer.disconnect();
    }
  });
});

describe('Kafka ACLs of what the services do besides reading and writing', () => {
  it("lets a dead-letter writer read its topic's size limit, and no other topic's configuration", async () => {
    const admin = kafkaAs('admin').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'sec.events.dlq', numPartitions: 1 }, { topic: 'sec.events.raw', numPartitions: 1 }] });
    await admin.disconnect();
    const ingestion = kafkaAs('ingestion').admin();
    await ingestion.connect();
    try {
      const describe = (topic: string) => ingestion.describeConfigs({ includeSynonyms: false, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }] });
      const { resources } = await describe('sec.events.dlq');
      expect(resources[0]?.configEntries.find((entry) => entry.configName === 'max.message.bytes')?.configValue).toMatch(/^\d+$/);
      await expect(describe('sec.events.raw')).rejects.toThrow(/[Nn]ot authorized/);
    } finally {
      await ingestion.disconnect();
    }
  });

  it("lets inference open the streaming scorer's transactions, and refuses the same transactional id to the trainer", async () => {
    const errors: string[] = [];
    const transaction = async (principal: string) => {
      const producer = kafkaAs(principal, errors).producer({ transactionalId: 'sec.streaming-scorer-sec.events.validated-0', idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      try {
        await (await producer.transaction()).abort();
      } finally {
        await producer.disconnect();
      }
    };
    // A fresh broker's transaction coordinator may take a while to load: inference tries until it answers.
    await vi.waitFor(() => transaction('inference'), { timeout: 30_000, interval: 1_000 });
    // Answers on the way ("coordinator loading") are logged as errors too; what matters is no refusal.
    expect(errors.filter((error) => /authorization/i.test(error))).toEqual([]);
    // kafkajs reports it as 'Failed to find group coordinator'; the broker's answer was TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
    await expect(transaction('trainer')).rejects.toThrow();
    expect(errors).toContain('Transactional Id authorization failed');
  });

  it("lets the operator describe the services' consumer groups (tributary status), and a service only its own", async () => {
    const errors: string[] = [];
    const operator = kafkaAs('operator', errors).admin();
    const trainer = kafkaAs('trainer', errors).admin();
    await Promise.all([operator.connect(), trainer.connect()]);
    try {
      const { groups } = await operator.describeGroups(['sec.ingestion', 'sec.streaming-scorer']);
      expect(groups.map((group) => group.groupId)).toEqual(['sec.ingestion', 'sec.streaming-scorer']);
      expect(errors.filter((error) => /authorization/i.test(error))).toEqual([]);
      // kafkajs reports it as 'Failed to find group coordinator'; the broker's answer was GROUP_AUTHORIZATION_FAILED.
      await expect(trainer.describeGroups(['sec.ingestion'])).rejects.toThrow();
      expect(errors).toContain('Not authorized to access group: Group authorization failed');
    } finally {
      await Promise.all([operator.disconnect(), trainer.disconnect()]);
    }
  });
});

describe('Redis with ACL users', () => {
  it('refuses a client without its user', async () => {
    const anonymous = redisAs();
    await anonymous.connect().catch(() => undefined);
    await expect(anonymous.get('sec:features:airport:ORD')).rejects.toThrow(/NOAUTH|NOPERM|WRONGPASS|closed/i);
    anonymous.disconnect();
  });

  it("lets the feature pipeline write features and inference only read them", async () => {
    const pipeline = redisAs('feature-pipeline');
    const inference = redisAs('inference');
    try {
      await pipeline.hset('sec:features:airport:ORD', 'flights_1h', '12');
      expect(await inference.hget('sec:features:airport:ORD', 'flights_1h')).toBe('12');
      await expect(inference.hset('sec:features:airport:ORD', 'flights_1h', '0')).rejects.toThrow(/NOPERM/);
      // A read-only script (EVAL_RO, as the online store reads many entities) is a read; EVAL's keys count as written.
      const read = "return redis.call('HGET', KEYS[1], ARGV[1])";
      expect(await inference.eval_ro(read, 1, 'sec:features:airport:ORD', 'flights_1h')).toBe('12');
      await expect(inference.eval(read, 1, 'sec:features:airport:ORD', 'flights_1h')).rejects.toThrow(/NOPERM/);
      await expect(inference.set('sec:tributary:registry:aliases', 'x')).rejects.toThrow(/NOPERM/);
      expect(await pipeline.hget('sec:features:airport:ORD', 'flights_1h')).toBe('12');
    } finally {
      pipeline.disconnect();
      inference.disconnect();
    }
  });
  it('lets the registry check that its Redis keeps an append-only file, and no other service read the configuration', async () => {
    const registry = redisAs('registry');
    const inference = redisAs('inference');
    try {
      expect(await registry.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      await expect(inference.config('GET', 'appendonly')).rejects.toThrow(/NOPERM/);
      await expect(registry.config('SET', 'appendonly', 'no')).rejects.toThrow(/NOPERM/);
    } finally {
      registry.disconnect();
      inference.disconnect();
    }
  });
});

describe('ClickHouse with users granted per table', () => {
  it('refuses an unknown user and a wrong password', async () => {
    const impostor = clickhouseAs('ingestion', 'not-the-password');
    await expect(impostor.query({ query: 'SELECT 1' })).rejects.toThrow(/Authentication failed/);
    await impostor.close();
  });

  it('lets ingestion create and write events_raw, and refuses the trainer writing it and ingestion reading the drift tables', async () => {
    const admin = clickhouseAs('admin');
    const ingestion = clickhouseAs('ingestion');
    const trainer = clickhouseAs('trainer');
    try {
      // Its table, made as the service makes it at start (the engine needs a grant of its own).
      await ingestion.command({ query: 'CREATE DATABASE IF NOT EXISTS sec_tributary' });
      await ingestion.command({ query: 'CREATE TABLE IF NOT EXISTS sec_tributary.events_raw (id String) ENGINE = ReplacingMergeTree ORDER BY id' });
      await admin.command({ query: 'CREATE TABLE IF NOT EXISTS sec_tributary.drift_reports (id String) ENGINE = MergeTree ORDER BY id' });
      await ingestion.insert({ table: 'sec_tributary.events_raw', values: [{ id: 'e1' }], format: 'JSONEachRow' });
      const rows = await (await trainer.query({ query: 'SELECT id FROM sec_tributary.events_raw', format: 'JSONEachRow' })).json();
      expect(rows).toEqual([{ id: 'e1' }]);
      await expect(trainer.insert({ table: 'sec_tributary.events_raw', values: [{ id: 'forged' }], format: 'JSONEachRow' })).rejects.toThrow(/ACCESS_DENIED|Not enough privileges/);
      await expect(ingestion.query({ query: 'SELECT * FROM sec_tributary.drift_reports' })).rejects.toThrow(/ACCESS_DENIED|Not enough privileges/);
    } finally {
      await Promise.all([admin.close(), ingestion.close(), trainer.close()]);
    }
  });

  it('lets the trainer stage labels in a temporary table of its session, and no other service', async () => {
    const staging = async (principal: string) => {
      const client = clickhouseAs(principal);
      try {
        await client.command({ query: 'CREATE TEMPORARY TABLE labels (i UInt32) ENGINE = Memory', session_id: `secure-spec-${principal}-${Date.now()}` });
      } finally {
        await client.close();
      }
    };
    await expect(staging('trainer')).resolves.toBeUndefined();
    await expect(staging('ingestion')).rejects.toThrow(/ACCESS_DENIED|Not enough privileges/);
  });

  it('gives the embedded engine\'s passwordless default user no table at all', async () => {
    const anonymous = createClient({ url: `http://127.0.0.1:${ports.clickhouseHttp}`, log: { level: ClickHouseLogLevel.OFF } });
    await expect(anonymous.query({ query: 'SELECT * FROM sec_tributary.events_raw' })).rejects.toThrow(/ACCESS_DENIED|Not enough privileges/);
    await anonymous.close();
  });
});

describe('writeSecureClientEnvFiles()', () => {
  it("writes each service's credentials to a 0600 file that its clients can use as they are", async () => {
    const files = await writeSecureClientEnvFiles(home, secrets, ports, { inference: { REGISTRY_TLS: 'true' } });
    const text = readFileSync(files['inference'] ?? '', 'utf8');
    expect(text).toContain('KAFKA_SASL_USERNAME=inference\n');
    expect(text).toContain('REGISTRY_TLS=true\n');
    const url = secureClientEnv('inference', secrets, ports)['REDIS_URL'] ?? '';
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      expect(await client.hget('sec:features:airport:ORD', 'flights_1h')).toBe('12');
    } finally {
      client.disconnect();
    }
  });
});
