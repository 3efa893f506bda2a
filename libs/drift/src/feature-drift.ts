import { create } from '@bufbuild/protobuf';
import {
  FeatureDriftSchema,
  FeatureKind,
  type CategoricalProfile,
  type FeatureDrift,
  type FeatureProfile,
  type NumericProfile,
} from '@tributary/contracts';
import { countCategories } from './category-counts.js';
import { decideDrift, type DriftRule, type DriftRules, type DriftStatistics } from './drift-rules.js';
import { FeatureMismatchError, InvalidProfileError } from './errors.js';
import type { CategoryValue, FeatureColumn } from './feature-columns.js';
import { binCountsOfSorted, sortedFiniteValues } from './sorted-values.js';
import { chiSquaredHomogeneityTest } from './statistics/chi-squared-test.js';
import { jensenShannonDistance } from './statistics/jensen-shannon-distance.js';
import { kolmogorovSmirnovTestOfSorted } from './statistics/kolmogorov-smirnov-test.js';
import { populationStabilityIndex } from './statistics/population-stability-index.js';
import { wassersteinDistanceOfSorted } from './statistics/wasserstein-distance.js';

/** What {@link measureFeatureDrift} needs besides the profile and the values. */
export interface FeatureDriftSettings {
  readonly rules: DriftRules;
  readonly minSampleSize: number;
  readonly psiEpsilon: number;
}

/**
 * Drift of one feature: its statistics against the profile and the decision.
 * Missing values form one more bin (or category) for PSI, Jensen–Shannon and
 * chi², so a feature whose values go missing drifts too; KS and Wasserstein see
 * the present values only. With fewer rows than `minSampleSize` on either side
 * the statistics are still reported, but the feature is not flagged.
 */
export function measureFeatureDrift(profile: FeatureProfile, column: FeatureColumn, settings: FeatureDriftSettings): FeatureDrift {
  const { statistics: s, currentCount, rules } = measure(profile, column, settings);
  const referenceRows = profile.count + profile.missingCount;
  const enoughRows = Math.min(referenceRows, column.values.length) >= settings.minSampleSize;
  const decision = enoughRows
    ? decideDrift(s, rules)
    : { drifted: false, decidedBy: 'min_sample_size', threshold: settings.minSampleSize };
  return create(FeatureDriftSchema, {
    featureName: profile.featureName,
    kind: profile.kind,
    psi: s.psi,
    ksStatistic: s.ks_statistic,
    ksPValue: s.ks_p_value,
    wassersteinDistance: s.wasserstein_distance,
    wassersteinDistanceNormed: s.wasserstein_distance_normed,
    jensenShannonDistance: s.jensen_shannon_distance,
    chiSquaredStatistic: s.chi_squared_statistic,
    chiSquaredPValue: s.chi_squared_p_value,
    ...decision,
    currentCount,
  });
}

interface Measurement {
  readonly statistics: DriftStatistics;
  /** Present values in the window. */
  readonly currentCount: number;
  /** The rules of the feature's kind. */
  readonly rules: readonly DriftRule[];
}

function measure(profile: FeatureProfile, column: FeatureColumn, settings: FeatureDriftSettings): Measurement {
  const { featureName: name, distribution, missingCount } = profile;
  if (profile.kind === FeatureKind.NUMERIC && distribution.case === 'numeric') {
    if (column.kind !== 'numeric') throw new FeatureMismatchError(name, 'is numeric in the profile but categorical in the window');
    return { ...numericStatistics(name, distribution.value, missingCount, column.values, settings.psiEpsilon), rules: settings.rules.numeric };
  }
  if (profile.kind === FeatureKind.CATEGORICAL && distribution.case === 'categorical') {
    if (column.kind !== 'categorical') throw new FeatureMismatchError(name, 'is categorical in the profile but numeric in the window');
    return {
      ...categoricalStatistics(distribution.value, missingCount, column.values, settings.psiEpsilon),
      rules: settings.rules.categorical,
    };
  }
  throw new InvalidProfileError(name, `kind ${FeatureKind[profile.kind]} with a ${distribution.case ?? 'missing'} distribution`);
}

