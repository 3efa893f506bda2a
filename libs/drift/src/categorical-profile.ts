import { create } from '@bufbuild/protobuf';
import { FeatureKind, FeatureProfileSchema, type FeatureProfile } from '@tributary/contracts';
import { countCategories } from './category-counts.js';
import type { CategoryValue } from './feature-columns.js';

/**
 * The reference distribution of a categorical feature: the `maxCategories` most
 * frequent categories with their counts (ties in label order, so the profile is
 * deterministic) and the rest pooled as "other".
 */
export function buildCategoricalProfile(name: string, values: ArrayLike<CategoryValue>, maxCategories: number): FeatureProfile {
  const { counts, missing } = countCategories(values);
  const byFrequency = [...counts].sort(([labelA, countA], [labelB, countB]) => countB - countA || (labelA < labelB ? -1 : 1));
  const top = byFrequency.slice(0, maxCategories);
  const otherCount = byFrequency.slice(maxCategories).reduce((sum, [, count]) => sum + count, 0);
  return create(FeatureProfileSchema, {
    featureName: name,
    kind: FeatureKind.CATEGORICAL,
    count: values.length - missing,
    missingCount: missing,
    distribution: {
      case: 'categorical',
      value: { categories: top.map(([category, count]) => ({ category, count })), otherCount },
    },
  });
}
