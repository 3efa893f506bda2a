import { flightFeatureSet, flightTrainingSet, createOnlineStore } from '@tributary/features';
import { createOnnxPredictor } from '@tributary/ml';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  copyHashes,
  createPrivateRedis,
  departingFlights,
  fillFlightStores,
  flightRecords,
  uniqueName,
  type FlightStores,
  type PrivateRedis,
} from './testing/flight-stores.fixture.js';
import { DEADLINE_SLACK_MS, registryWithChampion, requestMaker, trainFlightModels, type TrainedModels } from './testing/served-models.fixture.js';
import { createServingPipeline } from './index.js';

const T0 = Date.UTC(2001, 2, 5, 6, 0);
const { records, lastEventMs } = flightRecords(300, T0);
// No snapshot is stamped later than the last event: a departure then sees the latest values both ways.
const departing = departingFlights(lastEventMs);
const request = requestMaker('online');

describe('serving with the online store', { timeout: 120_000 }, () => {
  let models: TrainedModels;
  let stores: FlightStores;

  beforeAll(async () => {
    models = trainFlightModels();
    stores = await fillFlightStores(records);
  });

  afterAll(() => stores.close());

  it('predicts from online features exactly what the model gives the trainer’s point-in-time row of the same flight', async () => {
    const { registry } = await registryWithChampion(models);
    // A generous primary budget: the subject is the features, not a loaded machine's pauses.
    const pipeline = createServingPipeline({ registry, onlineStore: stores.online, resilience: { primaryBudgetMs: 2_000 } });
    await pipeline.start();
    try {
      const set = await flightTrainingSet(stores.offline, departing, departing.map(() => 0));
      const rows = new Float32Array(departing.length * set.columns.length);
      departing.forEach((_, r) => set.columns.forEach((column, f) => (rows[r * set.columns.length + f] = column[r] as number)));
      const reference = await createOnnxPredictor(models.gbdt);
      const expected = await reference.predictProba({ values: rows, rowCount: departing.length });
      await reference.close();
      for (const [r, flight] of departing.entries()) {
        const answer = await pipeline.predict(request({ flight }));
        expect(answer.tier).toBe('primary');
        expect(Math.abs(answer.probability - (expected[r] as number))).toBeLessThanOrEqual(1e-6);
        // The online store really answered: the route's and the airports' day-long statistics were there.
        expect(answer.defaultedFeatures).not.toContain('route.arrivals_7d');
        expect(answer.defaultedFeatures).not.toContain('origin.out_late_share_24h');
      }
    } finally {
      await pipeline.close();
    }
  });

  it('keeps answering within deadlines while its Redis is down, and reads online features again once it is back', async () => {
    const server: PrivateRedis = await createPrivateRedis();
    await server.start();
    const redis = new Redis(server.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
    const cacheRedis = new Redis(server.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
    for (const client of [redis, cacheRedis]) client.on('error', () => undefined); // refused connections while it is down are the point
    const { registry } = await registryWithChampion(models);
    const pipeline = createServingPipeline({
      registry,
      onlineStore: createOnlineStore({ redis, featureSet: flightFeatureSet, prefix: stores.prefix }),
      cache: { redis: cacheRedis, prefix: uniqueName('serving_cache'), budgetMs: 100 },
      resilience: { onlineStoreBudgetMs: 20, primaryBudgetMs: 1_000, resetTimeoutMs: 300, volumeThreshold: 3 },
    });
    await pipeline.start();
    const flight = departing[0] as (typeof departing)[number];
    try {
      await copyHashes(stores.redis, redis, stores.prefix);
      const online = await pipeline.predict(request({ flight }));
      expect(online).toMatchObject({ tier: 'primary', cached: false });
      expect(online.defaultedFeatures).not.toContain('route.arrivals_7d');
      const again = await pipeline.predict(request({ flight }));
      expect(again).toMatchObject({ tier: 'primary', cached: true, probability: online.probability });

      await server.kill();
      for (let i = 0; i < 20; i++) {
        const r = request({ flight, features: { 'origin.out_late_share_1h': 0.4 } }, 100);
        const answer = await pipeline.predict(r);
        expect(Date.now()).toBeLessThanOrEqual(r.deadlineAtMs + DEADLINE_SLACK_MS);
        // A model answers from the flight's own attributes, the request's value and defaults (the fallback model when a
        // pause of the loaded machine eats the primary's share of the 100 ms).
        expect(['primary', 'fallback_model']).toContain(answer.tier);
        expect(answer.cached).toBe(false);
        expect(answer.defaultedFeatures).toContain('route.arrivals_7d');
        expect(answer.defaultedFeatures).not.toContain('origin.out_late_share_1h');
      }

      await server.start();
      await copyHashes(stores.redis, await readyClient(redis), stores.prefix);
      const deadline = Date.now() + 20_000;
      let back = await pipeline.predict(request({ flight }));
      while (back.defaultedFeatures.includes('route.arrivals_7d') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        back = await pipeline.predict(request({ flight }));
      }
      expect(back.tier).toBe('primary');
      expect(back.probability).toBeCloseTo(online.probability, 6);
      expect(back.defaultedFeatures).toEqual(online.defaultedFeatures);
    } finally {
      await pipeline.close();
      redis.disconnect();
      cacheRedis.disconnect();
      await server.kill();
    }
  });
});

/** Waits until ioredis has reconnected by itself. */
async function readyClient(redis: Redis): Promise<Redis> {
  const end = Date.now() + 15_000;
  while (redis.status !== 'ready') {
    if (Date.now() > end) throw new Error(`redis did not reconnect (${redis.status})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return redis;
}
