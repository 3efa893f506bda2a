import { create, fromBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { EventSchema, ScoredEventSchema, ServingTier, type Event, type ScoredEvent } from '@tributary/contracts';
import type { FlightAtDeparture } from '@tributary/features';
import { createKafkaClient, createProducer, topics, type TopicDefinition } from '@tributary/kafka';
import { createTestTopics, readRecords, uniqueName, type TestTopics } from '@tributary/kafka/testing';
import { createLogger, getMetricsRegistry } from '@tributary/observability';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { departingFlights, fillFlightStores, flightRecords, type FlightStores } from './testing/flight-stores.fixture.js';
import { registryWithChampion, trainFlightModels, type TrainedModels } from './testing/served-models.fixture.js';
import { createServingPipeline, createStreamingScorer, type ServingPipeline } from './index.js';

const T0 = Date.UTC(2001, 2, 5, 6, 0);
const MINUTE_MS = 60_000;
const logger = createLogger({ name: 'streaming-spec', level: 'error' });

/** A flight.departed event as ingestion writes it to events.validated. */
function departedEvent(id: string, flight: FlightAtDeparture): Event {
  return create(EventSchema, {
    eventId: id,
    type: 'flight.departed',
    source: '/tests/streaming',
    entityId: `${flight.origin}-${flight.destination}`,
    eventTime: timestampFromMs(flight.departureTimeMs),
    payload: {
      case: 'flightDeparted',
      value: { flightKey: id, origin: flight.origin, destination: flight.destination, distanceMiles: flight.distanceMiles, departureTime: timestampFromMs(flight.departureTimeMs) },
    },
  });
}

function arrivedEvent(id: string, flight: FlightAtDeparture): Event {
  return create(EventSchema, {
    eventId: id,
    type: 'flight.arrived',
    source: '/tests/streaming',
    entityId: `${flight.origin}-${flight.destination}`,
    eventTime: timestampFromMs(flight.departureTimeMs + 90 * MINUTE_MS),
    payload: { case: 'flightArrived', value: { flightKey: id, origin: flight.origin, destination: flight.destination, arrivalDelayMinutes: 3 } },
  });
}

async function metricValue(name: string): Promise<number> {
  const values = (await getMetricsRegistry().getSingleMetric(name)?.get())?.values ?? [];
  return values.reduce((sum, v) => sum + v.value, 0);
}

describe('createStreamingScorer()', { timeout: 180_000 }, () => {
  let kafka: Kafka;
  let testTopics: TestTopics;
  let models: TrainedModels;
  let stores: FlightStores;
  let lastEventMs: number;

  beforeAll(async () => {
    kafka = createKafkaClient({ clientId: 'streaming-spec', logger });
    testTopics = createTestTopics(kafka);
    models = trainFlightModels();
    const replay = flightRecords(300, T0);
    lastEventMs = Math.floor(replay.lastEventMs);
    stores = await fillFlightStores(replay.records);
  });

  afterAll(async () => {
    await stores?.close();
    await testTopics?.deleteAll();
  });

  async function streamTopics(): Promise<{ events: TopicDefinition<Event>; scored: TopicDefinition<ScoredEvent>; dlq: TopicDefinition<Uint8Array> }> {
    // One after the other: creating several at once sometimes made the broker answer a describe before it hosted the partition.
    const events = await testTopics.create(topics.eventsValidated);
    const scored = await testTopics.create(topics.predictionsScored);
    const dlq = await testTopics.create(topics.eventsDlq);
    return { events, scored, dlq };
  }

  async function publish(topic: TopicDefinition<Event>, events: readonly Event[]): Promise<void> {
    const producer = createProducer({ kafka, source: '/tests/streaming', logger });
    await producer.send(topic, events.map((event) => ({ key: event.entityId, id: event.eventId, value: event, type: event.type })));
    await producer.close();
  }

  /** A started scorer of the pipeline on the test's topics, in a group of its own, each attempt with a generous deadline. */
  async function startScorer(pipeline: ServingPipeline, { events, scored, dlq }: Awaited<ReturnType<typeof streamTopics>>, maxBatchSize: number) {
    const scorer = createStreamingScorer({
      pipeline,
      kafka,
      eventsTopic: events.name,
      scoredTopic: scored.name,
      deadLetterTopic: dlq.name,
      groupId: uniqueName('streaming-spec'),
      deadlineMs: 5_000,
      maxBatchSize,
      logger,
    });
    await scorer.start();
    return scorer;
  }

  const readScored = async (topic: string, count: number) =>
    (await readRecords(kafka, topic, count, { timeoutMs: 90_000 })).map((record) => fromBinary(ScoredEventSchema, record.value ?? new Uint8Array()));

  it('scores each departure once, with the answer online Predict gives the same flight from the same version, and dead-letters an invalid one', async () => {
    const { registry, primary } = await registryWithChampion(models);
    // Generous budgets: the subject is the equality of both paths; on a loaded machine an online read past its 25 ms budget
    // makes either path answer from declared defaults (flagged in defaultedFeatures), as it should, but not equal.
    const pipeline: ServingPipeline = createServingPipeline({
      registry,
      onlineStore: stores.online,
      resilience: { primaryBudgetMs: 2_000, onlineStoreBudgetMs: 2_000 },
    });
    await pipeline.start();
    const { events, scored, dlq } = await streamTopics();
    const flights = Array.from({ length: 10 }, (_, i) => departingFlights(lastEventMs - i * 17 * MINUTE_MS)).flat();
    const departures = flights.map((flight, i) => departedEvent(`dep-${i}`, flight));
    const invalid = departedEvent('dep-invalid', { origin: 'ord', destination: 'LAX', distanceMiles: 1744, departureTimeMs: lastEventMs });
    await publish(events, [...departures.slice(0, 30), arrivedEvent('arr-1', flights[0] as FlightAtDeparture), invalid, ...departures.slice(30)]);
    const scorer = await startScorer(pipeline, { events, scored, dlq }, 16);
    try {
      const answers = await readScored(scored.name, departures.length);
      expect(new Set(answers.map((answer) => answer.eventId)).size).toBe(departures.length);
      expect(answers.map((answer) => answer.eventId).sort()).toEqual(departures.map((event) => event.eventId).sort());
      for (const answer of answers) {
        const flight = flights[Number(answer.eventId.slice('dep-'.length))] as FlightAtDeparture;
        const online = await pipeline.predict({ model: 'flight-delay', flight, eventId: answer.eventId, requestId: `check-${answer.eventId}`, deadlineAtMs: Date.now() + 5_000 });
        expect(answer.prediction).toMatchObject({ modelVersion: primary, servedBy: ServingTier.PRIMARY, alias: 'champion', requestId: answer.eventId });
        expect(online.modelVersion).toBe(primary);
        expect(Math.abs((answer.prediction?.probability ?? Number.NaN) - online.probability)).toBeLessThanOrEqual(1e-6);
        expect(answer.prediction?.defaultedFeatures).toEqual(online.defaultedFeatures);
        expect(answer.sourceTopic).toBe(events.name);
      }
      // The online store answered: the route's week-long statistics were there.
      expect(answers.every((answer) => !answer.prediction?.defaultedFeatures.includes('route.arrivals_7d'))).toBe(true);
      const [letter] = await readRecords(kafka, dlq.name, 1, { timeoutMs: 30_000 });
      expect(letter?.headers['dlq_source_ce_id']).toBe('dep-invalid');
      expect(letter?.headers['dlq_error']).toContain('upper-case');
    } finally {
      await scorer.close();
      await pipeline.close();
    }
  });

  it('pauses while the serving queue sheds and asks again until every event is answered: none dropped, none twice', async () => {
    const { registry } = await registryWithChampion(models);
    // One worker, tiny batches and a queue of 4 rows: a chunk of 100 events is mostly shed at first.
    const pipeline = createServingPipeline({ registry, execution: { workers: 1, maxBatchSize: 2, maxQueuedRows: 4 }, resilience: { primaryBudgetMs: 5_000 } });
    await pipeline.start();
    const { events, scored, dlq } = await streamTopics();
    const departures = Array.from({ length: 300 }, (_, i) => departedEvent(`bp-${i}`, departingFlights(T0 + i * MINUTE_MS)[i % 6] as FlightAtDeparture));
    await publish(events, departures);
    const waitsBefore = await metricValue('tributary_streaming_back_pressure_waits_total');
    const scorer = await startScorer(pipeline, { events, scored, dlq }, 100);
    try {
      const answers = await readScored(scored.name, departures.length);
      expect(new Set(answers.map((answer) => answer.eventId)).size).toBe(departures.length);
      expect(answers.every((answer) => answer.prediction?.servedBy === ServingTier.PRIMARY)).toBe(true);
      // Nothing beyond one answer per event: a reader waiting for one more gets none.
      await expect(readRecords(kafka, scored.name, departures.length + 1, { timeoutMs: 5_000 })).rejects.toThrow(`read ${departures.length} of`);
      expect(await metricValue('tributary_streaming_back_pressure_waits_total')).toBeGreaterThan(waitsBefore);
      expect(scorer.backPressured).toBe(false);
    } finally {
      await scorer.close();
      await pipeline.close();
    }
  });
});
