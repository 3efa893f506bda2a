import { randomUUID } from 'node:crypto';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { DriftReportSchema, type DriftReport, type ReferenceProfile, type TimeWindowSchema } from '@tributary/contracts';
import { checkDriftRules, DEFAULT_DRIFT_RULES, type DriftRules } from './drift-rules.js';
import { FeatureMismatchError, InvalidColumnsError } from './errors.js';
import { checkFeatureColumns, type FeatureColumns } from './feature-columns.js';
import { measureFeatureDrift, type FeatureDriftSettings } from './feature-drift.js';
import { checkInteger, checkShare } from './option-checks.js';

/** Options of {@link compareToReference}. */
export interface CompareToReferenceOptions {
  /**
   * The model's predicted probabilities for the window's rows, compared with
   * the profile's `prediction` by the numeric rules. Default: none, and the
   * report has no `prediction`; also left out when the profile has none.
   */
  readonly predictions?: ArrayLike<number>;
  /** When a feature counts as drifted, per kind. Default: {@link DEFAULT_DRIFT_RULES}; a kind left out keeps its default. */
  readonly rules?: Partial<DriftRules>;
  /**
   * Rows (present or missing) needed in both the reference and the window
   * before a feature may be flagged; below it the statistics are reported but
   * `drifted` stays false, `decided_by` "min_sample_size". Default: 100, about
   * where every decile bin expects ten values and the tests' asymptotics hold.
   */
  readonly minSampleSize?: number;
  /** Share of drifted features from which the dataset counts as drifted. Default: 0.5. */
  readonly driftShareThreshold?: number;
  /**
   * Features measured and reported but never flagged (`decided_by`
   * "unjudged") nor counted in `drift_share`, e.g. the day of week in a
   * window shorter than a week, which differs from a fortnight's by
   * construction. Default: none.
   */
  readonly unjudgedFeatures?: ReadonlySet<string>;
  /** Share an empty bin is taken to have in PSI. Default: 1e-4, as in `populationStabilityIndex`. */
  readonly psiEpsilon?: number;
  /** Model the report is about. Default: "". */
  readonly modelName?: string;
  /** Version of that model. Default: 0. */
  readonly modelVersion?: number;
  /** Event-time window of the compared rows. Default: unset. */
  readonly window?: MessageInitShape<typeof TimeWindowSchema>;
  /** Id of the report. Default: a random UUID. */
  readonly reportId?: string;
  /** When the report was made. Default: now. */
  readonly createdAt?: Date;
}

/**
 * Compares a window of live feature values (and predictions) with a model's
 * reference profile. Every profiled feature must be in the window, as the same
 * kind; other columns are ignored. Numeric features get PSI and Jensen–Shannon
 * over the profile's bins, KS and Wasserstein against its sample; categorical
 * ones PSI, Jensen–Shannon and chi² over its categories. Each is judged by the
 * rules of its kind; `drift_share` is the share of drifted features (the
 * prediction not counted), and the dataset drifted when it reaches
 * `driftShareThreshold`.
 */
export function compareToReference(
  profile: ReferenceProfile,
  current: FeatureColumns,
  options: CompareToReferenceOptions = {},
): DriftReport {
  const { predictions, driftShareThreshold = 0.5, unjudgedFeatures: unjudged = new Set<string>() } = options;
  const settings: FeatureDriftSettings = {
    rules: checkDriftRules({ ...DEFAULT_DRIFT_RULES, ...options.rules }),
    minSampleSize: checkInteger('minSampleSize', options.minSampleSize ?? 100, 1),
    psiEpsilon: options.psiEpsilon ?? 1e-4,
  };
  checkShare('driftShareThreshold', driftShareThreshold);
  const { columns, rowCount } = checkFeatureColumns(current);
  if (predictions !== undefined && rowCount !== undefined && predictions.length !== rowCount) {
    throw new InvalidColumnsError(`${predictions.length} predictions for ${rowCount} rows`);
  }
  const byName = new Map(columns.map((column) => [column.name, column]));
  const features = profile.features.map((feature) => {
    const column = byName.get(feature.featureName);
    if (column === undefined) throw new FeatureMismatchError(feature.featureName, 'is in the reference profile but not in the window');
    const measured = measureFeatureDrift(feature, column, settings);
    return unjudged.has(feature.featureName) ? { ...measured, drifted: false, decidedBy: 'unjudged', threshold: 0 } : measured;
  });
  const prediction =
    profile.prediction === undefined || predictions === undefined
      ? undefined
      : measureFeatureDrift(profile.prediction, { name: profile.prediction.featureName, kind: 'numeric', values: predictions }, settings);
  const judged = features.filter((feature) => !unjudged.has(feature.featureName));
  const driftShare = judged.length === 0 ? 0 : judged.filter((feature) => feature.drifted).length / judged.length;
  return create(DriftReportSchema, {
    reportId: options.reportId ?? randomUUID(),
    modelName: options.modelName ?? '',
    modelVersion: options.modelVersion ?? 0,
    ...(options.window === undefined ? {} : { window: options.window }),
    sampleCount: rowCount ?? predictions?.length ?? 0,
    features,
    ...(prediction === undefined ? {} : { prediction }),
    driftShare,
    driftShareThreshold,
    drifted: judged.length > 0 && driftShare >= driftShareThreshold,
    createdTime: timestampFromDate(options.createdAt ?? new Date()),
  });
}
