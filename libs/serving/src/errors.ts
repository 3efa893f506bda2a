import { Code, TributaryError } from '@tributary/errors';

/**
 * A request the pipeline cannot answer as asked: unknown feature, wrong
 * count or type, NaN or ±Infinity, a malformed flight. The message says what
 * to fix; the request never reaches a model.
 */
export class InvalidInputError extends TributaryError {
  override name = 'InvalidInputError';

  constructor(
    message: string,
    /** The request's id, when it had one. */
    readonly requestId?: string,
  ) {
    super(Code.InvalidArgument, message, { retryable: false });
  }
}

/** The model, the alias or the explicit version asked for is not served here. */
export class ModelNotFoundError extends TributaryError {
  override name = 'ModelNotFoundError';

  constructor(
    readonly modelName: string,
    /** What was asked for beyond the name, e.g. `alias challenger` or `version 7`. */
    readonly selector?: string,
  ) {
    super(Code.NotFound, selector === undefined ? `model ${modelName} is not served` : `model ${modelName} has no ${selector} served`, {
      retryable: false,
    });
  }
}

/**
 * A queue is full, or the rows ahead would outlast the request's deadline:
 * the request was shed at once instead of waiting. Trying again later may
 * pass (RESOURCE_EXHAUSTED, HTTP 429).
 */
export class OverloadedError extends TributaryError {
  override name = 'OverloadedError';

  constructor(
    /** What is full, e.g. `flight-delay v3 batch queue`. */
    readonly queue: string,
    /** Why, e.g. `1024 rows queued, the most it holds`. */
    readonly reason: string,
  ) {
    super(Code.ResourceExhausted, `${queue}: ${reason}; request shed, try again later`, { retryable: true });
  }
}

/** The request's deadline passed before an answer was ready; nothing waited past it. */
export class DeadlineExceededError extends TributaryError {
  override name = 'DeadlineExceededError';

  constructor(
    /** Where the deadline passed, e.g. `batch queue` or `fallback chain`. */
    readonly stage: string,
    /** How long after its deadline the request was given up, in ms (≥ 0). */
    readonly lateByMs: number,
  ) {
    super(Code.DeadlineExceeded, `deadline exceeded in ${stage}`, { retryable: true });
  }
}

/** A model could not be loaded or run (bad artifact, ONNX Runtime failure, crashed worker). */
export class ModelExecutionError extends TributaryError {
  override name = 'ModelExecutionError';

  constructor(message: string, options: { readonly cause?: unknown } = {}) {
    super(Code.Internal, message, { retryable: true, ...options });
  }
}

/** The pipeline was used before `start()` or after `close()`. */
export class PipelineClosedError extends TributaryError {
  override name = 'PipelineClosedError';

  constructor(state: 'not started' | 'closed') {
    super(Code.Unavailable, `the serving pipeline is ${state}`, { retryable: true });
  }
}

/** A tier of the fallback chain cannot answer this request (no fallback model loaded, no value the rules judge); the next tier is tried. */
export class TierUnavailableError extends TributaryError {
  override name = 'TierUnavailableError';

  constructor(
    readonly tier: string,
    reason: string,
  ) {
    super(Code.Unavailable, `${tier} cannot answer: ${reason}`, { retryable: false });
  }
}

/**
 * The streaming scorer cannot score an event yet: the model has no champion
 * loaded (a new platform), or the pipeline is not running. Not the event's
 * fault: its partition holds the events and tries again until it can.
 */
export class ScoringUnavailableError extends TributaryError {
  override name = 'ScoringUnavailableError';

  constructor(
    /** The event that could not be scored. */
    readonly eventId: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(Code.Unavailable, `cannot score event ${eventId} yet: ${reason}`, { cause, retryable: true });
  }
}
