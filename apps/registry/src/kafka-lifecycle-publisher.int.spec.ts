import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { fromBinary } from '@bufbuild/protobuf';
import { ModelLifecycleEventSchema, ModelLifecycleEventType } from '@tributary/contracts';
import { createKafkaClient, createProducer, topics, type TypedProducer } from '@tributary/kafka';
import { createTestTopics, readRecords, type TestTopics } from '@tributary/kafka/testing';
import { createTestRegistry, type TestRegistry } from '@tributary/model-registry/testing';
import { createLogger } from '@tributary/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaLifecyclePublisher } from './kafka-lifecycle-publisher.js';

const MODEL = 'flight-delay';
const silent = createLogger({ name: 'registry-test', level: 'silent' });

describe('createKafkaLifecyclePublisher()', () => {
  const kafka = createKafkaClient({ clientId: 'registry-test', logger: silent });
  let testTopics: TestTopics;
  let producer: TypedProducer;

  beforeAll(() => {
    testTopics = createTestTopics(kafka);
    producer = createProducer({ kafka, source: '/tributary/registry', logger: silent });
  });
  afterAll(async () => {
    await producer.close();
    await testTopics.deleteAll();
  });

  it('puts one ModelLifecycleEvent per registry change on the topic, keyed by model, in order', async () => {
    const topic = await testTopics.create(topics.modelLifecycle);
    const test: TestRegistry = await createTestRegistry({ publisher: createKafkaLifecyclePublisher({ producer, topic }) });
    try {
      const { registry } = test;
      for (const n of [1, 2]) {
        const bytes = Buffer.alloc(512, n);
        await registry.registerVersion(
          {
            modelName: MODEL,
            sha256: createHash('sha256').update(bytes).digest('hex'),
            actor: 'trainer',
            lineage: { trainingWindowStartMs: 0, trainingWindowEndMs: 1, featureDefinitionsHash: 'h', codeVersion: 'c' },
          },
          Readable.from([bytes]),
        );
        await registry.approveVersion({ modelName: MODEL, version: n, actor: 'bob', reason: 'ok' });
        await registry.setAlias({ modelName: MODEL, alias: 'champion', version: n, actor: 'ci', reason: `promote ${n}` });
      }
      await registry.rollBackAlias({ modelName: MODEL, alias: 'champion', expectedVersion: 2, actor: 'sre', reason: 'rollback: latency' });
      await registry.deleteAlias({ modelName: MODEL, alias: 'champion', actor: 'sre', reason: 'retire' });
      await registry.flushLifecycleEvents();

      const history = await registry.getAuditHistory(MODEL);
      expect(history).toHaveLength(8);
      const records = await readRecords(kafka, topic.name, history.length);
      const events = records.map((record) => fromBinary(ModelLifecycleEventSchema, record.value ?? new Uint8Array()));
      expect(records.every((record) => record.key === MODEL)).toBe(true);
      expect(records.map((record) => record.headers['ce_id'])).toEqual(history.map((change) => `${MODEL}/${change.sequence}`));
      expect(events.map((event) => [event.sequence, event.type, event.version, event.previousVersion])).toEqual([
        [1, ModelLifecycleEventType.REGISTERED, 1, 0],
        [2, ModelLifecycleEventType.APPROVED, 1, 0],
        [3, ModelLifecycleEventType.ALIAS_SET, 1, 0],
        [4, ModelLifecycleEventType.REGISTERED, 2, 0],
        [5, ModelLifecycleEventType.APPROVED, 2, 0],
        [6, ModelLifecycleEventType.ALIAS_SET, 2, 1],
        [7, ModelLifecycleEventType.ALIAS_SET, 1, 2],
        [8, ModelLifecycleEventType.ALIAS_DELETED, 0, 1],
      ]);
      // The version an event carries is read when the relay publishes it, so its aliases may already show later
      // changes (here the deletion, when the relay ran after it): only which version it is can be asserted.
      expect(events[6]).toMatchObject({ alias: 'champion', actor: 'sre', reason: 'rollback: latency', modelVersion: { version: 1 } });
      expect(events[0]?.modelVersion).toMatchObject({ modelName: MODEL, version: 1, approval: { approvedBy: 'bob' } });
    } finally {
      await test.close();
    }
  });
});
