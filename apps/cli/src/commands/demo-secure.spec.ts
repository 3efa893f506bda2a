import { create } from '@bufbuild/protobuf';
import { ModelLifecycleEventSchema, ModelLifecycleEventType, ModelVersionSchema } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { formatServicePrincipal, recommendedForChampion } from './demo-secure.js';

describe('formatServicePrincipal()', () => {
  it('names the users of a service that runs as its own principal on all three servers, and its certificate', () => {
    const env = {
      KAFKA_SASL_USERNAME: 'inference',
      CLICKHOUSE_USER: 'inference',
      REDIS_URL: 'redis://inference:s3cret@127.0.0.1:6379',
      TLS_CERT_FILE: '/home/secrets/pki/default/inference-cert.pem',
    };
    expect(formatServicePrincipal('inference', env)).toBe(
      'inference         as principal inference: Kafka, Redis and ClickHouse user inference, certificate /home/secrets/pki/default/inference-cert.pem',
    );
  });

  it('says so when the users differ or are missing, and never shows a password', () => {
    const line = formatServicePrincipal('trainer', { KAFKA_SASL_USERNAME: 'trainer', REDIS_URL: 'redis://127.0.0.1:6379', CLICKHOUSE_USER: 'admin' });
    expect(line).toBe('trainer           as principal trainer: Kafka user trainer, Redis user default, ClickHouse user admin, certificate none');
    expect(formatServicePrincipal('x', { REDIS_URL: 'redis://x:pw@h:1' })).not.toContain('pw');
  });
});

describe('recommendedForChampion()', () => {
  const event = (alias: string, reason: string, role = 'primary') =>
    create(ModelLifecycleEventSchema, {
      type: ModelLifecycleEventType.ALIAS_SET,
      modelName: 'flight-delay',
      version: 4,
      alias,
      reason,
      modelVersion: create(ModelVersionSchema, { version: 4, tags: { role } }),
    });

  it("spots the trainer leaving a primary it recommends at challenger", () => {
    expect(recommendedForChampion(event('challenger', 'trained for request r; policy recommends it as champion: better than the champion'))).toBe(true);
  });

  it('ignores a version the policy keeps out, a fallback, and champion moves', () => {
    expect(recommendedForChampion(event('challenger', 'trained for request r; policy keeps the champion: AUC gain -0.0053 < 0.001'))).toBe(false);
    expect(recommendedForChampion(event('challenger', 'policy recommends it as champion', 'fallback'))).toBe(false);
    expect(recommendedForChampion(event('champion', 'operator approved the trainer, which recommends it as champion'))).toBe(false);
  });
});
