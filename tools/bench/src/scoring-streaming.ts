/**
 * The streaming part of the scoring benchmark: the streaming scorer of
 * `@tributary/serving` on the flights GBDT (the inference benchmark's, see
 * flights-gbdt.ts), in this process with two ONNX workers, online features
 * read from Redis (a week of real flights aggregated, see online-flights.ts),
 * consuming real departures from a topic of its own and writing its answers
 * in Kafka transactions, read by a read_committed reader as a downstream
 * service would.
 *
 * - `streaming events/s`: a backlog of departures drained, from the first
 *   answer a reader sees to the last (group join excluded).
 * - `streaming lag p50/p99 ms` at a steady replay: departures published at
 *   `replayRate` events/s for `replaySeconds`; per event, from just before its
 *   send to the moment the reader sees its committed answer (publish,
 *   consume, online read, model, transaction commit, read_committed fetch).
 * - `streaming primary tier share`: answers the primary model gave (the rest
 *   came from fallback tiers: budgets missed on a loaded machine).
 */
import { createHash } from 'node:crypto';
import { fromBinary } from '@bufbuild/protobuf';
import { ScoredEventSchema, ServingTier, type Event } from '@tributary/contracts';
import { createOnlineStore, flightFeatureSet } from '@tributary/features';
import { departedEvent, readFlights, toEventMessage } from '@tributary/flights';
import { createKafkaClient, createProducer, ensureTopics, topics, type TopicDefinition, type TypedProducer } from '@tributary/kafka';
import { createLogger } from '@tributary/observability';
import { createServingPipeline, createStreamingScorer } from '@tributary/serving';
import { createInMemoryTrainerRegistry } from '@tributary/training/testing';
import { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { flightsGbdt } from './flights-gbdt.js';
import { ONLINE_REQUESTS_FROM_MS, loadOnlineFeatures } from './online-flights.js';
import { percentile, type Measurement } from './results.js';
import type { ScoringBenchPart } from './scoring-bench-part.js';

const MODEL = 'flight-delay';
const backlogEvents = 20_000;
const replayRate = 200;
const replaySeconds = 30;
const tickMs = 50;

/** Departures after the replayed week, as ingestion writes them to events.validated. */
async function departures(count: number): Promise<Event[]> {
  const events: Event[] = [];
  for await (const flight of readFlights({ fromMs: ONLINE_REQUESTS_FROM_MS, maxFlights: count })) {
    const event = toEventMessage(departedEvent(flight));
    events.push(event);
  }
  return events;
}

const send = (producer: TypedProducer, topic: TopicDefinition<Event>, events: readonly Event[]) =>
  producer.send(topic, events.map((event) => ({ key: event.entityId, id: event.eventId, value: event, type: event.type })));

/** Reads committed answers as they come, noting when each event's was seen. */
async function watchAnswers(kafka: Kafka, topic: string, seenAt: Map<string, number>, tiers: Map<ServingTier, number>) {
  const consumer = kafka.consumer({ groupId: `bench-streaming-reader-${Date.now()}`, readUncommitted: false, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const now = performance.now();
      for (const message of batch.messages) {
        const { eventId, prediction } = fromBinary(ScoredEventSchema, message.value ?? new Uint8Array());
        if (!seenAt.has(eventId)) seenAt.set(eventId, now);
        const tier = prediction?.servedBy ?? ServingTier.UNSPECIFIED;
        tiers.set(tier, (tiers.get(tier) ?? 0) + 1);
      }
    },
  });
  return consumer;
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Measures the streaming scorer; see the module comment. */
export async function measureStreamingScoring(): Promise<Measurement[]> {
  const logger = createLogger({ name: 'bench-streaming', level: 'warn' });
  const model = await flightsGbdt();
  const registry = createInMemoryTrainerRegistry({ approvalExemptModels: [MODEL] });
  const { version } = await registry.register(
    {
      modelName: MODEL,
      modelType: 'gbdt',
      featureNames: [...model.featureNames],
      artifactSha256: createHash('sha256').update(model.onnx).digest('hex'),
      artifactSizeBytes: BigInt(model.onnx.length),
      artifactFormat: 'onnx',
      tags: {},
    },
    model.onnx,
  );
  await registry.setAlias({ modelName: MODEL, alias: 'champion', version, expectedVersion: 0, actor: 'bench', reason: 'benchmark' });

  const run = `bench-streaming-${Date.now()}`;
  const redis = new Redis(process.env['REDIS_URL']?.trim() || 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  const prefix = `bench:${run}:features`;
  const kafka = createKafkaClient({ clientId: 'bench-streaming', logger });
  const events = { ...topics.eventsValidated, name: `${run}.events.validated` };
  const scored = { ...topics.predictionsScored, name: `${run}.predictions.scored` };
  const admin = kafka.admin();
  await admin.connect();
  const producer = createProducer({ kafka, source: '/bench/streaming', logger });
  const pipeline = createServingPipeline({
    registry,
    onlineStore: createOnlineStore({ redis, featureSet: flightFeatureSet, prefix }),
    execution: { workers: 2, maxQueueDelayMs: 1 },
    logger,
  });
  const scorer = createStreamingScorer({ pipeline, kafka, eventsTopic: events.name, scoredTopic: scored.name, groupId: run, logger });
  const seenAt = new Map<string, number>();
  const tiers = new Map<ServingTier, number>();
  let reader: Awaited<ReturnType<typeof watchAnswers>> | undefined;
  try {
    console.log(`streaming: online features of 14–21 January 2001 into Redis (${await loadOnlineFeatures(redis, prefix)} entities)`);
    await ensureTopics(kafka, [events, scored]);
    const all = await departures(backlogEvents + replayRate * replaySeconds);
    const backlog = all.slice(0, backlogEvents);
    const replay = all.slice(backlogEvents);
    for (let i = 0; i < backlog.length; i += 1_000) await send(producer, events, backlog.slice(i, i + 1_000));
    await pipeline.start();
    reader = await watchAnswers(kafka, scored.name, seenAt, tiers);
    await scorer.start();
    await until(() => seenAt.size >= backlog.length, 600_000, `answers to the ${backlog.length} backlog events`);
    const times = [...seenAt.values()];
    const drainSeconds = (Math.max(...times) - Math.min(...times)) / 1000;
    const eventsPerSecond = (backlog.length - 1) / drainSeconds;
    console.log(`streaming: backlog of ${backlog.length} drained at ${eventsPerSecond.toFixed(0)} events/s`);

    const sentAt = new Map<string, number>();
    const perTick = (replayRate * tickMs) / 1000;
    const startedAt = performance.now();
    // Up to four sends in flight: one slow acknowledgement does not hold the replay back, a slow broker does (kafkajs
    // queues sends behind one lock and fails those that wait too long).
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < replay.length; i += perTick) {
      const due = startedAt + (i / perTick) * tickMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const tick = replay.slice(i, i + perTick);
      const now = performance.now();
      for (const event of tick) sentAt.set(event.eventId, now);
      sends.push(send(producer, events, tick));
      if (sends.length >= 4) await sends.shift();
    }
    const replayedRate = replay.length / ((performance.now() - startedAt) / 1000);
    await Promise.all(sends);
    await until(() => replay.every((event) => seenAt.has(event.eventId)), 300_000, 'answers to the replayed events');
    const lags = replay.map((event) => (seenAt.get(event.eventId) as number) - (sentAt.get(event.eventId) as number));
    const p50 = percentile(lags, 50);
    const p99 = percentile(lags, 99);
    console.log(`streaming: ${replayedRate.toFixed(0)} events/s replayed for ${replaySeconds} s; lag p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
    const answers = seenAt.size;
    if (answers !== backlog.length + replay.length) throw new Error(`${answers} distinct answers for ${backlog.length + replay.length} events`);
    const primaryShare = (tiers.get(ServingTier.PRIMARY) ?? 0) / answers;
    console.log(`streaming: ${(primaryShare * 100).toFixed(1)} % of the answers from the primary model`);
    return [
      { name: 'streaming events/s', value: eventsPerSecond, unit: 'events/s' },
      { name: 'streaming primary tier share', value: primaryShare, unit: 'share' },
      { name: 'streaming replay rate events/s', value: replayedRate, unit: 'events/s' },
      { name: 'streaming lag p50 ms', value: p50, unit: 'ms' },
      { name: 'streaming lag p99 ms', value: p99, unit: 'ms' },
    ];
  } finally {
    await reader?.disconnect();
    await scorer.close();
    await pipeline.close();
    await producer.close();
    await admin.deleteTopics({ topics: [events.name, scored.name] }).catch(() => undefined);
    await admin.disconnect();
    const keys = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 1_000) await redis.del(...keys.slice(i, i + 1_000));
    redis.disconnect();
  }
}

export const streamingScoringPart: ScoringBenchPart = { name: 'streaming', run: async () => ({ measurements: await measureStreamingScoring() }) };
