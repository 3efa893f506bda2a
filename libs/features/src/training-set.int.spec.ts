import type { ClickHouseClient } from '@clickhouse/client';
import { localClickHouse } from '@tributary/infra/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOfflineStore, flightFeatureSet, type FeatureSnapshot, type OfflineStore } from './index.js';
import { dumpTable, uniqueName } from './testing/local-servers.js';

const MINUTE_MS = 60_000;
const T = Date.UTC(2001, 2, 1, 12, 0);
const airportFeatures = flightFeatureSet.featuresOf('airport');

/** An airport snapshot whose every feature is `value`. */
function airport(entityId: string, timeMs: number, value: number): FeatureSnapshot {
  return { entityType: 'airport', entityId, timeMs, values: new Float64Array(airportFeatures.length).fill(value) };
}

function route(entityId: string, timeMs: number, arrivals: number, delayMean: number): FeatureSnapshot {
  return { entityType: 'route', entityId, timeMs, values: Float64Array.from([arrivals, delayMean]) };
}

describe('OfflineStore.buildTrainingSet()', () => {
  let client: ClickHouseClient;
  let store: OfflineStore<typeof flightFeatureSet.features>;

  beforeAll(async () => {
    client = localClickHouse();
    store = createOfflineStore({ client, featureSet: flightFeatureSet, database: uniqueName('features_pit') });
    await store.ensureSchema();
    await store.ensureSchema();
    await store.write([
      airport('ORD', T - 10 * MINUTE_MS, 1),
      // Updated one minute after the first label: that label must not see it.
      airport('ORD', T + MINUTE_MS, 2),
      airport('LAX', T - 30 * MINUTE_MS, 7),
      route('ORD-LAX', T - MINUTE_MS, 3, 12.5),
    ]);
  });

  afterAll(async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS \`${store.database}\`` });
    await client.close();
  });

  it('joins values updated before the label time and never one updated after it', async () => {
    const set = await store.buildTrainingSet({
      labelTimesMs: [T, T + MINUTE_MS, T - 11 * MINUTE_MS],
      labels: [1, 0, 1],
      entities: { origin: { entityType: 'airport', ids: ['ORD', 'ORD', 'ORD'] } },
    });
    const departures = set.columns[set.featureNames.indexOf('origin.departures_1h')] as Float64Array;
    // At T the latest value is the one of T − 10 min; the one of T + 1 min is in the future.
    expect(departures[0]).toBe(1);
    // A snapshot stamped T + 1 min aggregates events strictly before T + 1 min, so a label at T + 1 min may use it.
    expect(departures[1]).toBe(2);
    // Before any snapshot there is nothing to know.
    expect(departures[2]).toBeNaN();
    expect(set.labels).toEqual(Float64Array.from([1, 0, 1]));
  });

  it('names columns <role>.<feature> and joins every role of a row as of its own time', async () => {
    const set = await store.buildTrainingSet({
      labelTimesMs: [T],
      labels: [1],
      entities: {
        origin: { entityType: 'airport', ids: ['ORD'] },
        destination: { entityType: 'airport', ids: ['LAX'] },
        route: { entityType: 'route', ids: ['ORD-LAX'] },
      },
    });
    expect(set.featureNames).toEqual([
      ...airportFeatures.map((f) => `origin.${f.name}`),
      ...airportFeatures.map((f) => `destination.${f.name}`),
      'route.arrivals_7d',
      'route.delay_mean_7d',
    ]);
    expect([...set.columns.map((c) => c[0])]).toEqual([...airportFeatures.map(() => 1), ...airportFeatures.map(() => 7), 3, 12.5]);
  });

  it('treats a value older than its TTL as missing', async () => {
    const set = await store.buildTrainingSet({
      labelTimesMs: [T - 10 * MINUTE_MS + 2 * 60 * MINUTE_MS, T - 10 * MINUTE_MS + 2 * 60 * MINUTE_MS + 1],
      labels: [0, 0],
      entities: { origin: { entityType: 'airport', ids: ['LAX', 'LAX'] } },
    });
    const column = (name: string) => set.columns[set.featureNames.indexOf(`origin.${name}`)] as Float64Array;
    // LAX was written at T − 30 min: 2 h TTL for the 1 h features, 48 h for the 24 h ones.
    expect([...column('departures_1h')]).toEqual([Number.NaN, Number.NaN]);
    expect([...column('out_arrivals_24h')]).toEqual([7, 7]);
    const ord = await store.buildTrainingSet({ labelTimesMs: [T - 10 * MINUTE_MS + 2 * 60 * MINUTE_MS, T - 10 * MINUTE_MS + 2 * 60 * MINUTE_MS + 1], labels: [0, 0], entities: { origin: { entityType: 'airport', ids: ['ORD', 'ORD'] } } });
    expect([...(ord.columns[0] as Float64Array)]).toEqual([2, 2]);
  });

  it('keeps one row per snapshot when the same snapshots are written again', async () => {
    const table = store.tableOf('route');
    const before = await dumpTable(client, table, { final: true });
    await store.write([route('ORD-LAX', T - MINUTE_MS, 3, 12.5)]);
    expect(await dumpTable(client, table, { final: true })).toEqual(before);
  });

  it('passes entity ids as data, never as SQL', async () => {
    const set = await store.buildTrainingSet({ labelTimesMs: [T], labels: [0], entities: { origin: { entityType: 'airport', ids: ["ORD' OR 1=1 --"] } } });
    expect(set.columns[0]?.[0]).toBeNaN();
  });

  it('rejects mismatched columns before touching the server', async () => {
    await expect(store.buildTrainingSet({ labelTimesMs: [T, T], labels: [1], entities: { origin: { entityType: 'airport', ids: ['ORD', 'ORD'] } } })).rejects.toThrow(/1 labels for 2/);
    await expect(store.buildTrainingSet({ labelTimesMs: [T], labels: [1], entities: { 'bad role': { entityType: 'airport', ids: ['ORD'] } } })).rejects.toThrow(/lower snake case/);
  });
});
