import type { ClickHouseClient } from '@clickhouse/client';
import { localClickHouse } from '@tributary/infra/testing';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FLIGHT_CATEGORICAL_ATTRIBUTES,
  createFeatureProcessor,
  createOfflineStore,
  createOnlineStore,
  flightFeatureNames,
  flightFeatureSet,
  flightFeatureVector,
  flightTrainingSet,
  type FlightAtDeparture,
} from './index.js';
import { batchesOf, generateFlightRecords } from './testing/flight-records.js';
import { connectRedis, deleteRedisPrefix, uniqueName } from './testing/local-servers.js';

const MINUTE_MS = 60_000;
const T0 = Date.UTC(2001, 2, 5, 6, 0);
const records = generateFlightRecords({ flights: 400, startMs: T0, spanMs: 6 * 60 * MINUTE_MS, sources: 1 });
/** No snapshot is stamped later than the last event: a departure then sees the latest values both ways. */
const departureMs = Math.max(...records.map((r) => r.event.timeMs));

describe('flightTrainingSet() and flightFeatureVector()', { timeout: 60_000 }, () => {
  let redis: Redis | Cluster;
  let processorRedis: Redis | Cluster;
  let client: ClickHouseClient;
  const prefix = uniqueName('features_flight');
  const database = uniqueName('features_flight');
  const onlineStore = () => createOnlineStore({ redis, featureSet: flightFeatureSet, prefix });
  const offlineStore = () => createOfflineStore({ client, featureSet: flightFeatureSet, database });

  beforeAll(async () => {
    redis = connectRedis();
    processorRedis = connectRedis();
    client = localClickHouse();
    await offlineStore().ensureSchema();
    const processor = createFeatureProcessor({ featureSet: flightFeatureSet, redis: processorRedis, onlineStore: onlineStore(), offlineStore: offlineStore(), allowedLatenessMs: MINUTE_MS });
    for (const batch of batchesOf(records, 200)) await processor.process(batch);
  });

  afterAll(async () => {
    await deleteRedisPrefix(redis, prefix);
    await client.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` });
    redis.disconnect();
    processorRedis.disconnect();
    await client.close();
  });

  it('trains on exactly the vector served for the same flight at the same moment', async () => {
    const departing: FlightAtDeparture[] = [
      ['ORD', 'LAX', 1744],
      ['LAX', 'ORD', 1744],
      ['JFK', 'SFO', 2586],
      ['SFO', 'JFK', 2586],
      ['ORD', 'JFK', 740],
    ].map(([origin, destination, distanceMiles]) => ({ origin: origin as string, destination: destination as string, distanceMiles: distanceMiles as number, departureTimeMs: departureMs }));
    const set = await flightTrainingSet(offlineStore(), departing, departing.map(() => 1));
    expect(set.featureNames).toEqual(flightFeatureNames(flightFeatureSet));
    expect(set.categoricalFeatures).toEqual(FLIGHT_CATEGORICAL_ATTRIBUTES);
    for (const [row, flight] of departing.entries()) {
      const served = await flightFeatureVector(onlineStore(), flight);
      expect([...served]).toEqual(set.columns.map((column) => column[row]));
    }
    // Most values are there (the 1 h ones of a quiet airport may be empty): the test compares numbers, not NaNs.
    expect(set.columns.filter((column) => Number.isFinite(column[0]) && column[0] !== 0).length).toBeGreaterThan(10);
  });
});
