import { describe, expect, it } from 'vitest';
import {
  FLIGHT_ARRIVED,
  FLIGHT_DEPARTED,
  count,
  countedIdGroupOf,
  createAggregationEngine,
  defineFeatureSet,
  flightFeatureSet,
  mean,
  shareAtLeast,
  type EngineState,
  type FeatureRecord,
  type FeatureSnapshot,
} from './index.js';

const MINUTE_MS = 60_000;
const T0 = Date.UTC(2001, 0, 1, 8, 0);

/** Two features over 10 minutes of arrivals at the origin, one minute buckets. */
const tenMinutes = defineFeatureSet({
  features: [
    { name: 'arrivals_10m', entity: 'airport', source: FLIGHT_ARRIVED, key: ['origin'], aggregation: count(), windowMs: 10 * MINUTE_MS, ttlMs: 20 * MINUTE_MS },
    { name: 'late_share_10m', entity: 'airport', source: FLIGHT_ARRIVED, key: ['origin'], aggregation: shareAtLeast('arrivalDelayMinutes', 15), windowMs: 10 * MINUTE_MS, ttlMs: 20 * MINUTE_MS },
    { name: 'delay_mean_30m', entity: 'airport', source: FLIGHT_ARRIVED, key: ['origin'], aggregation: mean('arrivalDelayMinutes'), windowMs: 30 * MINUTE_MS, ttlMs: 60 * MINUTE_MS },
  ],
});

function arrived(offset: number, minute: number, delay: number, origin = 'ORD', source = 'p0'): FeatureRecord {
  return {
    source,
    offset: BigInt(offset),
    event: { id: `a${source}${offset}`, type: FLIGHT_ARRIVED, timeMs: T0 + minute * MINUTE_MS, fields: { origin, destination: 'LAX', arrivalDelayMinutes: delay } },
  };
}

function departed(offset: number, minute: number, origin = 'ORD', source = 'p0'): FeatureRecord {
  return { source, offset: BigInt(offset), event: { id: `d${offset}`, type: FLIGHT_DEPARTED, timeMs: T0 + minute * MINUTE_MS, fields: { origin, destination: 'LAX', distanceMiles: 700 } } };
}

/** Snapshots by time then entity: within one boundary the engine promises the set, not the order. */
function inOrder(snapshots: readonly FeatureSnapshot[]): FeatureSnapshot[] {
  return [...snapshots].sort((a, b) => a.timeMs - b.timeMs || (`${a.entityType}:${a.entityId}` < `${b.entityType}:${b.entityId}` ? -1 : 1));
}

/** The snapshot of one entity at one minute after T0, as named values. */
function valuesAt(snapshots: readonly FeatureSnapshot[], entityId: string, minute: number): Record<string, number> | undefined {
  const found = snapshots.find((s) => s.entityId === entityId && s.timeMs === T0 + minute * MINUTE_MS);
  if (!found) return undefined;
  const names = tenMinutes.featuresOf(found.entityType).map((f) => f.name);
  return Object.fromEntries(names.map((name, i) => [name, found.values[i] as number]));
}

