import { create, fromBinary } from '@bufbuild/protobuf';
import {
  ModelLifecycleEventSchema,
  ModelLifecycleEventType,
  PredictionLogSchema,
  ServingTier,
} from '@tributary/contracts';
import { DeadLetterHeader, createKafkaClient, createProducer, topics } from '@tributary/kafka';
import { createTestTopics, readRecords, type TestTopics } from '@tributary/kafka/testing';
import { getMetricsRegistry } from '@tributary/observability';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL, ORD_LAX, moveAlias, registerPair, registryWithChampion, requestMaker, trainFlightModels, type TrainedModels } from './testing/served-models.fixture.js';
import { OverloadedError, createServingPipeline } from './index.js';

const request = requestMaker('kafka', { flight: ORD_LAX });
/** A generous primary budget: these specs are about Kafka, not about a loaded machine's pauses. */
const BUDGET_MS = 2_000;

async function predictionLogs(outcome: 'sent' | 'dropped'): Promise<number> {
  const values = (await getMetricsRegistry().getSingleMetric('tributary_serving_prediction_logs_total')?.get())?.values ?? [];
  return values.find((v) => v.labels['outcome'] === outcome)?.value ?? 0;
}
const droppedLogs = () => predictionLogs('dropped');

describe('serving with Kafka', { timeout: 120_000 }, () => {
  let kafka: Kafka;
  let testTopics: TestTopics;
  let models: TrainedModels;

  beforeAll(() => {
    kafka = createKafkaClient({ clientId: 'serving-spec' });
    testTopics = createTestTopics(kafka);
    models = trainFlightModels();
  });

  afterAll(() => testTopics.deleteAll());

  it('logs every prediction to predictions.logged, and shadow copies only there', async () => {
    const { registry, primary } = await registryWithChampion(models);
    const shadow = await registerPair(registry, trainFlightModels({ seed: 5, rounds: 8 }));
    await moveAlias(registry, 'shadow', shadow.primary);
    const predictions = await testTopics.create(topics.predictionsLogged);
    const lifecycle = await testTopics.create(topics.modelLifecycle);
    const pipeline = createServingPipeline({
      registry,
      kafka: { connection: { clientId: 'serving-spec' }, predictionsTopic: predictions.name, lifecycleTopic: lifecycle.name },
      resilience: { primaryBudgetMs: BUDGET_MS },
    });
    await pipeline.start();
    try {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await pipeline.predict(request({ eventId: `dep-${i}`, traceId })));
      expect(answers.every((a) => a.alias === 'champion' && a.modelVersion === primary)).toBe(true);

      const logs = (await readRecords(kafka, predictions.name, 6, { timeoutMs: 30_000 })).map((record) => fromBinary(PredictionLogSchema, record.value as Buffer));
      const served = logs.filter((log) => !log.shadow);
      const shadowed = logs.filter((log) => log.shadow);
      expect(served.map((log) => log.eventId).sort()).toEqual(['dep-0', 'dep-1', 'dep-2']);
      expect(shadowed.map((log) => log.eventId).sort()).toEqual(['dep-0', 'dep-1', 'dep-2']);
      for (const log of served) {
        const answer = answers.find((a, i) => `dep-${i}` === log.eventId);
        expect(log).toMatchObject({
          modelName: MODEL,
          modelVersion: primary,
          alias: 'champion',
          servedBy: ServingTier.PRIMARY,
          traceId,
          probability: answer?.probability,
          entityIds: { origin: 'ORD', destination: 'LAX', route: 'ORD-LAX' },
          categoricalFeatures: { origin_code: 'ORD', destination_code: 'LAX' },
        });
        expect(log.features['distance_miles']).toBe(1744);
        expect(log.defaultedFeatures).toContain('route.arrivals_7d');
      }
      for (const log of shadowed) expect(log).toMatchObject({ modelVersion: shadow.primary, alias: 'shadow', servedBy: ServingTier.PRIMARY });
    } finally {
      await pipeline.close();
    }
  });

  it('loads a new champion when model.lifecycle says it moved, without waiting for the poll', async () => {
    const { registry, primary } = await registryWithChampion(models);
    const next = await registerPair(registry, trainFlightModels({ seed: 9, rounds: 8 }));
    const lifecycle = await testTopics.create(topics.modelLifecycle);
    const predictions = await testTopics.create(topics.predictionsLogged);
    const pipeline = createServingPipeline({
      registry,
      pollIntervalMs: 600_000,
      kafka: { connection: { clientId: 'serving-spec' }, lifecycleTopic: lifecycle.name, predictionsTopic: predictions.name },
      resilience: { primaryBudgetMs: BUDGET_MS },
    });
    const producer = createProducer({ kafka, source: '/tributary/serving-spec' });
    await pipeline.start();
    try {
      expect((await pipeline.predict(request())).modelVersion).toBe(primary);
      await moveAlias(registry, 'champion', next.primary);
      const event = create(ModelLifecycleEventSchema, {
        eventId: `move-${Date.now()}`,
        type: ModelLifecycleEventType.ALIAS_SET,
        modelName: MODEL,
        alias: 'champion',
        version: next.primary,
        previousVersion: primary,
      });
      const until = Date.now() + 30_000;
      let version = primary;
      while (version !== next.primary && Date.now() < until) {
        // The consumer joins in the background: the event is sent again until it is seen.
        await producer.send(lifecycle, [{ key: MODEL, value: event }]);
        await new Promise((resolve) => setTimeout(resolve, 500));
        version = (await pipeline.predict(request())).modelVersion;
      }
      expect(version).toBe(next.primary);
    } finally {
      await producer.close();
      await pipeline.close();
    }
  });

  it('dead-letters a lifecycle record it cannot read to the topic it is given, not to the default events.dlq', async () => {
    const { registry } = await registryWithChampion(models);
    const lifecycle = await testTopics.create(topics.modelLifecycle);
    const predictions = await testTopics.create(topics.predictionsLogged);
    const deadLetters = await testTopics.create(topics.eventsDlq);
    const pipeline = createServingPipeline({
      registry,
      kafka: { connection: { clientId: 'serving-spec' }, lifecycleTopic: lifecycle.name, predictionsTopic: predictions.name, deadLetterTopic: deadLetters.name },
      resilience: { primaryBudgetMs: BUDGET_MS },
    });
    const producer = kafka.producer();
    await Promise.all([pipeline.start(), producer.connect()]);
    try {
      const until = Date.now() + 30_000;
      let letters: Awaited<ReturnType<typeof readRecords>> = [];
      while (letters.length === 0 && Date.now() < until) {
        // The consumer joins in the background (from the end of the topic): the record is sent again until one is dead-lettered.
        await producer.send({ topic: lifecycle.name, messages: [{ key: MODEL, value: Buffer.from([0xff, 0xff, 0xff]) }] });
        letters = await readRecords(kafka, deadLetters.name, 1, { timeoutMs: 1_000 }).catch(() => []);
      }
      expect(letters[0]?.headers[DeadLetterHeader.sourceTopic]).toBe(lifecycle.name);
    } finally {
      await producer.disconnect();
      await pipeline.close();
    }
  });

  it('refuses new calls (RESOURCE_EXHAUSTED) rather than drop logs while Kafka takes them more slowly than they come, and takes them again once it caught up', async () => {
    const { registry } = await registryWithChampion(models);
    const predictions = await testTopics.create(topics.predictionsLogged);
    const pipeline = createServingPipeline({
      registry,
      kafka: { connection: { clientId: 'serving-spec-behind' }, predictionsTopic: predictions.name, maxBufferedLogs: 40 },
      resilience: { primaryBudgetMs: BUDGET_MS },
      routing: { shadow: false },
    });
    await pipeline.start();
    try {
      const [sentBefore, droppedBefore] = [await predictionLogs('sent'), await droppedLogs()];
      // Kafka takes logs: one went through.
      await pipeline.predict(request());
      await expect.poll(async () => (await predictionLogs('sent')) - sentBefore, { timeout: 30_000 }).toBe(1);
      // 30 logs wait at once (more than half of the 40 the logs may fill) while sends go through: Kafka is behind.
      const batch = await pipeline.predictMany(Array.from({ length: 30 }, () => request()));
      expect(batch.every((answer) => !(answer instanceof Error))).toBe(true);
      const refused = await pipeline.predict(request()).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OverloadedError);
      expect((refused as Error).message).toMatch(/prediction logs wait for Kafka/);
      // Once they are sent, calls are taken again; nothing was dropped.
      await expect.poll(async () => (await predictionLogs('sent')) - sentBefore, { timeout: 30_000 }).toBe(31);
      expect((await pipeline.predict(request())).tier).toBe('primary');
      expect((await droppedLogs()) - droppedBefore).toBe(0);
      const logged = await readRecords(kafka, predictions.name, 32, { timeoutMs: 30_000 });
      expect(logged).toHaveLength(32);
    } finally {
      await pipeline.close();
    }
  });

  it('goes on predicting while Kafka is unreachable, buffering logs up to a bound and counting the drops', async () => {
    const { registry } = await registryWithChampion(models);
    const pipeline = createServingPipeline({
      registry,
      drainTimeoutMs: 500,
      kafka: { connection: { clientId: 'serving-spec-down', brokers: ['127.0.0.1:1'], connectionTimeoutMs: 200 }, maxBufferedLogs: 5 },
      resilience: { primaryBudgetMs: BUDGET_MS },
    });
    await pipeline.start();
    try {
      const before = await droppedLogs();
      for (let i = 0; i < 40; i++) expect((await pipeline.predict(request())).tier).toBe('primary');
      // The logging thread reports its drops as it makes them.
      await expect.poll(async () => (await droppedLogs()) - before, { timeout: 10_000 }).toBeGreaterThanOrEqual(30);
    } finally {
      await pipeline.close();
    }
  });
});
