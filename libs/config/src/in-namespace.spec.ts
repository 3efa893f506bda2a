import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  clickhouseEnv,
  consumerGroupEnv,
  describeConfig,
  envVar,
  formatConfigHelp,
  inNamespace,
  kafkaEnv,
  keyPrefixEnv,
  loadConfig,
  namespaceEnv,
  redisEnv,
  textSchema,
  topicNameEnv,
} from './index.js';

const schema = {
  kafka: kafkaEnv({ clientId: 'ingestion' }),
  redis: redisEnv(),
  clickhouse: clickhouseEnv(),
  rawTopic: topicNameEnv('RAW_TOPIC', 'Raw events.', 'events.raw'),
  groupId: consumerGroupEnv('GROUP_ID', 'Consumer group.', 'ingestion'),
  dedupPrefix: keyPrefixEnv('DEDUP_PREFIX', 'Dedup keys.', 'tributary:ingest:seen:'),
  artifacts: envVar({ name: 'ARTIFACT_DIR', description: 'Artifacts.', expected: 'a directory', schema: textSchema, default: '.tributary/registry/artifacts', namespaced: 'directory' }),
  modelName: envVar({ name: 'MODEL_NAME', description: 'Model.', expected: 'a name', schema: textSchema, default: 'flight-delay' }),
};

describe('inNamespace()', () => {
  it('puts the namespace in front of each kind of name, with a separator legal where the name is used', () => {
    expect(inNamespace('t1', 'topic', 'events.raw')).toBe('t1.events.raw');
    expect(inNamespace('t1', 'consumer-group', 'ingestion')).toBe('t1.ingestion');
    expect(inNamespace('t1', 'client-id', 'trainer')).toBe('t1.trainer');
    expect(inNamespace('t1', 'database', 'tributary')).toBe('t1_tributary');
    expect(inNamespace('t1', 'key-prefix', 'features')).toBe('t1:features');
    expect(inNamespace('t1', 'directory', '.tributary/registry/artifacts/')).toBe('.tributary/registry/t1.artifacts');
    expect(inNamespace('t1', 'directory', '/var/lib/artifacts')).toBe('/var/lib/t1.artifacts');
  });

  it('leaves every name as it is without a namespace', () => {
    expect(inNamespace(undefined, 'topic', 'events.raw')).toBe('events.raw');
    expect(inNamespace('', 'database', 'tributary')).toBe('tributary');
  });
});

describe('loadConfig() with TRIBUTARY_NAMESPACE', () => {
  it('moves every namespaced default into the namespace and leaves the others alone', () => {
    expect(loadConfig(schema, { TRIBUTARY_NAMESPACE: 'test' })).toMatchObject({
      kafka: { clientId: 'test.ingestion' },
      clickhouse: { database: 'test_tributary' },
      rawTopic: 'test.events.raw',
      groupId: 'test.ingestion',
      dedupPrefix: 'test:tributary:ingest:seen:',
      artifacts: '.tributary/registry/test.artifacts',
      modelName: 'flight-delay',
      redis: { url: 'redis://127.0.0.1:6379' },
    });
  });

  it('uses the documented names when the namespace is unset or blank', () => {
    for (const env of [{}, { TRIBUTARY_NAMESPACE: '  ' }]) {
      expect(loadConfig(schema, env)).toMatchObject({ kafka: { clientId: 'ingestion' }, clickhouse: { database: 'tributary' }, rawTopic: 'events.raw', groupId: 'ingestion' });
    }
  });

  it('uses a variable set explicitly as given, namespace or not', () => {
    const config = loadConfig(schema, { TRIBUTARY_NAMESPACE: 'test', RAW_TOPIC: 'shared.raw', CLICKHOUSE_DATABASE: 'analytics' });
    expect(config.rawTopic).toBe('shared.raw');
    expect(config.clickhouse.database).toBe('analytics');
    expect(config.groupId).toBe('test.ingestion');
  });

  it('refuses a namespace that is not a legal name everywhere, once, with what is expected', () => {
    for (const bad of ['Test', 'te-st', '1test', 'a'.repeat(33)]) {
      let error: unknown;
      try {
        loadConfig({ ...schema, ...namespaceEnv() }, { TRIBUTARY_NAMESPACE: bad });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.map((p) => p.variable)).toEqual(['TRIBUTARY_NAMESPACE']);
      expect((error as ConfigError).message).toContain('lower-case letters, digits and _');
    }
  });

  it('gives the namespace itself to a schema that asks for it', () => {
    expect(loadConfig(namespaceEnv(), { TRIBUTARY_NAMESPACE: 'ci_42' })).toEqual({ namespace: 'ci_42' });
    expect(loadConfig(namespaceEnv(), {})).toEqual({});
  });
});

describe('describeConfig() of a namespaced schema', () => {
  it('lists TRIBUTARY_NAMESPACE first and says what each namespaced default becomes', () => {
    const docs = describeConfig(schema);
    expect(docs[0]?.name).toBe('TRIBUTARY_NAMESPACE');
    expect(docs.find((doc) => doc.name === 'RAW_TOPIC')?.namespaced).toBe('topic');
    expect(formatConfigHelp(schema)).toContain('In namespace ns: ns_tributary.');
    expect(describeConfig({ modelName: schema.modelName }).map((doc) => doc.name)).toEqual(['MODEL_NAME']);
  });
});