function numericStatistics(
  name: string,
  reference: NumericProfile,
  referenceMissing: number,
  values: ArrayLike<number>,
  psiEpsilon: number,
): Omit<Measurement, 'rules'> {
  if (reference.binCounts.length !== reference.binEdges.length + 1) {
    throw new InvalidProfileError(name, `${reference.binCounts.length} bin counts for ${reference.binEdges.length} bin edges`);
  }
  const sorted = sortedFiniteValues(values);
  const referenceBins = [...reference.binCounts, referenceMissing];
  const currentBins = [...binCountsOfSorted(sorted, reference.binEdges), values.length - sorted.length];
  const statistics = binnedStatistics(referenceBins, currentBins, psiEpsilon);
  if (reference.sample.length > 0 && sorted.length > 0) {
    const sample = sortedSample(reference.sample);
    const ks = kolmogorovSmirnovTestOfSorted(sample, sorted);
    statistics.ks_statistic = ks.statistic;
    statistics.ks_p_value = ks.pValue;
    statistics.wasserstein_distance = wassersteinDistanceOfSorted(sample, sorted);
    // Evidently's effect size: the distance in reference standard deviations; undefined for a constant feature.
    if (reference.standardDeviation > 0) statistics.wasserstein_distance_normed = statistics.wasserstein_distance / reference.standardDeviation;
  }
  return { statistics, currentCount: sorted.length };
}

function categoricalStatistics(
  reference: CategoricalProfile,
  referenceMissing: number,
  values: ArrayLike<CategoryValue>,
  psiEpsilon: number,
): Omit<Measurement, 'rules'> {
  // Buckets: the profiled categories, then "other" (categories not profiled,
  // including ones never seen in training), then missing.
  const bucketOf = new Map(reference.categories.map(({ category }, i) => [category, i]));
  const other = reference.categories.length;
  const referenceBuckets = [...reference.categories.map(({ count }) => count), reference.otherCount, referenceMissing];
  const currentBuckets = new Array<number>(other + 2).fill(0);
  const { counts, missing } = countCategories(values);
  for (const [category, count] of counts) {
    const bucket = bucketOf.get(category) ?? other;
    currentBuckets[bucket] = (currentBuckets[bucket] as number) + count;
  }
  currentBuckets[other + 1] = missing;
  const statistics = binnedStatistics(referenceBuckets, currentBuckets, psiEpsilon);
  if (statistics.psi !== undefined) {
    const chiSquared = chiSquaredHomogeneityTest(referenceBuckets, currentBuckets);
    statistics.chi_squared_statistic = chiSquared.statistic;
    statistics.chi_squared_p_value = chiSquared.pValue;
  }
  return { statistics, currentCount: values.length - missing };
}

/**
 * The profile's sample as a sorted typed array. buildReferenceProfile stores it
 * sorted, and a profile that keeps every reference value is as long as the
 * reference, so it is only checked (one pass) and sorted only when a profile
 * from elsewhere is not.
 */
function sortedSample(values: readonly number[]): Float64Array {
  const sample = Float64Array.from(values);
  for (let i = 1; i < sample.length; i++) if ((sample[i] as number) < (sample[i - 1] as number)) return sample.sort();
  return sample;
}

/** PSI and Jensen–Shannon over bins; none when either side has no rows at all. */
function binnedStatistics(reference: number[], current: number[], psiEpsilon: number): DriftStatistics {
  const total = (counts: number[]) => counts.reduce((sum, count) => sum + count, 0);
  if (total(reference) === 0 || total(current) === 0) return {};
  return {
    psi: populationStabilityIndex(reference, current, { epsilon: psiEpsilon }),
    jensen_shannon_distance: jensenShannonDistance(reference, current),
  };
}
