import { clone, equals, fromBinary, toBinary } from '@bufbuild/protobuf';
import { DriftReportSchema, FeatureKind, ReferenceProfileSchema, type FeatureDrift } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import {
  buildReferenceProfile,
  compareToReference,
  FeatureMismatchError,
  InvalidColumnsError,
  InvalidOptionsError,
  InvalidProfileError,
  kolmogorovSmirnovTest,
  PREDICTION_FEATURE_NAME,
  type FeatureColumn,
} from './index.js';
import { categoricalSample, normalSample } from './testing/seeded-samples.js';

const rows = 5000;
const originMix = { ORD: 0.5, ATL: 0.3, SFO: 0.2 };
const reference = buildReferenceProfile(
  [
    { name: 'delay', kind: 'numeric', values: normalSample(rows, 0, 1, 1) },
    { name: 'origin', kind: 'categorical', values: categoricalSample(rows, originMix, 2) },
  ],
  { predictions: normalSample(rows, 0.3, 0.05, 3) },
);

/** A window of the same shape as the reference: delay ~ normal(delayMean, 1), origin drawn from `origins`. */
function window(delayMean: number, origins: Readonly<Record<string, number>>, seed: number, count = rows): FeatureColumn[] {
  return [
    { name: 'delay', kind: 'numeric', values: normalSample(count, delayMean, 1, seed) },
    { name: 'origin', kind: 'categorical', values: categoricalSample(count, origins, seed + 1) },
  ];
}

function feature(features: readonly FeatureDrift[], name: string): FeatureDrift {
  const found = features.find((drift) => drift.featureName === name);
  if (found === undefined) throw new Error(`no drift of ${name}`);
  return found;
}

const numericRules = ['psi', 'ks_p_value'];
const categoricalRules = ['chi_squared_p_value', 'psi'];

