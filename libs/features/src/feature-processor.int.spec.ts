import { setTimeout as sleep } from 'node:timers/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import { Code, TributaryError } from '@tributary/errors';
import { localClickHouse } from '@tributary/infra/testing';
import { redisDeployments } from '@tributary/infra/tooling';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FLIGHT_ARRIVED,
  StateOwnershipLostError,
  StateVersionMismatchError,
  backfill,
  count,
  createFeatureProcessor,
  createOfflineStore,
  createOnlineStore,
  defineFeatureSet,
  flightFeatureSet,
  type FeatureProcessorOptions,
  type FeatureRecord,
  type OfflineStore,
  type RejectedRecord,
} from './index.js';
import { batchesOf, generateFlightRecords } from './testing/flight-records.js';
import { connectRedis, deleteRedisPrefix, dumpRedis, dumpTable, uniqueName } from './testing/local-servers.js';

type FlightDefinitions = typeof flightFeatureSet.features;
const MINUTE_MS = 60_000;
const T0 = Date.UTC(2001, 1, 5, 6, 0);
const records = generateFlightRecords({ flights: 500, startMs: T0, spanMs: 8 * 60 * MINUTE_MS });

describe.each(redisDeployments)('createFeatureProcessor() on $name', { timeout: 120_000 }, (deployment) => {
  let url: string;
  let stopDeployment: () => Promise<void>;
  let redis: Redis | Cluster;
  let client: ClickHouseClient;
  const prefixes: string[] = [];
  const databases: string[] = [];

  /** Both stores under a fresh Redis prefix and ClickHouse database, and a processor over them. */
  async function pipeline(
    options: {
      wrapOffline?: (store: OfflineStore<FlightDefinitions>) => OfflineStore<FlightDefinitions>;
      prefix?: string;
      database?: string;
      processor?: Pick<FeatureProcessorOptions<FlightDefinitions>, 'sources' | 'endOffsetsOf' | 'idleSourceTimeoutMs' | 'turnMs' | 'leaseMs'>;
      /** A connection of its own, for a processor running beside another (the checkpoint WATCHes a key per connection). Default the shared one. */
      redis?: Redis | Cluster;
    } = {},
  ) {
    const prefix = options.prefix ?? uniqueName('features_proc');
    const database = options.database ?? uniqueName('features_proc');
    prefixes.push(prefix);
    databases.push(database);
    const onlineStore = createOnlineStore({ redis, featureSet: flightFeatureSet, prefix });
    const offlineStore = createOfflineStore({ client, featureSet: flightFeatureSet, database });
    await offlineStore.ensureSchema();
    const rejected: RejectedRecord[] = [];
    const processor = createFeatureProcessor({
      featureSet: flightFeatureSet,
      redis: options.redis ?? redis,
      onlineStore,
      offlineStore: options.wrapOffline ? options.wrapOffline(offlineStore) : offlineStore,
      allowedLatenessMs: 2 * MINUTE_MS,
      onRejected: async (batch) => {
        rejected.push(...batch);
      },
      retry: { retries: 0 },
      // A processor a test drops (a crash) keeps its turn this long before the next one may take the state.
      leaseMs: 1000,
      ...options.processor,
    });
    return { prefix, database, onlineStore, offlineStore, processor, rejected };
  }

  async function processAll(processor: { process(r: readonly FeatureRecord[]): Promise<unknown> }, all: readonly FeatureRecord[]) {
    for (const batch of batchesOf(all, 200)) await processor.process(batch);
  }

  /** What both stores hold, without the prefix or database names, so two runs can be compared. */
  async function storesOf(run: { prefix: string; offlineStore: OfflineStore<FlightDefinitions> }, ignoreFields: string[] = []) {
    // The lease says who holds the state now (a random token), not what the state is.
    const { [':{_state}:lease']: _lease, ...state } = await dumpRedis(redis, run.prefix, { ignoreFields });
    return {
      redis: state,
      airport: await dumpTable(client, run.offlineStore.tableOf('airport'), { final: true }),
      route: await dumpTable(client, run.offlineStore.tableOf('route'), { final: true }),
    };
  }

  /**
   * The stores' values only: online hashes and offline rows, not the checkpoint —
   * which buckets a checkpoint still holds depends on where batches were cut
   * (a bucket that left its windows within one batch is never saved).
   */
  async function valuesOf(run: { prefix: string; offlineStore: OfflineStore<FlightDefinitions> }) {
    const { redis: all, airport, route } = await storesOf(run);
    return { online: Object.fromEntries(Object.entries(all).filter(([key]) => !key.includes('_state}') && !key.includes('_state:'))), airport, route };
  }

  async function rowCount(store: OfflineStore<FlightDefinitions>): Promise<number> {
    const result = await client.query({ query: `SELECT (SELECT count() FROM ${store.tableOf('airport')}) + (SELECT count() FROM ${store.tableOf('route')}) AS n`, format: 'JSONEachRow' });
    const [row] = await result.json<{ n: number }>();
    return Number(row?.n);
  }

  beforeAll(async () => {
    ({ url, stop: stopDeployment } = await deployment.start());
    redis = connectRedis(url);
    client = localClickHouse();
  }, 60_000);

  afterAll(async () => {
    for (const prefix of new Set(prefixes)) await deleteRedisPrefix(redis, prefix);
    for (const database of new Set(databases)) await client.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` });
    redis.disconnect();
    await client.close();
    await stopDeployment();
  }, 120_000);

  it('leaves Redis and ClickHouse exactly as after one pass when the same events are processed twice, or again after a restart', async () => {
    const run = await pipeline();
    await processAll(run.processor, records);
    const once = await storesOf(run);
    const onceApartFromEpoch = await storesOf(run, ['epoch']);
    const rowsOnce = await rowCount(run.offlineStore);
    expect(Object.keys(once.redis).length).toBeGreaterThan(10);
    expect(once.airport.length).toBeGreaterThan(100);

    await processAll(run.processor, records);
    // The epoch moves on when a turn ends (a lease that expired between the passes): ownership, not state.
    expect(await storesOf(run, ['epoch'])).toEqual(onceApartFromEpoch);

    // A restart takes a new owner epoch; everything else stays as it was, and not one row is inserted again.
    const restarted = await pipeline({ prefix: run.prefix, database: run.database });
    await processAll(restarted.processor, records);
    expect(await storesOf(run, ['epoch'])).toEqual(onceApartFromEpoch);
    expect(await rowCount(run.offlineStore)).toBe(rowsOnce);
  });

  it('loses nothing and counts nothing twice when it crashes between the offline insert and the checkpoint', async () => {
    const reference = await pipeline();
    await processAll(reference.processor, records);

    let inserts = 0;
    const crashing = await pipeline({
      wrapOffline: (store) => ({
        ...store,
        async write(snapshots) {
          await store.write(snapshots);
          if (++inserts === 3) throw new TributaryError(Code.Internal, 'process killed after the offline insert', { retryable: false });
        },
      }),
    });
    const batches = batchesOf(records, 200);
    let failedAt = -1;
    for (const [i, batch] of batches.entries()) {
      try {
        await crashing.processor.process(batch);
      } catch {
        failedAt = i;
        break;
      }
    }
    expect(failedAt).toBeGreaterThan(0);
    // A new process takes over the state; the source redelivers from before the crash, as Kafka does from its last commit.
    const restarted = await pipeline({ prefix: crashing.prefix, database: crashing.database });
    await processAll(restarted.processor, records.slice((failedAt - 1) * 200));

    const expected = await storesOf(reference, ['epoch']);
    expect(await storesOf(crashing, ['epoch'])).toEqual(expected);
  });

  it('gives the same stores when batches are handed over without waiting, and after a failure in the middle of them', async () => {
    const reference = await pipeline();
    await processAll(reference.processor, records);
    const expected = await storesOf(reference, ['epoch']);

    const overlapped = await pipeline();
    await Promise.all(batchesOf(records, 200).map((batch) => overlapped.processor.process(batch)));
    expect(await storesOf(overlapped, ['epoch'])).toEqual(expected);

    let inserts = 0;
    const failing = await pipeline({
      wrapOffline: (store) => ({
        ...store,
        async write(snapshots) {
          if (++inserts === 2) throw new TributaryError(Code.Internal, 'insert lost', { retryable: false });
          await store.write(snapshots);
        },
      }),
    });
    const outcomes = await Promise.allSettled(batchesOf(records, 200).map((batch) => failing.processor.process(batch)));
    expect(outcomes.map((o) => o.status)).toContain('rejected');
    expect(outcomes[0]?.status).toBe('fulfilled');
    // Every batch applied after the failed one failed with it; processing all again completes the stores.
    const firstFailed = outcomes.findIndex((o) => o.status === 'rejected');
    expect(outcomes.slice(firstFailed).every((o) => o.status === 'rejected')).toBe(true);
    await processAll(failing.processor, records);
    expect(await storesOf(failing, ['epoch'])).toEqual(expected);
  });

  it('counts late events inside the allowed lateness and sends later ones to the side output, out of both stores', async () => {
    const run = await pipeline();
    const late = (offset: bigint, timeMs: number, origin: string): FeatureRecord => ({
      source: 'p0',
      offset,
      event: { id: `late-${offset}`, type: FLIGHT_ARRIVED, timeMs, fields: { origin, destination: 'LAX', arrivalDelayMinutes: 99 } },
    });
    const inOrder = records.filter((r) => r.source === 'p0' && r.event.timeMs < T0 + 60 * MINUTE_MS);
    const last = inOrder.at(-1) as FeatureRecord;
    const lastTimeMs = last.event.timeMs;
    await run.processor.process(inOrder);
    await run.processor.process([late(last.offset + 1n, lastTimeMs - MINUTE_MS, 'BOS'), late(last.offset + 2n, lastTimeMs - 3 * MINUTE_MS, 'DEN')]);
    await run.processor.process([{ ...last, offset: last.offset + 3n, event: { ...last.event, id: 'later', timeMs: lastTimeMs + 10 * MINUTE_MS } }]);

    expect(run.rejected.map((r) => [r.record.event.id, r.reason])).toEqual([['late-' + (last.offset + 2n), 'too_late']]);
    const bos = await run.onlineStore.get('airport', 'BOS', { asOfMs: lastTimeMs });
    expect(bos.values.out_arrivals_1h).toBe(1);
    expect(bos.values.out_delay_mean_1h).toBe(99);
    expect(await redis.exists(`${run.prefix}:airport:DEN`)).toBe(0);
    const den = await client.query({ query: `SELECT count() AS n FROM ${run.offlineStore.tableOf('airport')} WHERE entity_id = 'DEN'`, format: 'JSONEachRow' });
    expect(await den.json()).toEqual([{ n: 0 }]);
  });

  it('serves the same values online as the offline store gives a label at the same time', async () => {
    const run = await pipeline();
    await processAll(run.processor, records);
    for (const entityType of ['airport', 'route'] as const) {
      const ids = Object.keys(await dumpRedis(redis, `${run.prefix}:${entityType}`)).map((key) => key.slice(1));
      expect(ids.length).toBeGreaterThan(3);
      for (const laterMs of [0, 90 * MINUTE_MS]) {
        const asOf = (await run.onlineStore.getMany(entityType, ids, { asOfMs: T0 })).map((v) => (Object.values(v.eventTimesMs)[0] as number) + laterMs);
        const online = await Promise.all(ids.map((id, i) => run.onlineStore.get(entityType, id, { asOfMs: asOf[i] as number })));
        const offline = await run.offlineStore.buildTrainingSet({ labelTimesMs: asOf, labels: asOf.map(() => 0), entities: { e: { entityType, ids } } });
        const offlineRows = ids.map((_, row) => offline.columns.map((column) => column[row]));
        expect(offlineRows).toEqual(online.map((vector) => Object.values(vector.values)));
      }
    }
  });

  it('backfills both stores with what streaming gave them, and the stream after a backfill counts nothing twice', async () => {
    const streamed = await pipeline();
    await processAll(streamed.processor, records);

    const rebuilt = await pipeline();
    const cutMs = T0 + 4 * 60 * MINUTE_MS + 30_000;
    const past = records.filter((r) => r.event.timeMs < cutMs).map((r) => r.event);
    async function* inBatches() {
      yield* batchesOf(past, 300);
    }
    const progress = await backfill({ processor: rebuilt.processor, events: inBatches(), sealAtMs: cutMs });
    expect(progress).toMatchObject({ events: past.length, accepted: past.length, rejected: 0 });
    // The stream is consumed from the beginning: everything before the cut is covered, the rest is new.
    await processAll(rebuilt.processor, records);
    const tablesAndValues = async (run: typeof streamed) => {
      const { redis: all, ...tables } = await storesOf(run);
      return { ...tables, values: Object.fromEntries(Object.entries(all).filter(([key]) => !key.startsWith(':{_state}'))) };
    };
    const expected = await tablesAndValues(streamed);
    expect(await tablesAndValues(rebuilt)).toEqual(expected);

    // Replacing: clear the state and both stores' values, then backfill again.
    await rebuilt.processor.clearState();
    expect(await rebuilt.onlineStore.clear()).toBeGreaterThan(0);
    await rebuilt.offlineStore.deleteVersion();
    expect(await rowCount(rebuilt.offlineStore)).toBe(0);
    await backfill({ processor: rebuilt.processor, events: inBatches(), sealAtMs: cutMs });
    await processAll(rebuilt.processor, records);
    expect(await tablesAndValues(rebuilt)).toEqual(expected);
  });

  it('counts an event id once across a restart: copies at new offsets change neither store', async () => {
    const run = await pipeline();
    await processAll(run.processor, records);
    // Source offsets move on with the copies; everything else must stay as it was.
    const ignored = ['epoch', 'source:p0', 'source:p1'];
    const once = await storesOf(run, ignored);
    const rowsOnce = await rowCount(run.offlineStore);

    const restarted = await pipeline({ prefix: run.prefix, database: run.database });
    const next = new Map<string, bigint>();
    for (const { source, offset } of records) next.set(source, offset + 1n);
    const copies = records.slice(-100).map((record) => {
      const offset = next.get(record.source) as bigint;
      next.set(record.source, offset + 1n);
      return { ...record, offset };
    });
    await expect(restarted.processor.process(copies)).resolves.toMatchObject({ duplicates: 100, accepted: 0, rejected: [] });
    expect(restarted.rejected).toEqual([]);
    expect(await storesOf(run, ignored)).toEqual(once);
    expect(await rowCount(run.offlineStore)).toBe(rowsOnce);
  });

  describe('idle sources', () => {
    const ofSource = (source: string) => records.filter((r) => r.source === source);
    const endOf = (source: string) => (ofSource(source).at(-1)?.offset ?? -1n) + 1n;

    it('a quiet source with records waiting in its log holds the watermark however long it is quiet, so none of them is too late', async () => {
      const reference = await pipeline();
      await processAll(reference.processor, records);
      const asked: string[][] = [];
      const run = await pipeline({
        processor: {
          sources: ['p0', 'p1'],
          idleSourceTimeoutMs: 0,
          endOffsetsOf: async (sources) => {
            asked.push([...sources]);
            return new Map(sources.map((source) => [source, endOf(source)]));
          },
        },
      });
      // p1 delivers nothing until p0 is done: a consumer catching up after a pause or a restart.
      await processAll(run.processor, [...ofSource('p0'), ...ofSource('p1')]);
      expect(asked.length).toBeGreaterThan(0);
      expect(run.rejected).toEqual([]);
      const { redis: _stateAndValues, ...tables } = await storesOf(run);
      const { redis: _reference, ...expected } = await storesOf(reference);
      expect(tables).toEqual(expected);
    });

    it('a quiet source whose log is all applied stops holding it, so windows advance past a partition with no data', async () => {
      const reference = await pipeline();
      await processAll(reference.processor, records);
      const run = await pipeline({
        processor: { sources: ['p0', 'p1', 'p2'], idleSourceTimeoutMs: 0, endOffsetsOf: async (sources) => new Map(sources.map((source) => [source, source === 'p2' ? 0n : endOf(source)])) },
      });
      await processAll(run.processor, records);
      expect(await rowCount(run.offlineStore)).toBeGreaterThan(100);
      expect(await storesOf(run, ['epoch'])).toEqual(await storesOf(reference, ['epoch']));
    });

    it('holds the watermark for a quiet source whose end is unknown, and never asks while every source delivers', async () => {
      let asked = 0;
      const unknown = await pipeline({
        processor: {
          sources: ['p0', 'p1', 'p2'],
          idleSourceTimeoutMs: 0,
          endOffsetsOf: async () => {
            asked++;
            throw new Error('broker unavailable');
          },
        },
      });
      await processAll(unknown.processor, records);
      expect(asked).toBeGreaterThan(0);
      expect(await rowCount(unknown.offlineStore)).toBe(0);
      expect(unknown.rejected).toEqual([]);

      asked = 0;
      const busy = await pipeline({
        processor: {
          sources: ['p0', 'p1'],
          idleSourceTimeoutMs: 60_000,
          endOffsetsOf: async () => {
            asked++;
            return new Map();
          },
        },
      });
      await processAll(busy.processor, records);
      expect(asked).toBe(0);
      expect(await rowCount(busy.offlineStore)).toBeGreaterThan(100);
    });
  });

  it('fences off a processor that stalled past its turn: its checkpoint is refused, retryable, and the batch counts once', async () => {
    let stalled = false;
    const first = await pipeline({
      wrapOffline: (store) => ({
        ...store,
        async write(snapshots) {
          // A write that hangs (a GC pause, a slow server) past the lease.
          if (stalled) await sleep(3000);
          await store.write(snapshots);
        },
      }),
    });
    await first.processor.process(records.slice(0, 100));
    stalled = true;
    const refused = first.processor.process(records.slice(100, 200));
    const connection = connectRedis(url);
    try {
      // Its lease lapses while it waits on the write: another instance takes the state.
      const second = await pipeline({ redis: connection, prefix: first.prefix, database: first.database });
      await second.processor.start();
      await expect(refused).rejects.toBeInstanceOf(StateOwnershipLostError);
      await expect(refused).rejects.toMatchObject({ retryable: true });
      // Nothing of the refused batch was checkpointed: the new owner counts all of it.
      await expect(second.processor.process(records.slice(100, 200))).resolves.toMatchObject({ duplicates: 0 });
    } finally {
      connection.disconnect();
    }
  });

  it('gives the stores of one processor when two share the state, each with some of the sources, taking turns batch by batch', async () => {
    const sources = ['p0', 'p1'];
    const reference = await pipeline({ processor: { sources } });
    await processAll(reference.processor, records);
    const expected = await valuesOf(reference);
    expect(Object.keys(expected.online).length).toBeGreaterThan(10);

    const bySource = (all: readonly FeatureRecord[], source: string) => all.filter((r) => r.source === source);
    const early = records.slice(0, Math.floor(records.length * 0.7));
    const late = records.slice(early.length);
    const connections = [connectRedis(url), connectRedis(url)] as const;
    try {
      const first = await pipeline({ redis: connections[0], processor: { sources, turnMs: 0 } });
      const second = await pipeline({ redis: connections[1], prefix: first.prefix, database: first.database, processor: { sources, turnMs: 0 } });
      // Two instances of a group, one partition each, fed at once.
      await Promise.all([processAll(first.processor, bySource(early, 'p0')), processAll(second.processor, bySource(early, 'p1'))]);
      // The first leaves the group: its partition moves to the second, which Kafka hands the records after the last commit — here the last 50 again.
      const redelivered = bySource(early, 'p0').slice(-50);
      await expect(second.processor.process(redelivered)).resolves.toMatchObject({ accepted: 0, duplicates: 50 });
      await processAll(second.processor, late);
      expect(await valuesOf(first)).toEqual(expected);
    } finally {
      for (const connection of connections) connection.disconnect();
    }
  });

  it('gives its turn up on close, so the next instance takes the state at once instead of after the lease', async () => {
    const leaseMs = 30_000;
    const first = await pipeline({ processor: { leaseMs } });
    await processAll(first.processor, records.slice(0, 200));
    await first.processor.close();
    const connection = connectRedis(url);
    try {
      const second = await pipeline({ redis: connection, prefix: first.prefix, database: first.database, processor: { leaseMs } });
      // Without the release the second would wait the whole lease.
      const started = await Promise.race([second.processor.start().then(() => 'started'), sleep(leaseMs / 2).then(() => 'still waiting')]);
      expect(started).toBe('started');
      await expect(second.processor.process(records.slice(100, 300))).resolves.toMatchObject({ duplicates: 100 });
    } finally {
      connection.disconnect();
    }
  });

  it('refuses to continue a state written by another feature set version', async () => {
    const run = await pipeline();
    await run.processor.process(records.slice(0, 10));
    const other = defineFeatureSet({ features: [{ name: 'departures_1h', entity: 'airport', source: 'flight.departed', key: ['origin'], aggregation: count(), windowMs: 3_600_000, ttlMs: 3_600_000 }] });
    const processor = createFeatureProcessor({
      featureSet: other,
      redis,
      onlineStore: createOnlineStore({ redis, featureSet: other, prefix: run.prefix }),
      offlineStore: createOfflineStore({ client, featureSet: other, database: run.database }),
      retry: { retries: 0 },
    });
    await expect(processor.start()).rejects.toBeInstanceOf(StateVersionMismatchError);
  });
});
