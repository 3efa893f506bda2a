import { Code, TributaryError } from '@tributary/errors';

/** The training or prediction input is malformed: ragged columns, bad labels, bad category codes. */
export class InvalidDatasetError extends TributaryError {
  override name = 'InvalidDatasetError';
  /** The feature the problem was found in, when it is about one feature. */
  readonly featureName: string | undefined;

  constructor(message: string, featureName?: string) {
    super(Code.InvalidArgument, message, { retryable: false });
    this.featureName = featureName;
  }
}

/** Options of a trainer, metric or exporter are missing, out of range or contradict each other. */
export class InvalidOptionsError extends TributaryError {
  override name = 'InvalidOptionsError';
  /** The offending option. */
  readonly option: string;

  constructor(option: string, message: string) {
    super(Code.InvalidArgument, `${option}: ${message}`, { retryable: false });
    this.option = option;
  }
}

/** The features given to a model are not the ones it was trained on. */
export class FeatureMismatchError extends TributaryError {
  override name = 'FeatureMismatchError';
  readonly expected: readonly string[];
  readonly actual: readonly string[];

  constructor(expected: readonly string[], actual: readonly string[]) {
    super(Code.InvalidArgument, `model expects features [${expected.join(', ')}], got [${actual.join(', ')}]`, {
      retryable: false,
    });
    this.expected = expected;
    this.actual = actual;
  }
}

/** A serialised model cannot be read: unknown kind, wrong format version or missing fields. */
export class ModelFormatError extends TributaryError {
  override name = 'ModelFormatError';

  constructor(message: string, cause?: unknown) {
    super(Code.DataLoss, message, { retryable: false, cause });
  }
}

/** The operation does not exist for this model, e.g. probabilities from a regression model. */
export class UnsupportedModelOperationError extends TributaryError {
  override name = 'UnsupportedModelOperationError';

  constructor(message: string) {
    super(Code.FailedPrecondition, message, { retryable: false });
  }
}

/** ONNX Runtime refused to load or run a model. */
export class OnnxRuntimeError extends TributaryError {
  override name = 'OnnxRuntimeError';

  constructor(message: string, cause: unknown) {
    super(Code.Internal, message, { retryable: false, cause });
  }
}

/** The exported ONNX model does not reproduce the TypeScript model's probabilities. */
export class OnnxParityError extends TributaryError {
  override name = 'OnnxParityError';
  /** Largest absolute difference between the two models' probabilities. */
  readonly maxAbsDiff: number;
  /** The tolerance it was held against. */
  readonly tolerance: number;

  constructor(maxAbsDiff: number, tolerance: number) {
    super(Code.FailedPrecondition, `ONNX model differs from the TypeScript model by ${maxAbsDiff} (tolerance ${tolerance})`, {
      retryable: false,
    });
    this.maxAbsDiff = maxAbsDiff;
    this.tolerance = tolerance;
  }
}

/** A training helper thread stopped answering; the run cannot finish. */
export class TrainingWorkerError extends TributaryError {
  override name = 'TrainingWorkerError';

  constructor(message: string) {
    super(Code.Internal, message, { retryable: true });
  }
}

/** A model cannot be explained: it lacks what the explanation needs (tree covers, the training row count), e.g. one trained before they were kept. */
export class ExplanationUnavailableError extends TributaryError {
  override name = 'ExplanationUnavailableError';

  constructor(message: string) {
    super(Code.FailedPrecondition, message, { retryable: false });
  }
}