describe('compareToReference()', () => {
  it('does not flag a sample from the same distributions', () => {
    const report = compareToReference(reference, window(0, originMix, 100));
    expect(report.features.map((drift) => drift.drifted)).toEqual([false, false]);
    expect(report).toMatchObject({ driftShare: 0, driftShareThreshold: 0.5, drifted: false, sampleCount: rows });
    expect(feature(report.features, 'delay').psi).toBeLessThan(0.05);
    expect(feature(report.features, 'delay').ksPValue).toBeGreaterThan(0.01);
    expect(feature(report.features, 'origin').chiSquaredPValue).toBeGreaterThan(0.01);
  });

  it('flags a mean shifted by half a standard deviation and a changed category mix', () => {
    const report = compareToReference(reference, window(0.5, { ORD: 0.3, ATL: 0.3, SFO: 0.4 }, 200));
    const delay = feature(report.features, 'delay');
    const origin = feature(report.features, 'origin');
    expect(delay.drifted).toBe(true);
    expect(numericRules).toContain(delay.decidedBy);
    expect(origin.drifted).toBe(true);
    expect(categoricalRules).toContain(origin.decidedBy);
    expect(delay.wassersteinDistance).toBeGreaterThan(0.4);
    expect(report).toMatchObject({ driftShare: 1, drifted: true });
  });

  it('measures the statistics that apply to each kind', () => {
    const report = compareToReference(reference, window(0, originMix, 300));
    const delay = feature(report.features, 'delay');
    const origin = feature(report.features, 'origin');
    expect(delay).toMatchObject({ kind: FeatureKind.NUMERIC, currentCount: rows });
    for (const value of [delay.psi, delay.ksStatistic, delay.ksPValue, delay.wassersteinDistance, delay.jensenShannonDistance]) {
      expect(value).toBeTypeOf('number');
    }
    expect([delay.chiSquaredStatistic, delay.chiSquaredPValue]).toEqual([undefined, undefined]);
    expect(origin).toMatchObject({ kind: FeatureKind.CATEGORICAL, currentCount: rows });
    for (const value of [origin.psi, origin.jensenShannonDistance, origin.chiSquaredStatistic, origin.chiSquaredPValue]) {
      expect(value).toBeTypeOf('number');
    }
    expect([origin.ksStatistic, origin.ksPValue, origin.wassersteinDistance]).toEqual([undefined, undefined, undefined]);
  });

  it('runs KS against the profile’s sample', () => {
    const current = window(0.1, originMix, 400);
    const delay = feature(compareToReference(reference, current).features, 'delay');
    const profileSample = reference.features[0]?.distribution.value;
    if (profileSample === undefined || !('sample' in profileSample)) throw new Error('expected a numeric profile');
    const direct = kolmogorovSmirnovTest(profileSample.sample, current[0]?.values as Float64Array);
    expect([delay.ksStatistic, delay.ksPValue]).toEqual([direct.statistic, direct.pValue]);
  });

  it('gives the same statistics for a profile whose sample is not stored sorted', () => {
    const shuffled = clone(ReferenceProfileSchema, reference);
    const delay = shuffled.features[0]?.distribution;
    if (delay?.case !== 'numeric') throw new Error('expected a numeric profile');
    delay.value.sample.reverse();
    const current = window(0.3, originMix, 450);
    const asStored = feature(compareToReference(reference, current).features, 'delay');
    const reversed = feature(compareToReference(shuffled, current).features, 'delay');
    expect([reversed.ksStatistic, reversed.wassersteinDistance]).toEqual([asStored.ksStatistic, asStored.wassersteinDistance]);
    expect(reversed.wassersteinDistance).toBeGreaterThan(0.2);
  });

  it('reports the prediction apart from the features', () => {
    const report = compareToReference(reference, window(0, originMix, 500), { predictions: normalSample(rows, 0.5, 0.05, 6) });
    expect(report.prediction).toMatchObject({ featureName: PREDICTION_FEATURE_NAME, drifted: true });
    expect(report.driftShare).toBe(0);
    expect(compareToReference(reference, window(0, originMix, 500)).prediction).toBeUndefined();
  });

  it('reports but never flags a feature with fewer rows than the minimum sample size', () => {
    const report = compareToReference(reference, window(3, { SFO: 1 }, 600, 50));
    for (const drift of report.features) {
      expect(drift).toMatchObject({ drifted: false, decidedBy: 'min_sample_size', threshold: 100 });
      expect(drift.psi).toBeGreaterThan(1);
    }
    expect(compareToReference(reference, window(3, { SFO: 1 }, 600, 50), { minSampleSize: 50 }).driftShare).toBe(1);
  });

  it('flags a feature whose values went missing', () => {
    const report = compareToReference(reference, [
      { name: 'delay', kind: 'numeric', values: new Float64Array(rows).fill(Number.NaN) },
      { name: 'origin', kind: 'categorical', values: new Array<null>(rows).fill(null) },
    ]);
    expect(report.features.map((drift) => [drift.drifted, drift.decidedBy, drift.currentCount])).toEqual([
      [true, 'psi', 0],
      [true, 'chi_squared_p_value', 0],
    ]);
    expect(feature(report.features, 'delay').ksStatistic).toBeUndefined();
  });

  it('counts categories unseen in training as other', () => {
    const report = compareToReference(reference, window(0, { ...originMix, ORD: 0.2, JFK: 0.3 }, 700));
    expect(feature(report.features, 'origin').drifted).toBe(true);
  });

  it('judges by the rules given and rejects a rule that does not apply', () => {
    const rules = { numeric: [{ statistic: 'wasserstein_distance', threshold: 0.3 }] } as const;
    const report = compareToReference(reference, window(0.5, originMix, 800), { rules });
    expect(feature(report.features, 'delay')).toMatchObject({ drifted: true, decidedBy: 'wasserstein_distance', threshold: 0.3 });
    expect(feature(report.features, 'origin')).toMatchObject({ drifted: false, decidedBy: 'chi_squared_p_value', threshold: 0.01 });
    expect(() =>
      compareToReference(reference, window(0, originMix, 800), { rules: { categorical: [{ statistic: 'ks_p_value', threshold: 0.01 }] } }),
    ).toThrow(InvalidOptionsError);
  });

  it('calls the dataset drifted when the drifted share reaches the threshold', () => {
    const oneOfTwo = window(0.5, originMix, 900);
    expect(compareToReference(reference, oneOfTwo)).toMatchObject({ driftShare: 0.5, drifted: true });
    expect(compareToReference(reference, oneOfTwo, { driftShareThreshold: 0.75 })).toMatchObject({ driftShare: 0.5, drifted: false });
  });

  it('fills in the report’s identity and survives a protobuf round trip', () => {
    const createdAt = new Date('2001-06-01T12:00:00Z');
    const report = compareToReference(reference, window(0, originMix, 1000), {
      modelName: 'flight-delay',
      modelVersion: 7,
      reportId: 'report-1',
      createdAt,
    });
    expect(report).toMatchObject({ modelName: 'flight-delay', modelVersion: 7, reportId: 'report-1' });
    expect(report.createdTime?.seconds).toBe(BigInt(createdAt.getTime() / 1000));
    expect(equals(DriftReportSchema, fromBinary(DriftReportSchema, toBinary(DriftReportSchema, report)), report)).toBe(true);
    expect(compareToReference(reference, window(0, originMix, 1000)).reportId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rejects a window without a profiled feature, with a feature of the other kind, or with too few predictions', () => {
    const [delay, origin] = window(0, originMix, 1100) as [FeatureColumn, FeatureColumn];
    expect(() => compareToReference(reference, [delay])).toThrow(FeatureMismatchError);
    expect(() => compareToReference(reference, [delay, { name: 'origin', kind: 'numeric', values: new Float64Array(rows) }])).toThrow(
      FeatureMismatchError,
    );
    expect(() => compareToReference(reference, [{ ...delay, kind: 'categorical' }, origin])).toThrow(FeatureMismatchError);
    expect(() => compareToReference(reference, [delay, origin], { predictions: [0.5] })).toThrow(InvalidColumnsError);
  });

  it('rejects a profile whose bin counts do not fit its bin edges', () => {
    const broken = clone(ReferenceProfileSchema, reference);
    const delay = broken.features[0]?.distribution;
    if (delay?.case !== 'numeric') throw new Error('expected a numeric profile');
    delay.value.binCounts.pop();
    expect(() => compareToReference(broken, window(0, originMix, 1200))).toThrow(InvalidProfileError);
  });

  it('reports but never flags an unjudged feature, and leaves it out of the drift share', () => {
    const shifted = window(2, { ORD: 0.3, ATL: 0.3, SFO: 0.4 }, 900);
    const judged = compareToReference(reference, shifted);
    expect(judged).toMatchObject({ driftShare: 1, drifted: true });
    const report = compareToReference(reference, shifted, { unjudgedFeatures: new Set(['delay']) });
    const delay = feature(report.features, 'delay');
    expect(delay).toMatchObject({ drifted: false, decidedBy: 'unjudged' });
    expect(delay.psi).toBe(feature(judged.features, 'delay').psi);
    expect(feature(report.features, 'origin').drifted).toBe(true);
    expect(report).toMatchObject({ driftShare: 1, drifted: true });
  });
});
