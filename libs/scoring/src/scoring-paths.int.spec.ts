/**
 * The three ways a departure gets scored — a batch job over the offline
 * store, the streaming scorer over `events.validated`, and online Predict —
 * give the same answer for the same flight and version. Real June flights:
 * the days before a cut-off go through the feature engine once, every
 * snapshot into a ClickHouse offline store and each entity's latest into a
 * Redis online store, and the flights that depart right after the cut-off
 * are scored all three ways. With no snapshot after the cut-off, a
 * departure's point-in-time row and its online read hold the same values.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { ClickHouseClient } from '@clickhouse/client';
import { ScoredEventSchema, ServingTier } from '@tributary/contracts';
import {
  createAggregationEngine,
  createOfflineStore,
  createOnlineStore,
  flightFeatureNames,
  flightFeatureSet,
  type FeatureRecord,
  type FeatureSnapshot,
} from '@tributary/features';
import { departedEvent, departedPastMidnight, readFlights, toEventMessage, toFlightEvents, type Flight } from '@tributary/flights';
import { localClickHouse } from '@tributary/infra/testing';
import { createKafkaClient, createProducer, topics } from '@tributary/kafka';
import { createTestTopics, readRecords } from '@tributary/kafka/testing';
import { exportOnnx, trainGbdt } from '@tributary/ml';
import { createLogger } from '@tributary/observability';
import { createOnnxWorkerPool, createServingPipeline, createStreamingScorer } from '@tributary/serving';
import { buildFlightDataset } from '@tributary/training';
import { flightFeatureEvent } from '@tributary/training/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFlightsParquet } from './testing/flights-parquet.fixture.js';
import { MODEL, registryWith, uniqueName } from './testing/scoring-stack.fixture.js';
import { createParquetDepartureSource, createScoringStore, parseModelSpec, resolveScoringModel, scoreFlights } from './index.js';

const REPLAY_FROM_MS = Date.UTC(2001, 5, 4);
/** Events before this are in both stores; the flights scored depart from here on. */
const CUT_OFF_MS = Date.UTC(2001, 5, 8, 6, 0);
const SCORED_FLIGHTS = 200;
const logger = createLogger({ name: 'scoring-paths-spec', level: 'error' });

