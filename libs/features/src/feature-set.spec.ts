import { describe, expect, it } from 'vitest';
import { count, defaultBucketMs, defineFeatureSet, entityId, mean, shareAtLeast, type FeatureDefinition, type FeatureNameOf } from './index.js';

const MINUTE_MS = 60_000;

const departures: FeatureDefinition = {
  name: 'departures_1h',
  entity: 'airport',
  source: 'flight.departed',
  key: ['origin'],
  aggregation: count(),
  windowMs: 60 * MINUTE_MS,
  ttlMs: 120 * MINUTE_MS,
};
const lateShare: FeatureDefinition = {
  name: 'late_share_1h',
  entity: 'airport',
  source: 'flight.arrived',
  key: ['origin'],
  aggregation: shareAtLeast('arrivalDelayMinutes', 15),
  windowMs: 60 * MINUTE_MS,
  ttlMs: 120 * MINUTE_MS,
};

describe('defineFeatureSet()', () => {
  it('gives the same version to the same definitions, whatever their order or descriptions', () => {
    const a = defineFeatureSet({ features: [departures, lateShare] });
    const b = defineFeatureSet({ features: [{ ...lateShare, description: 'late flights' }, departures] });
    expect(a.version).toMatch(/^[0-9a-f]{16}$/);
    expect(b.version).toBe(a.version);
  });

  it('changes the version when any definition changes', () => {
    const base = defineFeatureSet({ features: [departures, lateShare] }).version;
    const variants = [
      [departures, { ...lateShare, aggregation: shareAtLeast('arrivalDelayMinutes', 30) }],
      [departures, { ...lateShare, windowMs: 120 * MINUTE_MS }],
      [departures, { ...lateShare, ttlMs: 60 * MINUTE_MS }],
      [departures, { ...lateShare, key: ['destination'] }],
      [departures, lateShare, { ...departures, name: 'delay_mean_1h', aggregation: mean('arrivalDelayMinutes') }],
    ];
    const versions = variants.map((features) => defineFeatureSet({ features }).version);
    expect(new Set([base, ...versions]).size).toBe(variants.length + 1);
    expect(defineFeatureSet({ features: [departures, { ...lateShare, bucketMs: 5 * MINUTE_MS }] }).version).not.toBe(base);
    expect(defineFeatureSet({ features: [departures, { ...lateShare, bucketMs: MINUTE_MS }] }).version).toBe(base);
  });

  it('lists each entity type and its features in declaration order', () => {
    const set = defineFeatureSet({
      features: [departures, { ...lateShare, entity: 'route', key: ['origin', 'destination'] }, { ...departures, name: 'departures_2h', windowMs: 120 * MINUTE_MS }],
    });
    expect(set.entityTypes).toEqual(['airport', 'route']);
    expect(set.featuresOf('airport').map((f) => f.name)).toEqual(['departures_1h', 'departures_2h']);
    expect(() => set.featuresOf('gate')).toThrow(/unknown entity type/);
  });

  it('rejects names that cannot be columns, windows off the bucket grid and duplicates', () => {
    expect(() => defineFeatureSet({ features: [{ ...departures, name: 'Departures-1h' }] })).toThrow(/lower snake case/);
    expect(() => defineFeatureSet({ features: [{ ...departures, windowMs: 90_000 }] })).toThrow(/multiple of bucketMs/);
    expect(() => defineFeatureSet({ features: [{ ...departures, bucketMs: 7 * MINUTE_MS }] })).toThrow(/multiple of bucketMs/);
    expect(() => defineFeatureSet({ features: [departures, departures] })).toThrow(/declared twice/);
    expect(() => defineFeatureSet({ features: [{ ...departures, key: [] }] })).toThrow(/key/);
    expect(() => defineFeatureSet({ features: [{ ...departures, ttlMs: 0 }] })).toThrow(/ttlMs/);
  });

  it('types feature names per entity type', () => {
    const set = defineFeatureSet({ features: [{ ...departures, name: 'departures_1h', entity: 'airport' }, { ...lateShare, name: 'late_share_1h', entity: 'route' }] as const });
    const airportFeature: FeatureNameOf<typeof set.features, 'airport'> = 'departures_1h';
    expect(set.featuresOf('airport').map((f) => f.name)).toEqual([airportFeature]);
  });
});

describe('defaultBucketMs()', () => {
  it('picks the coarsest standard width that still gives a window 60 buckets', () => {
    expect(defaultBucketMs(60 * MINUTE_MS)).toBe(MINUTE_MS);
    expect(defaultBucketMs(24 * 60 * MINUTE_MS)).toBe(15 * MINUTE_MS);
    expect(defaultBucketMs(7 * 24 * 60 * MINUTE_MS)).toBe(60 * MINUTE_MS);
    expect(defaultBucketMs(10 * MINUTE_MS)).toBe(MINUTE_MS);
  });
});

describe('entityId()', () => {
  it('joins key parts with a dash', () => {
    expect(entityId('ORD', 'LAX')).toBe('ORD-LAX');
    expect(entityId('ORD')).toBe('ORD');
  });
});