describe('createAggregationEngine()', () => {
  it('emits a boundary only once the watermark (latest event time − allowed lateness) has passed it', () => {
    const engine = createAggregationEngine({ featureSet: tenMinutes, allowedLatenessMs: 2 * MINUTE_MS });
    expect(engine.apply([arrived(0, 0, 20), arrived(1, 2, 0)]).snapshots).toEqual([]);
    const { snapshots } = engine.apply([arrived(2, 3, 0)]);
    expect(snapshots.map((s) => s.timeMs)).toEqual([T0 + MINUTE_MS]);
    expect(valuesAt(snapshots, 'ORD', 1)).toEqual({ arrivals_10m: 1, late_share_10m: 1, delay_mean_30m: 20 });
  });

  it('aggregates only events strictly before each boundary and slides each window exactly', () => {
    const engine = createAggregationEngine({ featureSet: tenMinutes, allowedLatenessMs: 0 });
    const { snapshots } = engine.apply([arrived(0, 0, 20), arrived(1, 5, 10), arrived(2, 5.5, 0), arrived(3, 40, 0)]);
    expect(valuesAt(snapshots, 'ORD', 1)).toEqual({ arrivals_10m: 1, late_share_10m: 1, delay_mean_30m: 20 });
    expect(valuesAt(snapshots, 'ORD', 6)).toEqual({ arrivals_10m: 3, late_share_10m: 1 / 3, delay_mean_30m: 10 });
    // A window [T − W, T) still holds the minute-0 arrival at T = 10 min; it leaves at 11, and at 31 from the 30 min window.
    expect(valuesAt(snapshots, 'ORD', 10)).toBeUndefined();
    expect(valuesAt(snapshots, 'ORD', 11)).toEqual({ arrivals_10m: 2, late_share_10m: 0, delay_mean_30m: 10 });
    expect(valuesAt(snapshots, 'ORD', 16)).toEqual({ arrivals_10m: 0, late_share_10m: Number.NaN, delay_mean_30m: 10 });
    expect(valuesAt(snapshots, 'ORD', 31)).toEqual({ arrivals_10m: 0, late_share_10m: Number.NaN, delay_mean_30m: 5 });
    expect(valuesAt(snapshots, 'ORD', 36)).toEqual({ arrivals_10m: 0, late_share_10m: Number.NaN, delay_mean_30m: Number.NaN });
    // Values change only when a bucket enters or leaves a window: nothing is written in between.
    expect(snapshots.filter((s) => s.timeMs > T0 + 16 * MINUTE_MS && s.timeMs < T0 + 31 * MINUTE_MS)).toEqual([]);
  });

  it('counts an arrival from its own event time, never from the departure time', () => {
    const engine = createAggregationEngine({ featureSet: flightFeatureSet, allowedLatenessMs: 0 });
    const { snapshots } = engine.apply([departed(0, 0), arrived(1, 90, 30), departed(2, 200)]);
    const names = flightFeatureSet.featuresOf('airport').map((f) => f.name);
    const ord = (minute: number) => snapshots.find((s) => s.entityId === 'ORD' && s.timeMs === T0 + minute * MINUTE_MS);
    const outArrivals = names.indexOf('out_arrivals_1h');
    expect(ord(1)?.values[names.indexOf('departures_1h')]).toBe(1);
    expect(ord(1)?.values[outArrivals]).toBe(0);
    expect(snapshots.some((s) => s.entityId === 'ORD' && s.timeMs <= T0 + 90 * MINUTE_MS && (s.values[outArrivals] as number) > 0)).toBe(false);
    expect(ord(91)?.values[outArrivals]).toBe(1);
    const lax = snapshots.find((s) => s.entityId === 'LAX' && s.timeMs === T0 + 91 * MINUTE_MS);
    expect(lax?.values[names.indexOf('in_late_share_1h')]).toBe(1);
    // The 7 d route window slides by hours: the 09:30 arrival enters it at 10:00.
    const route = snapshots.filter((s) => s.entityType === 'route');
    expect(route.map((s) => [s.entityId, (s.timeMs - T0) / MINUTE_MS, ...s.values])).toEqual([['ORD-LAX', 120, 1, 30]]);
  });

  it('counts late events within the allowed lateness and rejects later ones as too late', () => {
    const engine = createAggregationEngine({ featureSet: tenMinutes, allowedLatenessMs: 3 * MINUTE_MS });
    engine.apply([arrived(0, 10, 0)]);
    const inside = engine.apply([arrived(1, 7, 60)]);
    expect(inside.accepted).toBe(1);
    const outside = engine.apply([arrived(2, 6.9, 60)]);
    expect(outside.accepted).toBe(0);
    expect(outside.rejected).toMatchObject([{ reason: 'too_late', record: { offset: 2n } }]);
    const { snapshots } = engine.apply([arrived(3, 30, 0)]);
    expect(valuesAt(snapshots, 'ORD', 11)).toEqual({ arrivals_10m: 2, late_share_10m: 0.5, delay_mean_30m: 30 });
  });

  it('rejects an event after its boundary was emitted even from a source that just joined', () => {
    const engine = createAggregationEngine({ featureSet: tenMinutes, allowedLatenessMs: 0 });
    engine.apply([arrived(0, 10, 0, 'ORD', 'p0')]);
    const { rejected } = engine.apply([arrived(0, 5, 0, 'ORD', 'p1')]);
    expect(rejected).toMatchObject([{ reason: 'too_late' }]);
  });

  it('holds boundaries back until every source has passed them', () => {
    const engine = createAggregationEngine({ featureSet: tenMinutes, allowedLatenessMs: 0 });
    engine.apply([arrived(0, 0, 0, 'ORD', 'p0'), arrived(0, 1, 0, 'ORD', 'p1')]);
    expect(engine.apply([arrived(1, 20, 0, 'ORD', 'p0')]).snapshots.map((s) => s.timeMs)).toEqual([T0 + MINUTE_MS]);
    expect(engine.apply([arrived(2, 1.5, 0, 'JFK', 'p1')]).accepted).toBe(1);
  });

  it('holds the watermark for a declared source until it delivers, and not for an idle one', () => {
    const engine = createAggregationEngine({ featureSet: tenMinutes, allowedLatenessMs: 0, sources: ['p0', 'p1'] });
    expect(engine.apply([arrived(0, 0, 0, 'ORD', 'p0'), arrived(1, 30, 0, 'ORD', 'p0')]).snapshots).toEqual([]);
    const held = engine.apply([arrived(0, 5, 0, 'JFK', 'p1')]);
    expect(held).toMatchObject({ accepted: 1, rejected: [] });
    expect(held.snapshots.map((s) => (s.timeMs - T0) / MINUTE_MS)).toEqual([1]);
    const idle = engine.apply([arrived(2, 40, 0, 'ORD', 'p0')], { isIdle: (source) => source === 'p1' });
    expect(idle.snapshots.map((s) => (s.timeMs - T0) / MINUTE_MS)).toEqual([6, 11, 16, 31, 36]);
  });

  it('rejects events missing a key or numeric field as invalid', () => {
    const engine = createAggregationEngine({ featureSet: tenMinutes });
    const noDelay: FeatureRecord = { source: 'p0', offset: 0n, event: { id: 'x', type: FLIGHT_ARRIVED, timeMs: T0, fields: { origin: 'ORD' } } };
    const noOrigin: FeatureRecord = { source: 'p0', offset: 1n, event: { id: 'y', type: FLIGHT_ARRIVED, timeMs: T0, fields: { arrivalDelayMinutes: 3 } } };
    const result = engine.apply([noDelay, noOrigin, departed(2, 0)]);
    expect(result.rejected.map((r) => [r.reason, r.detail])).toEqual([
      ['invalid', 'numeric field arrivalDelayMinutes is missing or not finite'],
      ['invalid', 'key field origin is missing or empty'],
    ]);
    expect(result.ignored).toBe(1);
  });

  it('skips records at or below the applied offset of their source, so redelivery never double counts', () => {
    const engine = createAggregationEngine({ featureSet: tenMinutes, allowedLatenessMs: 0 });
    engine.apply([arrived(0, 0, 20), arrived(1, 1, 20)]);
    const again = engine.apply([arrived(0, 0, 20), arrived(1, 1, 20), arrived(2, 12, 0)]);
    expect(again).toMatchObject({ duplicates: 2, accepted: 1 });
    expect(valuesAt(again.snapshots, 'ORD', 2)).toEqual({ arrivals_10m: 2, late_share_10m: 1, delay_mean_30m: 20 });
  });

  it('counts an event id once, whatever offset its copy comes at, and reports the copy as a duplicate', () => {
    const engine = createAggregationEngine({ featureSet: tenMinutes, allowedLatenessMs: 0 });
    const original = arrived(0, 0, 20);
    engine.apply([original]);
    const copies = engine.apply([{ ...original, offset: 1n }, arrived(2, 0.5, 0), { ...original, offset: 3n }, arrived(4, 12, 0)]);
    expect(copies).toMatchObject({ duplicates: 2, accepted: 2, rejected: [] });
    expect(valuesAt(copies.snapshots, 'ORD', 1)).toEqual({ arrivals_10m: 2, late_share_10m: 0.5, delay_mean_30m: 10 });
  });

  it('gives the same snapshots with copies of events among them, wherever the copies land', () => {
    const records = Array.from({ length: 300 }, (_, i) => arrived(i, i * 0.37, (i * 7) % 41, ['ORD', 'JFK', 'SFO'][i % 3]));
    const withCopies: FeatureRecord[] = [];
    for (const [i, record] of records.entries()) {
      withCopies.push({ ...record, offset: BigInt(withCopies.length) });
      // Every tenth event comes again a few records later, as a retried producer batch does.
      if (i % 10 === 0 && i > 5) withCopies.push({ ...(records[i - 5] as FeatureRecord), offset: BigInt(withCopies.length) });
    }
    const clean = createAggregationEngine({ featureSet: tenMinutes, allowedLatenessMs: MINUTE_MS }).apply(records);
    const copied = createAggregationEngine({ featureSet: tenMinutes, allowedLatenessMs: MINUTE_MS }).apply(withCopies);
    expect(copied.duplicates).toBe(withCopies.length - records.length);
    expect(copied).toMatchObject({ accepted: clean.accepted, rejected: [] });
    expect(inOrder(copied.snapshots)).toEqual(inOrder(clean.snapshots));
  });

  it('reports a copy as a duplicate while its buckets live, then forgets the id and refuses a copy as too late', () => {
    const engine = createAggregationEngine({ featureSet: tenMinutes, allowedLatenessMs: 0 });
    const original = arrived(0, 0, 20);
    engine.apply([original, arrived(1, 25, 0)]);
    // Its 10 min window has emitted past it; the 30 min window still holds its bucket.
    expect(engine.apply([{ ...original, offset: 2n }])).toMatchObject({ duplicates: 1, rejected: [] });
    expect(engine.takeChanges().countedIds).toEqual(new Map([[countedIdGroupOf(T0 + 31 * MINUTE_MS), [original.event.id, 'ap01']]]));
    // Ids are kept by hour groups: the 08:00 arrival's bucket leaves at 08:31, its group goes at 09:00.
    engine.apply([arrived(3, 59, 0)]);
    expect(engine.apply([{ ...original, offset: 4n }])).toMatchObject({ duplicates: 1 });
    engine.apply([arrived(5, 61, 0)]);
    expect(engine.apply([{ ...original, offset: 6n }]).rejected).toMatchObject([{ reason: 'too_late' }]);
    expect([...(engine.state().countedIds ?? new Map()).values()].flat()).toEqual(['ap03', 'ap05']);
  });

  it('rejects an event without an id as invalid: it could not be told from its copies', () => {
    const engine = createAggregationEngine({ featureSet: tenMinutes });
    const noId = arrived(0, 0, 20);
    const result = engine.apply([{ ...noId, event: { ...noId.event, id: '' } }]);
    expect(result.rejected.map((r) => [r.reason, r.detail])).toEqual([['invalid', 'event id is missing or empty']]);
  });

  it('continues from a saved state exactly as if it had never stopped, ids of counted events included', () => {
    const records = Array.from({ length: 400 }, (_, i) => arrived(i, i * 0.37, (i * 7) % 41, ['ORD', 'JFK', 'SFO'][i % 3], `p${i % 2}`));
    // Events 100–149 come again right after 150, as a retried producer batch: new offsets, same ids.
    const stream = [
      ...records.slice(0, 150),
      ...records.slice(100, 150).map((record, i) => ({ ...record, offset: 150n + BigInt(i) })),
      ...records.slice(150).map((record) => ({ ...record, offset: record.offset + 50n })),
    ];
    const uninterrupted = createAggregationEngine({ featureSet: tenMinutes, allowedLatenessMs: MINUTE_MS });
    const expected = [...uninterrupted.apply(stream.slice(0, 150)).snapshots, ...uninterrupted.apply(stream.slice(150)).snapshots];

    const first = createAggregationEngine({ featureSet: tenMinutes, allowedLatenessMs: MINUTE_MS });
    const before = first.apply(stream.slice(0, 150)).snapshots;
    const resumed = createAggregationEngine({ featureSet: tenMinutes, allowedLatenessMs: MINUTE_MS, state: first.state() });
    const rest = resumed.apply(stream);
    expect(rest).toMatchObject({ duplicates: 200, accepted: 250, rejected: [] });
    const after = rest.snapshots;
    expect(inOrder([...before, ...after])).toEqual(inOrder(expected));
    const bucketsInOrder = (state: EngineState) => ({ ...state, buckets: [...state.buckets].sort((a, b) => a.bucket - b.bucket || (a.entityId < b.entityId ? -1 : 1)) });
    expect(bucketsInOrder(resumed.state())).toEqual(bucketsInOrder(uninterrupted.state()));
  });

  it('reports as changes the buckets to write, and never a bucket again once the windows are past it', () => {
    const engine = createAggregationEngine({ featureSet: tenMinutes, allowedLatenessMs: 0 });
    engine.apply([arrived(0, 0, 20), arrived(1, 0.5, 10)]);
    const first = engine.takeChanges();
    expect(first.upserts).toEqual([
      { windowId: 'flight.arrived|airport|origin|600000/60000', entityId: 'ORD', bucket: Math.floor(T0 / MINUTE_MS), measures: Float64Array.from([2, 1]) },
      { windowId: 'flight.arrived|airport|origin|1800000/60000', entityId: 'ORD', bucket: Math.floor(T0 / MINUTE_MS), measures: Float64Array.from([2, 30]) },
    ]);
    expect(first.positions.get('p0')).toEqual({ offset: 1n, maxEventTimeMs: T0 + 0.5 * MINUTE_MS });
    engine.apply([arrived(2, 45, 0)]);
    const second = engine.takeChanges();
    expect(second.upserts.map((u) => u.bucket)).toEqual([Math.floor(T0 / MINUTE_MS) + 45, Math.floor(T0 / MINUTE_MS) + 45]);
    expect(second.emittedThroughTick).toBe(Math.floor(T0 / MINUTE_MS) + 45);
    // A restore from the first bucket (now past its longest window) and the second gives the live state only.
    const saved = [...first.upserts, ...second.upserts].map((u) => ({ ...u, measures: Float64Array.from(u.measures) }));
    const restored = createAggregationEngine({ featureSet: tenMinutes, allowedLatenessMs: 0, state: { ...engine.state(), buckets: saved } });
    expect(restored.state()).toEqual(engine.state());
  });

  it('seal() emits every boundary up to a time and ignores events before it from then on', () => {
    const engine = createAggregationEngine({ featureSet: tenMinutes, allowedLatenessMs: 60 * MINUTE_MS });
    engine.apply([arrived(0, 0, 20)]);
    const sealed = engine.seal(T0 + 20 * MINUTE_MS);
    expect(sealed.map((s) => (s.timeMs - T0) / MINUTE_MS)).toEqual([1, 11]);
    expect(engine.apply([arrived(0, 19, 0, 'ORD', 'stream/0'), arrived(1, 21, 0, 'ORD', 'stream/0')])).toMatchObject({ ignored: 1, accepted: 1 });
  });
});
