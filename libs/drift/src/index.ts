/**
 * @tributary/drift — how far live data has moved from what a model was trained
 * on. The trainer builds a `ReferenceProfile` of each input feature and of
 * the predicted probability; the drift monitor compares windows of live values
 * with it ({@link compareToReference}) into a `DriftReport`. The
 * statistics are written here, each a small pure function matching SciPy.
 */
export {
  FeatureMismatchError,
  InvalidColumnsError,
  InvalidDistributionError,
  InvalidOptionsError,
  InvalidProfileError,
} from './errors.js';
export { buildReferenceProfile, PREDICTION_FEATURE_NAME, type ReferenceProfileOptions } from './build-reference-profile.js';
export type {
  CategoricalColumn,
  CategoryValue,
  FeatureColumn,
  FeatureColumns,
  FeatureMatrixLike,
  NumericColumn,
} from './feature-columns.js';
export { compareToReference, type CompareToReferenceOptions } from './compare-to-reference.js';
export {
  DEFAULT_DRIFT_RULES,
  type DriftRule,
  type DriftRules,
  type DriftStatistic,
} from './drift-rules.js';
export { chiSquaredHomogeneityTest, chiSquaredSurvival, type ChiSquaredTestResult } from './statistics/chi-squared-test.js';
export { jensenShannonDistance } from './statistics/jensen-shannon-distance.js';
export {
  kolmogorovSmirnovTest,
  kolmogorovSurvival,
  type KolmogorovSmirnovResult,
} from './statistics/kolmogorov-smirnov-test.js';
export { populationStabilityIndex, type PopulationStabilityIndexOptions } from './statistics/population-stability-index.js';
export { wassersteinDistance } from './statistics/wasserstein-distance.js';
