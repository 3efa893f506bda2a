/**
 * @tributary/training — the trainer's logic: a training run as a pipeline of
 * small steps, each usable and testable alone. Labels from the raw events,
 * the point-in-time training set from the offline feature store, a time split
 * (train → validation → holdout), GBDT and logistic regression, evaluation
 * against the champion on the same holdout, ONNX export verified in ONNX
 * Runtime, drift reference profiles, registration over gRPC and the promotion
 * policy. {@link runTraining} runs them in order, the CPU-bound ones in a
 * worker thread so that the calling thread stays responsive.
 */
export { createClickHouseLabelSource, type ClickHouseLabelSourceOptions } from './clickhouse-label-source.js';
export {
  InsufficientTrainingDataError,
  InvalidTrainingRequestError,
  LabelSourceError,
  TrainingStageError,
  TrainingWorkerCrashedError,
} from './errors.js';
export { findEarlierDelivery, type EarlierDelivery, type RegisteredPair } from './earlier-delivery.js';
export { evaluateModel, evaluationFromMetrics, evaluationMetrics, type ModelEvaluation } from './evaluate-model.js';
export { fetchChampion, type ChampionArtifact } from './fetch-champion.js';
export {
  ONNX_PARITY_METRIC,
  ONNX_PARITY_TOLERANCE,
  fitCandidates,
  type FitCandidatesInput,
  type FittedCandidates,
  type FittedModel,
  type LabeledRows,
} from './fit-candidates.js';
export { fitInWorker, type FitInWorkerOptions, type TrainingWorkerOptions } from './fit-in-worker.js';
export { buildFlightDataset, type FlightFeatureSource, type LabeledDataset } from './flight-dataset.js';
export { lateArrivalLabel, type LabelSource, type LabeledFlights } from './flight-labels.js';
export { MODEL_PARAM_NAMES, parseModelParams, type GbdtTrainingOptions, type ModelParams } from './model-params.js';
export { openFlightTraining, type FlightTraining, type FlightTrainingOptions } from './open-flight-training.js';
export { CHAMPION_RECOMMENDATION, promoteVersion, type PromoteVersionOptions, type PromotionOutcome } from './promote-version.js';
export { choosePrimary, type PrimaryCandidate, type PrimaryChoice } from './choose-primary.js';
export { decidePromotion, type ChampionComparison, type PromotionDecision, type PromotionPolicy } from './promotion-policy.js';
export {
  runTraining,
  type RegisteredModel,
  type RegisteredVersions,
  type RunTrainingOptions,
  type TrainingRunDependencies,
  type TrainingRunResult,
} from './run-training.js';
export { scoreChampion } from './score-champion.js';
export { splitByTime, type SplitByTimeOptions, type TimeSplit } from './split-by-time.js';
export { StageRunner, type ReportStageProgress, type StageReporter } from './stage-runner.js';
export { formatTimeRange, timeRangeOf, timeWindowOf, type TimeRange } from './time-range.js';
export { acceptTrainingRequest, trainingRequestRecord, type AcceptTrainingRequestOptions } from './training-request-record.js';
export { trainingMetrics, type TrainingMetrics } from './training-metrics.js';
export { DEFAULT_MODEL_PARAMS, planTraining, type TrainingPlan, type TrainingPlanOptions } from './training-plan.js';
export { TRAINING_STAGES, overallFraction, type TrainingProgress, type TrainingStage } from './training-progress.js';
export { TRAINER_TAGS, sha256Hex, versionUpload, type ModelRole, type VersionUploadInput } from './version-upload.js';
