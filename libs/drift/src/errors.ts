import { Code, TributaryError } from '@tributary/errors';

/**
 * The current window does not carry a feature the reference profile has, or
 * carries it as the other kind (numeric versus categorical).
 */
export class FeatureMismatchError extends TributaryError {
  override name = 'FeatureMismatchError';
  /** The feature that does not match. */
  readonly featureName: string;

  constructor(featureName: string, message: string) {
    super(Code.InvalidArgument, `feature ${featureName}: ${message}`, { retryable: false });
    this.featureName = featureName;
  }
}

/** Feature columns are malformed: no name, duplicate names, or columns of different lengths. */
export class InvalidColumnsError extends TributaryError {
  override name = 'InvalidColumnsError';
  /** The column the problem was found in, when it is about one column. */
  readonly featureName: string | undefined;

  constructor(message: string, featureName?: string) {
    super(Code.InvalidArgument, message, { retryable: false });
    this.featureName = featureName;
  }
}

/** A reference profile cannot be compared with: e.g. bin counts that do not fit its bin edges. */
export class InvalidProfileError extends TributaryError {
  override name = 'InvalidProfileError';
  /** The feature whose profile is malformed. */
  readonly featureName: string;

  constructor(featureName: string, message: string) {
    super(Code.InvalidArgument, `profile of ${featureName}: ${message}`, { retryable: false });
    this.featureName = featureName;
  }
}

/** The input of a statistic is unusable: an empty sample, or distributions of different lengths. */
export class InvalidDistributionError extends TributaryError {
  override name = 'InvalidDistributionError';

  constructor(message: string) {
    super(Code.InvalidArgument, message, { retryable: false });
  }
}

/** An option is out of range or does not apply, e.g. a KS rule for categorical features. */
export class InvalidOptionsError extends TributaryError {
  override name = 'InvalidOptionsError';
  /** The offending option. */
  readonly option: string;

  constructor(option: string, message: string) {
    super(Code.InvalidArgument, `${option}: ${message}`, { retryable: false });
    this.option = option;
  }
}

/** The drift monitor's ClickHouse tables could not be read or written (server down, timeout); retrying may succeed. */
export class DriftStoreError extends TributaryError {
  override name = 'DriftStoreError';
  /** What was being done, e.g. "insert predictions". */
  readonly operation: string;

  constructor(operation: string, cause: unknown) {
    super(Code.Unavailable, `drift store: ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { retryable: true, cause });
    this.operation = operation;
  }
}
