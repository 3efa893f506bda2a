/**
 * @tributary/drift — how far live data has moved from what a model was trained
 * on. The trainer builds a `ReferenceProfile` of each input feature and of
 * the predicted probability; the drift monitor compares windows of live values
 * with it ({@link compareToReference}) into a `DriftReport`. The
 * statistics are written here, each a small pure function matching SciPy.
 *
 * The monitor's logic is here too ({@link createDriftMonitor}): event-time
 * windows of served predictions joined with their outcomes, each judged for
 * feature, dataset and prediction drift (method by sample size, thresholds
 * on effect size) and realised performance and calibration; a retraining
 * policy with a cooldown and one request in flight per model; and the
 * ClickHouse tables that hold its state and reports.
 */
export {
  DriftStoreError,
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
export { chooseDriftRules, type ChooseDriftRulesOptions } from './choose-drift-rules.js';
export {
  createDriftMonitor,
  type DriftAlarm,
  type DriftMonitor,
  type DriftMonitorOptions,
  type DriftMonitorOutputs,
  type ReferenceSource,
  type VersionReference,
} from './drift-monitor.js';
export {
  createDriftMonitorStore,
  type DriftMonitorStore,
  type DriftMonitorStoreOptions,
  type FlightObservation,
  type ReportQuery,
  type ServedPredictionBucket,
  type ServedPredictionsQuery,
  type TrainingLineage,
  type TrainingRequestRow,
  type TrainingResultRow,
  type WindowCount,
  type WindowRowsQuery,
} from './drift-monitor-store.js';
export { alarmVerdict, newAlarmReasons } from './alarm-verdict.js';
export { driftReportId } from './drift-report-id.js';
export { evaluateWindow, type EvaluateWindowOptions, type WindowRows } from './evaluate-window.js';
export { createEventTimeWindows, type EventTimeWindow, type EventTimeWindows, type EventTimeWindowsOptions } from './event-time-windows.js';
export { judgeWindow, resolveAlarmThresholds, type AlarmRule, type AlarmThresholds, type ResolvedAlarmThresholds } from './judge-window.js';
export { measureRealisedPerformance, type RealisedPerformanceOptions } from './realised-performance.js';
export {
  createRetrainingPolicy,
  type LastTrainingRequest,
  type RetrainingDecision,
  type RetrainingPolicy,
  type RetrainingPolicyOptions,
} from './retraining-policy.js';
