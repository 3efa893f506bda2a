import { create } from '@bufbuild/protobuf';
import { FeatureKind, FeatureProfileSchema, type FeatureProfile } from '@tributary/contracts';
import { createRandom, sampleIndices } from '@tributary/seeded-random';
import { featureSeed } from './feature-seed.js';
import { binCountsOfSorted, quantileBinEdges, quantileOfSorted, sortedFiniteValues } from './sorted-values.js';

/** How a numeric feature is summarised; see `ReferenceProfileOptions` for the meaning and defaults. */
export interface NumericProfileSettings {
  readonly binCount: number;
  readonly quantileCount: number;
  readonly sampleSize: number;
  readonly seed: number;
}

/**
 * The reference distribution of a numeric feature: quantile bins with their
 * counts (for PSI and Jensen–Shannon), moments, evenly spaced quantiles, and a
 * seeded uniform sample without replacement (for KS and Wasserstein). Statistics
 * of a feature without values are left at 0.
 */
export function buildNumericProfile(name: string, values: ArrayLike<number>, settings: NumericProfileSettings): FeatureProfile {
  const sorted = sortedFiniteValues(values);
  const count = sorted.length;
  const binEdges = quantileBinEdges(sorted, settings.binCount);
  const summary = count === 0 ? {} : { ...moments(sorted), min: sorted[0] as number, max: sorted[count - 1] as number };
  const quantiles =
    count === 0 ? [] : Array.from({ length: settings.quantileCount }, (_, i) => quantileOfSorted(sorted, i / (settings.quantileCount - 1)));
  // Positions in the sorted values, so the sample depends on the values and the
  // seed only, not on the order of the rows; it comes out sorted.
  const random = createRandom(featureSeed(settings.seed, name));
  const sample = Array.from(sampleIndices(count, settings.sampleSize, random), (position) => sorted[position] as number);
  return create(FeatureProfileSchema, {
    featureName: name,
    kind: FeatureKind.NUMERIC,
    count,
    missingCount: values.length - count,
    distribution: {
      case: 'numeric',
      value: { binEdges, binCounts: binCountsOfSorted(sorted, binEdges), quantiles, sample, ...summary },
    },
  });
}

/** Mean and population standard deviation (NumPy's `std` with ddof 0), in two passes for accuracy. */
function moments(values: Float64Array): { mean: number; standardDeviation: number } {
  let sum = 0;
  for (const value of values) sum += value;
  const mean = sum / values.length;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return { mean, standardDeviation: Math.sqrt(squares / values.length) };
}