describe('batch, streaming and online scoring of the same June flights', { timeout: 600_000 }, () => {
  const kafka = createKafkaClient({ clientId: 'scoring-paths-spec', logger });
  const testTopics = createTestTopics(kafka);
  const redis = new Redis(process.env['REDIS_URL']?.trim() || 'redis://127.0.0.1:6379');
  const prefix = uniqueName('scoring_paths');
  const database = uniqueName('scoring_paths');
  let client: ClickHouseClient;
  let directory: string;

  beforeAll(async () => {
    client = localClickHouse();
    directory = await mkdtemp(join(tmpdir(), 'scoring-paths-'));
  });

  afterAll(async () => {
    await client?.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` });
    await client?.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await testTopics.deleteAll();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  /** The week before the cut-off through the engine: every snapshot offline, each entity's latest online. */
  async function fillStores() {
    const offline = createOfflineStore({ client, featureSet: flightFeatureSet, database });
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS \`${database}\`` });
    await offline.ensureSchema();
    const engine = createAggregationEngine({ featureSet: flightFeatureSet });
    const latest = new Map<string, FeatureSnapshot>();
    let batch: FeatureRecord[] = [];
    let offset = 0n;
    const flush = async () => {
      const { snapshots } = engine.apply(batch);
      await offline.write(snapshots);
      for (const snapshot of snapshots) latest.set(`${snapshot.entityType}/${snapshot.entityId}`, snapshot);
      batch = [];
    };
    for await (const event of toFlightEvents(readFlights({ fromMs: REPLAY_FROM_MS, toMs: CUT_OFF_MS }))) {
      if (event.eventTimeMs >= CUT_OFF_MS) continue; // an arrival (or a slipped departure) after the cut-off
      batch.push({ source: 'scoring-paths-spec', offset: offset++, event: flightFeatureEvent(event) });
      if (batch.length >= 20_000) await flush();
    }
    await flush();
    const online = createOnlineStore({ redis, featureSet: flightFeatureSet, prefix, timeoutMs: 10_000 });
    const snapshots = [...latest.values()];
    for (let i = 0; i < snapshots.length; i += 1_000) await online.write(snapshots.slice(i, i + 1_000));
    return { offline, online };
  }

  /** A GBDT trained the trainer's way on the departures before the last day, registered as version 1 with `champion` on it. */
  async function trainModel(offline: Awaited<ReturnType<typeof fillStores>>['offline']) {
    const flights: Flight[] = [];
    for await (const flight of readFlights({ fromMs: REPLAY_FROM_MS, toMs: CUT_OFF_MS - 86_400_000 })) flights.push(flight);
    const dataset = await buildFlightDataset(
      {
        rowCount: flights.length,
        departureTimesMs: Float64Array.from(flights, (f) => f.departureTimeMs),
        labels: Float64Array.from(flights, (f) => (f.arrivalDelayMinutes >= 15 ? 1 : 0)),
        origins: flights.map((f) => f.origin),
        destinations: flights.map((f) => f.destination),
        distancesMiles: Float64Array.from(flights, (f) => f.distanceMiles),
      },
      offline,
    );
    const onnx = exportOnnx(trainGbdt(dataset.matrix, dataset.labels, { maxRounds: 30, seed: 7 }), {
      modelName: MODEL,
      modelVersion: 'spec',
      trainingWindow: { start: new Date(REPLAY_FROM_MS).toISOString(), end: new Date(CUT_OFF_MS).toISOString() },
    });
    return registryWith(onnx, flightFeatureNames(flightFeatureSet));
  }

  it('gives each flight the same probability from the same version (≤ 1e-6), whichever way it is scored', async () => {
    const { offline, online } = await fillStores();
    const registry = await trainModel(offline);
    // Past-midnight departures are left out: their row (the batch job's, the trainer's) keeps the recorded day, their
    // events (what the stream and a caller see) happen a day later, so the two are different questions.
    const departing: Flight[] = [];
    for await (const flight of readFlights({ fromMs: CUT_OFF_MS })) {
      if (!departedPastMidnight(flight)) departing.push(flight);
      if (departing.length === SCORED_FLIGHTS) break;
    }
    const events = departing.map((flight) => toEventMessage(departedEvent(flight)));

    // Batch: a Parquet file of the flights, features from the offline store as of each departure.
    const file = join(directory, 'june.parquet');
    writeFlightsParquet(file, departing);
    const pool = createOnnxWorkerPool({ workers: 2 });
    const store = createScoringStore({ client, database });
    try {
      const result = await scoreFlights({
        source: createParquetDepartureSource({ path: file }),
        model: await resolveScoringModel(registry, parseModelSpec(`${MODEL}@1`)),
        features: offline,
        store,
        pool,
      });
      expect(result).toMatchObject({ status: 'complete', scoredRows: SCORED_FLIGHTS });
    } finally {
      await pool.close();
    }
    const batch = await client.query({ query: `SELECT event_id, model_version, probability FROM \`${database}\`.batch_scores`, format: 'JSONEachRow' });
    const batchScores = new Map((await batch.json<{ event_id: string; model_version: number; probability: number }>()).map((row) => [row.event_id, row]));
    expect([...batchScores.keys()].sort()).toEqual(events.map((event) => event.eventId).sort());

    // Streaming and online: the serving pipeline on the online store, budgets wide enough that a loaded machine's pauses
    // do not send a read to the declared defaults (which would be flagged, and rightly differ).
    const pipeline = createServingPipeline({ registry, onlineStore: online, resilience: { primaryBudgetMs: 5_000, onlineStoreBudgetMs: 5_000 } });
    await pipeline.start();
    const eventsTopic = await testTopics.create(topics.eventsValidated);
    const scoredTopic = await testTopics.create(topics.predictionsScored);
    const dlqTopic = await testTopics.create(topics.eventsDlq);
    const producer = createProducer({ kafka, source: '/tests/scoring-paths', logger });
    const scorer = createStreamingScorer({
      pipeline,
      kafka,
      eventsTopic: eventsTopic.name,
      scoredTopic: scoredTopic.name,
      deadLetterTopic: dlqTopic.name,
      groupId: uniqueName('scoring-paths'),
      deadlineMs: 10_000,
      logger,
    });
    try {
      await producer.send(eventsTopic, events.map((event) => ({ key: event.entityId, id: event.eventId, value: event, type: event.type })));
      await scorer.start();
      const streamed = (await readRecords(kafka, scoredTopic.name, SCORED_FLIGHTS, { timeoutMs: 120_000 })).map((record) =>
        fromBinary(ScoredEventSchema, record.value ?? new Uint8Array()),
      );
      expect(new Set(streamed.map((answer) => answer.eventId)).size).toBe(SCORED_FLIGHTS);

      let worst = 0;
      let routesRead = 0;
      for (const answer of streamed) {
        const event = events.find((each) => each.eventId === answer.eventId);
        if (event?.payload.case !== 'flightDeparted') throw new Error(`no departure for ${answer.eventId}`);
        const { origin, destination, distanceMiles, departureTime } = event.payload.value;
        const flight = { origin, destination, distanceMiles, departureTimeMs: departureTime ? timestampMs(departureTime) : Number.NaN };
        const asked = await pipeline.predict({ model: MODEL, flight, eventId: answer.eventId, requestId: `online-${answer.eventId}`, deadlineAtMs: Date.now() + 10_000 });
        const scored = batchScores.get(answer.eventId);
        expect(answer.prediction).toMatchObject({ modelVersion: 1, servedBy: ServingTier.PRIMARY });
        expect(asked).toMatchObject({ modelVersion: 1, tier: 'primary' });
        // Values the store no longer holds as of the departure (an airport's hour-long statistics after a quiet night)
        // are the model's declared defaults both ways, and flagged; the batch row has the same gaps.
        expect(answer.prediction?.defaultedFeatures).toEqual(asked.defaultedFeatures);
        if (!asked.defaultedFeatures.includes('route.arrivals_7d')) routesRead++;
        expect(scored?.model_version).toBe(1);
        const probabilities = [answer.prediction?.probability ?? Number.NaN, asked.probability, scored?.probability ?? Number.NaN];
        worst = Math.max(worst, Math.max(...probabilities) - Math.min(...probabilities));
      }
      expect(worst).toBeLessThanOrEqual(1e-6);
      // The online store really answered: most routes had their week-long statistics there.
      expect(routesRead).toBeGreaterThan(SCORED_FLIGHTS * 0.8);
    } finally {
      await scorer.close();
      await producer.close();
      await pipeline.close();
    }
  });
});
