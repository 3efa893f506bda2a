/**
 * @tributary/serving — what answers a flight-delay prediction behind every
 * protocol of the inference service. `createServingPipeline` reads features
 * (request, online store, declared defaults), runs ONNX Runtime in worker
 * threads with dynamic micro-batching and bounded queues, follows the
 * registry's aliases with background load, warm-up and atomic swap, routes
 * canary and shadow traffic, falls back through breakers (primary → fallback
 * model → rules → default), caches predictions and logs each one to
 * `predictions.logged`. Its ONNX worker pool is shared with batch scoring
 * (`createOnnxWorkerPool`). `createStreamingScorer` answers every
 * `flight.departed` through the same pipeline, exactly once, to
 * `predictions.scored`. The fault injector for tests is in
 * `@tributary/serving/testing`.
 */
export {
  DeadlineExceededError,
  InvalidInputError,
  ModelExecutionError,
  ModelNotFoundError,
  OverloadedError,
  PipelineClosedError,
  ScoringUnavailableError,
  TierUnavailableError,
} from './errors.js';
export { explanationFields, type ExplanationFields } from './explanation-fields.js';
export type { FaultInjector } from './fault-injector.js';
export { createLoopDelayMonitor, type LoopDelayMonitor, type LoopDelayMonitorOptions } from './loop-delay-monitor.js';
export { toPredictResponse } from './predict-response.js';
export { createOnnxWorkerPool, type BatchResult, type ExplainResult, type OnnxWorkerPool, type OnnxWorkerPoolOptions } from './onnx-worker-pool.js';
export type {
  ServedFeature,
  ServedModelStatus,
  ServedVersionStatus,
  StatisticDuration,
  VersionStatistics,
} from './served-model-status.js';
export { SERVING_TIERS, type ServedExplanation, type ServingAnswer, type ServingTier } from './serving-answer.js';
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
export { createStreamingScorer, type StreamingScorer, type StreamingScorerOptions } from './streaming-scorer.js';
