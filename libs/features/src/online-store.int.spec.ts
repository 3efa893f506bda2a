import { redisDeployments } from '@tributary/infra/tooling';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnlineStore, FeatureReadTimeoutError, flightFeatureSet, type FeatureSnapshot, type OnlineStore } from './index.js';
import { connectRedis, deleteRedisPrefix, uniqueName } from './testing/local-servers.js';

const HOUR_MS = 3_600_000;
const T = Date.UTC(2001, 2, 1, 12, 0);
const airportFeatures = flightFeatureSet.featuresOf('airport');

function airportSnapshot(entityId: string, timeMs: number, base: number): FeatureSnapshot {
  return { entityType: 'airport', entityId, timeMs, values: Float64Array.from(airportFeatures, (_, i) => (i === 2 ? Number.NaN : base + i)) };
}

describe.each(redisDeployments)('createOnlineStore() on $name', (deployment) => {
  let url: string;
  let stopDeployment: () => Promise<void>;
  let redis: Redis | Cluster;
  let prefix: string;
  let store: OnlineStore<typeof flightFeatureSet.features>;

  beforeAll(async () => {
    ({ url, stop: stopDeployment } = await deployment.start());
    redis = connectRedis(url);
    prefix = uniqueName('features_online');
    store = createOnlineStore({ redis, featureSet: flightFeatureSet, prefix });
  }, 60_000);

  afterAll(async () => {
    await deleteRedisPrefix(redis, prefix);
    redis.disconnect();
    await stopDeployment();
  });

  it('stores each feature with its event time in one hash per entity, expiring after the longest TTL', async () => {
    await store.write([airportSnapshot('ORD', T, 10)]);
    const hash = await redis.hgetall(`${prefix}:airport:ORD`);
    expect(hash['departures_1h']).toBe(`10@${T}`);
    expect(hash['out_delay_mean_1h']).toBe(`NaN@${T}`);
    const ttlMs = await redis.pttl(`${prefix}:airport:ORD`);
    expect(ttlMs).toBeGreaterThan(47 * HOUR_MS);
    expect(ttlMs).toBeLessThanOrEqual(48 * HOUR_MS);
  });

  it('keeps only the latest snapshot of an entity from one write', async () => {
    await store.write([airportSnapshot('JFK', T + 60_000, 20), airportSnapshot('JFK', T, 10)]);
    const vector = await store.get('airport', 'JFK', { asOfMs: T + 60_000 });
    expect(vector.values.departures_1h).toBe(20);
    expect(vector.eventTimesMs.departures_1h).toBe(T + 60_000);
  });

  it('reads a typed vector, NaN for an empty window and for a value older than its TTL', async () => {
    await store.write([airportSnapshot('SFO', T, 100)]);
    const fresh = await store.get('airport', 'SFO', { asOfMs: T + HOUR_MS });
    expect(fresh).toMatchObject({ entityId: 'SFO', values: { departures_1h: 100, out_arrivals_1h: 101, out_late_share_1h: 103, in_late_share_24h: 112 } });
    expect(fresh.values.out_delay_mean_1h).toBeNaN();
    // departures_1h lives 2 h, the 24 h features 48 h.
    const later = await store.get('airport', 'SFO', { asOfMs: T + 3 * HOUR_MS });
    expect(later.values.departures_1h).toBeNaN();
    expect(later.values.in_late_share_24h).toBe(112);
    expect(later.eventTimesMs.departures_1h).toBe(T);
  });

  it('reads 100 entities in order in one call, NaN for entities never written', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `A${i.toString().padStart(2, '0')}`);
    await store.write(ids.slice(0, 99).map((id, i) => airportSnapshot(id, T, i * 100)));
    const vectors = await store.getMany('airport', ids, { asOfMs: T });
    expect(vectors.map((v) => v.entityId)).toEqual(ids);
    expect(vectors.slice(0, 99).map((v) => v.values.departures_1h)).toEqual(ids.slice(0, 99).map((_, i) => i * 100));
    expect(vectors[99]?.values.departures_1h).toBeNaN();
    expect(vectors[99]?.eventTimesMs.departures_1h).toBeNaN();
  });

  it('writes and reads many entities spread over the slots, and clears them all', async () => {
    const ids = Array.from({ length: 2500 }, (_, i) => `E${i}`);
    await store.write(ids.map((id, i) => airportSnapshot(id, T, i)));
    const vectors = await store.getMany('airport', ids, { asOfMs: T, timeoutMs: 10_000 });
    expect(vectors.map((v) => v.values.departures_1h)).toEqual(ids.map((_, i) => i));
    expect(await store.clear()).toBeGreaterThanOrEqual(ids.length);
    expect((await store.getMany('airport', ['E0', 'E2499'], { asOfMs: T })).map((v) => v.values.departures_1h)).toEqual([Number.NaN, Number.NaN]);
  });

  it('fails with DEADLINE_EXCEEDED when Redis does not answer in time', async () => {
    const blocked = connectRedis(url);
    try {
      const slowStore = createOnlineStore({ redis: blocked, featureSet: flightFeatureSet, prefix });
      // The connection (to ORD's node: the tag is ORD's key, so the slot is too) is busy with a blocking pop for 1 s.
      const blocking = blocked.blpop(`{${prefix}:airport:ORD}:never`, 1);
      const started = Date.now();
      await expect(slowStore.get('airport', 'ORD', { timeoutMs: 30 })).rejects.toBeInstanceOf(FeatureReadTimeoutError);
      await expect(slowStore.getMany('airport', ['ORD', 'JFK'], { timeoutMs: 30 })).rejects.toMatchObject({ code: 4, retryable: true });
      expect(Date.now() - started).toBeLessThan(500);
      await blocking;
    } finally {
      blocked.disconnect();
    }
  });
});

describe('createOnlineStore() as a Redis user that may only read the features', () => {
  // Regression: the many-entity read went out as EVAL, whose keys Redis ACLs count as written: inference, read-only on the
  // features under security, was refused NOPERM on every read and answered on the features' defaults.
  it('reads many entities in one call', async () => {
    const admin = connectRedis() as Redis;
    const prefix = uniqueName('features_readonly');
    const user = uniqueName('features-reader');
    const password = uniqueName('secret');
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, 'resetkeys', `%R~${prefix}:*`, '+@all', '-@dangerous', '+info');
    const url = new URL(process.env['REDIS_URL']?.trim() || 'redis://127.0.0.1:6379');
    url.username = user;
    url.password = password;
    const reader = connectRedis(url.toString());
    try {
      await createOnlineStore({ redis: admin, featureSet: flightFeatureSet, prefix }).write([airportSnapshot('ORD', T, 10), airportSnapshot('JFK', T, 20)]);
      const store = createOnlineStore({ redis: reader, featureSet: flightFeatureSet, prefix });
      const vectors = await store.getMany('airport', ['ORD', 'JFK', 'SFO'], { asOfMs: T });
      expect(vectors.map((v) => v.values.departures_1h)).toEqual([10, 20, Number.NaN]);
      // The user's grant is what makes it a reader: a write is refused.
      await expect(store.write([airportSnapshot('ORD', T + 1, 0)])).rejects.toThrow(/NOPERM/);
    } finally {
      reader.disconnect();
      await admin.call('ACL', 'DELUSER', user);
      await deleteRedisPrefix(admin, prefix);
      admin.disconnect();
    }
  });
});
