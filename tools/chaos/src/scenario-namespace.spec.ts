import { describe, expect, it } from 'vitest';
import { scenarioNamespace } from './scenario-namespace.js';

describe('scenarioNamespace()', () => {
  const names = scenarioNamespace('a1b2c3', 'kill-ingestion');

  it('gives every scenario its own topics, groups, databases and prefixes', () => {
    const other = scenarioNamespace('a1b2c3', 'kill-redis');
    const fields = ['rawTopic', 'validatedTopic', 'dlqTopic', 'ingestionGroup', 'featuresGroup', 'database', 'referenceDatabase', 'featuresPrefix', 'referencePrefix'] as const;
    for (const field of fields) expect(names[field]).not.toBe(other[field]);
    expect(names.database).toMatch(/^[A-Za-z0-9_]+$/);
    expect(names.referenceDatabase).toMatch(/^[A-Za-z0-9_]+$/);
  });

  it('points each service at those names', () => {
    expect(names.serviceEnv('ingestion')).toMatchObject({ INGEST_RAW_TOPIC: names.rawTopic, INGEST_VALIDATED_TOPIC: names.validatedTopic, INGEST_GROUP_ID: names.ingestionGroup });
    expect(names.serviceEnv('feature-pipeline')).toMatchObject({ FEATURES_VALIDATED_TOPIC: names.validatedTopic, FEATURES_REDIS_PREFIX: names.featuresPrefix, FEATURES_DLQ_TOPIC: names.dlqTopic });
    expect(names.serviceEnv('trainer', { grpcPort: 41_000, opsPort: 41_001 })).toMatchObject({ REGISTRY_ADDRESS: '127.0.0.1:41000' });
  });
});
