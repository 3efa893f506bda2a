/**
 * Reference numbers come from NumPy 2.4.6 on Python 3.11, each computed by the
 * Python expression written next to it, with `import numpy as np`.
 */
import { create, equals, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { FeatureKind, ReferenceProfileSchema, TimeWindowSchema, type FeatureProfile, type NumericProfile } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { buildReferenceProfile, InvalidColumnsError, InvalidOptionsError, PREDICTION_FEATURE_NAME } from './index.js';

/** x = np.arange(1, 101, dtype=float), with two missing values put in front. */
const oneToHundred = Float64Array.from({ length: 102 }, (_, i) => (i < 2 ? Number.NaN : i - 1));

function numeric(profile: FeatureProfile | undefined): NumericProfile {
  if (profile?.distribution.case !== 'numeric') throw new Error('expected a numeric profile');
  return profile.distribution.value;
}

describe('buildReferenceProfile()', () => {
  it('puts numeric bin edges at the deciles and counts every value once', () => {
    const profile = buildReferenceProfile([{ name: 'x', kind: 'numeric', values: oneToHundred }]);
    const feature = profile.features[0];
    expect(feature).toMatchObject({ featureName: 'x', kind: FeatureKind.NUMERIC, count: 100, missingCount: 2 });
    const x = numeric(feature);
    // np.quantile(x, np.arange(1, 10) / 10).tolist()
    expect(x.binEdges).toEqual([10.9, 20.8, 30.7, 40.6, 50.5, 60.4, 70.3, 80.2, 90.10000000000001]);
    // np.diff(np.concatenate([[0], np.searchsorted(x, edges, side='left'), [len(x)]]))
    expect(x.binCounts).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10]);
    // np.mean(x), np.std(x)
    expect(x.mean).toBe(50.5);
    expect(x.standardDeviation).toBeCloseTo(28.86607004772212, 12);
    expect([x.min, x.max]).toEqual([1, 100]);
    // np.quantile(x, np.linspace(0, 1, 101))[[0, 25, 50, 99, 100]]
    expect(x.quantiles).toHaveLength(101);
    for (const [i, expected] of [[0, 1], [25, 25.75], [50, 50.5], [99, 99.01], [100, 100]] as const) {
      expect(x.quantiles[i]).toBeCloseTo(expected, 12);
    }
  });

  it('merges the edges of tied values', () => {
    // t = np.concatenate([np.zeros(50), np.arange(1, 51)])
    const tied = Float64Array.from({ length: 100 }, (_, i) => (i < 50 ? 0 : i - 49));
    const t = numeric(buildReferenceProfile([{ name: 't', kind: 'numeric', values: tied }]).features[0]);
    // np.unique(np.quantile(t, np.arange(1, 10) / 10)).tolist()
    expect(t.binEdges).toEqual([0, 0.5, 10.399999999999999, 20.299999999999997, 30.200000000000003, 40.10000000000001]);
    // counts by np.searchsorted(t, edges, side='left') as above: bins are [edge, next edge)
    expect(t.binCounts).toEqual([0, 50, 10, 10, 10, 10, 10]);
  });

  it('keeps the whole column as the sample when it is small, and a seeded subset otherwise', () => {
    const values = Float64Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5000);
    const build = (seed: number) =>
      numeric(buildReferenceProfile([{ name: 'v', kind: 'numeric', values }], { sampleSize: 200, seed }).features[0]).sample;
    const sample = build(7);
    expect(sample).toHaveLength(200);
    expect(new Set(sample).size).toBe(200);
    expect(sample).toEqual([...sample].sort((a, b) => a - b));
    expect(sample.every((value) => Number.isInteger(value) && value >= 0 && value < 5000)).toBe(true);
    expect(build(7)).toEqual(sample);
    expect(build(8)).not.toEqual(sample);
    const whole = numeric(buildReferenceProfile([{ name: 'x', kind: 'numeric', values: oneToHundred }]).features[0]).sample;
    expect(whole).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('gives a feature the same sample whatever other features and row order there are', () => {
    const values = Float64Array.from({ length: 3000 }, (_, i) => Math.sin(i));
    const reversed = values.slice().reverse();
    const alone = buildReferenceProfile([{ name: 'a', kind: 'numeric', values }]);
    const withOther = buildReferenceProfile([
      { name: 'b', kind: 'numeric', values },
      { name: 'a', kind: 'numeric', values: reversed },
    ]);
    expect(numeric(withOther.features[1]).sample).toEqual(numeric(alone.features[0]).sample);
  });

  it('counts categories most frequent first, pools the tail as other and counts missing labels and codes', () => {
    const labels = ['ORD', 'ATL', 'ORD', null, 'SFO', 'ATL', 'ORD', undefined, 'DEN', 'BOS'];
    const profile = buildReferenceProfile([{ name: 'origin', kind: 'categorical', values: labels }], { maxCategories: 3 });
    expect(profile.features[0]).toMatchObject({ kind: FeatureKind.CATEGORICAL, count: 8, missingCount: 2 });
    expect(profile.features[0]?.distribution).toMatchObject({
      case: 'categorical',
      value: {
        categories: [
          { category: 'ORD', count: 3 },
          { category: 'ATL', count: 2 },
          { category: 'BOS', count: 1 },
        ],
        otherCount: 2,
      },
    });
  });

  it('accepts the feature matrix of @tributary/ml, labelling category codes by their number', () => {
    const profile = buildReferenceProfile({
      featureNames: ['distance', 'carrier'],
      columns: [Float64Array.from([100, 200, Number.NaN]), Float64Array.from([17, Number.NaN, 17])],
      categorical: [false, true],
    });
    expect(profile.rowCount).toBe(3);
    expect(profile.features.map((feature) => [feature.featureName, feature.kind, feature.count, feature.missingCount])).toEqual([
      ['distance', FeatureKind.NUMERIC, 2, 1],
      ['carrier', FeatureKind.CATEGORICAL, 2, 1],
    ]);
    expect(profile.features[1]?.distribution).toMatchObject({ value: { categories: [{ category: '17', count: 2 }], otherCount: 0 } });
  });

  it('profiles the predicted probabilities as a numeric feature of their own', () => {
    const predictions = Float64Array.from({ length: 100 }, (_, i) => i / 100);
    const profile = buildReferenceProfile([{ name: 'x', kind: 'numeric', values: oneToHundred.subarray(2) }], { predictions });
    expect(profile.prediction).toMatchObject({ featureName: PREDICTION_FEATURE_NAME, kind: FeatureKind.NUMERIC, count: 100 });
    expect(numeric(profile.prediction).binCounts).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10]);
  });

  it('survives a protobuf round trip unchanged', () => {
    const profile = buildReferenceProfile(
      [
        { name: 'x', kind: 'numeric', values: oneToHundred },
        { name: 'origin', kind: 'categorical', values: Array.from({ length: 102 }, (_, i) => ['ORD', 'ATL', null][i % 3]) },
      ],
      {
        predictions: Float64Array.from({ length: 102 }, (_, i) => (i % 10) / 10),
        window: create(TimeWindowSchema, {
          startTime: timestampFromDate(new Date('2001-01-01T00:00:00Z')),
          endTime: timestampFromDate(new Date('2001-05-01T00:00:00Z')),
        }),
      },
    );
    const decoded = fromBinary(ReferenceProfileSchema, toBinary(ReferenceProfileSchema, profile));
    expect(equals(ReferenceProfileSchema, decoded, profile)).toBe(true);
    expect(decoded.window?.startTime?.seconds).toBe(978307200n);
  });

  it('rejects columns of different lengths, repeated names and bad options', () => {
    const x = { name: 'x', kind: 'numeric', values: [1, 2] } as const;
    expect(() => buildReferenceProfile([x, { name: 'y', kind: 'numeric', values: [1] }])).toThrow(InvalidColumnsError);
    expect(() => buildReferenceProfile([x, x])).toThrow(InvalidColumnsError);
    expect(() => buildReferenceProfile([x], { predictions: [0.5] })).toThrow(InvalidColumnsError);
    expect(() => buildReferenceProfile([x], { binCount: 1 })).toThrow(InvalidOptionsError);
  });
});
