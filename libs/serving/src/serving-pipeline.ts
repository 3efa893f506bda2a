import { Code, TributaryError } from '@tributary/errors';
import type { ServedModelStatus } from './served-model-status.js';
import type { ServingAnswer } from './serving-answer.js';
import type { ServingPipelineOptions } from './serving-pipeline-options.js';
import type { ServingRequest } from './serving-request.js';

/**
 * The one predict path every protocol of the inference service shares:
 * features (request, online store, declared defaults) → cache → the model an
 * alias points at, run micro-batched in worker threads → fallback model →
 * rules → default, then the answer logged asynchronously.
 */
export interface ServingPipeline {
  /**
   * Answers one request. Fails with `InvalidInputError` (bad input),
   * `ModelNotFoundError`, `OverloadedError` (shed) or `DeadlineExceededError`;
   * a failing dependency is never an error while a later tier can answer.
   */
  predict(request: ServingRequest): Promise<ServingAnswer>;
  /** Answers each request independently (an error in place of an answer), in order; rows of one version share micro-batches. */
  predictMany(requests: readonly ServingRequest[]): Promise<readonly (ServingAnswer | Error)[]>;
  /** The served models and their loaded versions, for model metadata, readiness and statistics. */
  models(): readonly ServedModelStatus[];
  /** Whether every served model has a ready `champion`. */
  ready(): boolean;
  /** Loads what the aliases point at, starts the workers, the lifecycle consumer, the poll and the log producer. Idempotent. */
  start(): Promise<void>;
  /** Stops intake, drains requests in flight, flushes logs, closes workers and clients it opened. Idempotent. */
  close(): Promise<void>;
}

/** The serving pipeline of {@link ServingPipelineOptions}; call `start()` before the first request. */
export function createServingPipeline(options: ServingPipelineOptions): ServingPipeline {
  void options;
  // The interface lands first so the protocols can be built against it; the pipeline follows in the next commits.
  throw new TributaryError(Code.Unimplemented, 'createServingPipeline is being built');
}
