import { Code, TributaryError } from '@tributary/errors';

/** A training request that cannot be run as asked: bad model name, windows or parameters. Retrying it is pointless. */
export class InvalidTrainingRequestError extends TributaryError {
  override name = 'InvalidTrainingRequestError';
  /** The request field at fault, e.g. `training_window` or `params.learning_rate`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(Code.InvalidArgument, `${field}: ${message}`, { retryable: false });
    this.field = field;
  }
}

/** A split of the data (train, validation or holdout) has too few rows, or only one class, to train or judge a model on. */
export class InsufficientTrainingDataError extends TributaryError {
  override name = 'InsufficientTrainingDataError';
  /** Which split: `train`, `validation` or `holdout`. */
  readonly split: string;
  readonly rowCount: number;

  constructor(split: string, rowCount: number, message: string) {
    super(Code.FailedPrecondition, `${split} split: ${message}`, { retryable: false });
    this.split = split;
    this.rowCount = rowCount;
  }
}

/** Reading the label events (departures and their outcomes) from the store failed. */
export class LabelSourceError extends TributaryError {
  override name = 'LabelSourceError';

  constructor(message: string, cause: unknown) {
    // A store outage passes; retrying is the caller's decision, so say it may help.
    super(Code.Unavailable, `reading labels: ${message}`, { cause, retryable: true });
  }
}

/**
 * One stage of a training run failed. Keeps the stage and the underlying
 * error; retryable exactly when the cause is (a registry outage is, a parity
 * failure is not).
 */
export class TrainingStageError extends TributaryError {
  override name = 'TrainingStageError';
  readonly stage: string;

  constructor(stage: string, cause: unknown) {
    const inner = TributaryError.from(cause);
    super(inner.code, `training failed at ${stage}: ${inner.message}`, { cause, retryable: inner.retryable });
    this.stage = stage;
  }
}

/**
 * The training worker died before it answered: an exception it did not
 * catch, memory exhausted, or an exit. Not retryable: the same data would
 * most likely end the same way, so the request goes to the dead-letter
 * topic with this reason.
 */
export class TrainingWorkerCrashedError extends TributaryError {
  override name = 'TrainingWorkerCrashedError';
  /** The worker's exit code, when it exited rather than threw. */
  readonly exitCode: number | undefined;

  constructor(message: string, options: { readonly cause?: unknown; readonly exitCode?: number; readonly outOfMemory?: boolean } = {}) {
    super(options.outOfMemory ? Code.ResourceExhausted : Code.Internal, `training worker ${message}`, { cause: options.cause, retryable: false });
    this.exitCode = options.exitCode;
  }
}
