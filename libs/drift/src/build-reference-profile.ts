import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { ReferenceProfileSchema, type ReferenceProfile, type TimeWindowSchema } from '@tributary/contracts';
import { buildCategoricalProfile } from './categorical-profile.js';
import { InvalidColumnsError } from './errors.js';
import { checkFeatureColumns, type FeatureColumns } from './feature-columns.js';
import { buildNumericProfile } from './numeric-profile.js';
import { checkInteger } from './option-checks.js';

/** The feature name under which the model's predicted probability is profiled and compared. */
export const PREDICTION_FEATURE_NAME = '__prediction';

/** Options of {@link buildReferenceProfile}. */
export interface ReferenceProfileOptions {
  /**
   * The model's predicted probabilities for the same rows, profiled as the
   * numeric feature {@link PREDICTION_FEATURE_NAME} so that prediction drift is
   * measured too. Default: none, and the profile has no `prediction`.
   */
  readonly predictions?: ArrayLike<number>;
  /** Event-time window of the data. Default: unset. */
  readonly window?: MessageInitShape<typeof TimeWindowSchema>;
  /**
   * Quantile bins per numeric feature, for PSI and Jensen–Shannon; fewer when
   * tied values make edges coincide. Default: 10 (deciles), the usual choice
   * for PSI: fine enough to see a shift, coarse enough that a window of a few
   * hundred rows fills every bin.
   */
  readonly binCount?: number;
  /** Evenly spaced quantiles (minimum to maximum) kept per numeric feature. Default: 101 (every percentile). */
  readonly quantileCount?: number;
  /**
   * Values kept per numeric feature as a uniform random sample, for KS and
   * Wasserstein. Default: 1000 — 8 kB per feature, and a KS test against it
   * already sees a shift of a quarter of a standard deviation, while not
   * flagging every negligible difference, as millions of values would.
   */
  readonly sampleSize?: number;
  /** Categories kept per categorical feature, most frequent first; the rest are pooled. Default: 100. */
  readonly maxCategories?: number;
  /** Seed of the samples; the same data and seed give the same profile. Default: 1. */
  readonly seed?: number;
}

/**
 * Summarises a model's training (or validation) features and predictions as
 * the {@link ReferenceProfile} that drift is measured against, one
 * `FeatureProfile` per column in the given order.
 */
export function buildReferenceProfile(columns: FeatureColumns, options: ReferenceProfileOptions = {}): ReferenceProfile {
  const { predictions, window, seed = 1 } = options;
  const numericSettings = {
    binCount: checkInteger('binCount', options.binCount ?? 10, 2),
    quantileCount: checkInteger('quantileCount', options.quantileCount ?? 101, 2),
    sampleSize: checkInteger('sampleSize', options.sampleSize ?? 1000, 0),
    seed: checkInteger('seed', seed, 0),
  };
  const maxCategories = checkInteger('maxCategories', options.maxCategories ?? 100, 1);
  const checked = checkFeatureColumns(columns);
  if (predictions !== undefined && checked.rowCount !== undefined && predictions.length !== checked.rowCount) {
    throw new InvalidColumnsError(`${predictions.length} predictions for ${checked.rowCount} rows`, PREDICTION_FEATURE_NAME);
  }
  return create(ReferenceProfileSchema, {
    ...(window === undefined ? {} : { window }),
    rowCount: checked.rowCount ?? predictions?.length ?? 0,
    features: checked.columns.map((column) =>
      column.kind === 'numeric'
        ? buildNumericProfile(column.name, column.values, numericSettings)
        : buildCategoricalProfile(column.name, column.values, maxCategories),
    ),
    ...(predictions === undefined ? {} : { prediction: buildNumericProfile(PREDICTION_FEATURE_NAME, predictions, numericSettings) }),
  });
}
