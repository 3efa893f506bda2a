/**
 * @tributary/serving — the inference pipeline behind every protocol of the
 * inference service: features from the request, the online store or the
 * model's declared defaults; ONNX Runtime sessions in worker threads with
 * dynamic micro-batching and bounded queues; model slots that follow the
 * registry's aliases with background load, warm-up and atomic swap; canary
 * and shadow routing; breakers and the fallback chain (primary → fallback
 * model → rules → default); a prediction cache and asynchronous logging to
 * `predictions.logged`.
 */
export {
  DeadlineExceededError,
  InvalidInputError,
  ModelExecutionError,
  ModelNotFoundError,
  OverloadedError,
  PipelineClosedError,
  TierUnavailableError,
} from './errors.js';
export type { FaultInjector } from './fault-injector.js';
export type {
  ServedFeature,
  ServedModelStatus,
  ServedVersionStatus,
  StatisticDuration,
  VersionStatistics,
} from './served-model-status.js';
export { SERVING_TIERS, type ServingAnswer, type ServingTier } from './serving-answer.js';
export { createServingPipeline, type ServingPipeline } from './serving-pipeline.js';
export type {
  ExecutionOptions,
  PredictionCacheOptions,
  ResilienceOptions,
  RoutingOptions,
  RuleThreshold,
  RulesOptions,
  ServingKafkaOptions,
  ServingPipelineOptions,
} from './serving-pipeline-options.js';
export type { FlightQuery, ServingRequest } from './serving-request.js';
