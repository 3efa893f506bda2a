import { Code, TributaryError } from '@tributary/errors';

/** No version of this model has ever been registered. */
export class ModelNotFoundError extends TributaryError {
  override name = 'ModelNotFoundError';
  constructor(readonly modelName: string) {
    super(Code.NotFound, `model "${modelName}" is not registered`);
  }
}

/** The model exists but has no such version. */
export class ModelVersionNotFoundError extends TributaryError {
  override name = 'ModelVersionNotFoundError';
  constructor(
    readonly modelName: string,
    readonly version: number,
  ) {
    super(Code.NotFound, `model "${modelName}" has no version ${version}`);
  }
}

/** The alias does not point at any version of the model yet. */
export class AliasNotSetError extends TributaryError {
  override name = 'AliasNotSetError';
  constructor(
    readonly modelName: string,
    readonly alias: string,
  ) {
    super(Code.NotFound, `alias "${alias}" of model "${modelName}" is not set`);
  }
}

/** No artifact with this digest is in the store. */
export class ArtifactNotFoundError extends TributaryError {
  override name = 'ArtifactNotFoundError';
  constructor(readonly sha256: string) {
    super(Code.NotFound, `no artifact with sha256 ${sha256}`);
  }
}

/** The same artifact is already registered as a version of this model. */
export class ModelVersionAlreadyExistsError extends TributaryError {
  override name = 'ModelVersionAlreadyExistsError';
  constructor(
    readonly modelName: string,
    readonly sha256: string,
    readonly existingVersion: number,
  ) {
    super(Code.AlreadyExists, `artifact ${sha256} is already version ${existingVersion} of model "${modelName}"`);
  }
}

/** The version carries an approval already; approvals are recorded once. */
export class VersionAlreadyApprovedError extends TributaryError {
  override name = 'VersionAlreadyApprovedError';
  constructor(
    readonly modelName: string,
    readonly version: number,
  ) {
    super(Code.AlreadyExists, `version ${version} of model "${modelName}" is already approved`);
  }
}

/** The model requires an approval before `champion` may point at a version, and this one has none. */
export class ApprovalRequiredError extends TributaryError {
  override name = 'ApprovalRequiredError';
  constructor(
    readonly modelName: string,
    readonly version: number,
    readonly alias: string,
  ) {
    super(Code.FailedPrecondition, `version ${version} of model "${modelName}" must be approved before "${alias}" moves to it`);
  }
}

/** A rollback was asked for, but the alias has no earlier version to go back to. */
export class NothingToRollBackError extends TributaryError {
  override name = 'NothingToRollBackError';
  constructor(
    readonly modelName: string,
    readonly alias: string,
  ) {
    super(Code.FailedPrecondition, `alias "${alias}" of model "${modelName}" has no earlier version to roll back to`);
  }
}

/**
 * The compare-and-set of an alias lost: it no longer points where the caller
 * expected. Not retryable as it is — the caller must read the alias again and
 * decide whether its move still makes sense.
 */
export class AliasConflictError extends TributaryError {
  override name = 'AliasConflictError';
  constructor(
    readonly modelName: string,
    readonly alias: string,
    /** What the caller expected; `null` for "not set". */
    readonly expectedVersion: number | null,
    /** What the alias points at now; `null` for "not set". */
    readonly actualVersion: number | null,
  ) {
    super(
      Code.Aborted,
      `alias "${alias}" of model "${modelName}" points at ${describeVersion(actualVersion)}, not ${describeVersion(expectedVersion)}`,
      { retryable: false },
    );
  }
}

/** A request field is malformed: a bad name, a missing digest, a non-finite metric. */
export class InvalidRegistryArgumentError extends TributaryError {
  override name = 'InvalidRegistryArgumentError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(Code.InvalidArgument, `${field}: ${problem}`);
  }
}

/** The uploaded bytes do not hash to the sha256 the uploader declared; nothing was kept. */
export class ArtifactDigestMismatchError extends TributaryError {
  override name = 'ArtifactDigestMismatchError';
  constructor(
    readonly expectedSha256: string,
    readonly actualSha256: string,
  ) {
    super(Code.InvalidArgument, `artifact hashes to sha256 ${actualSha256}, but ${expectedSha256} was declared`);
  }
}

/** The upload's size differs from the size the uploader declared; nothing was kept. */
export class ArtifactSizeMismatchError extends TributaryError {
  override name = 'ArtifactSizeMismatchError';
  constructor(
    readonly expectedSizeBytes: number,
    readonly actualSizeBytes: number,
  ) {
    super(Code.InvalidArgument, `artifact has ${actualSizeBytes} bytes, but ${expectedSizeBytes} were declared`);
  }
}

/** The upload grew past the store's size limit; nothing was kept. */
export class ArtifactTooLargeError extends TributaryError {
  override name = 'ArtifactTooLargeError';
  constructor(readonly maxSizeBytes: number) {
    super(Code.ResourceExhausted, `artifact is larger than the limit of ${maxSizeBytes} bytes`, { retryable: false });
  }
}

function describeVersion(version: number | null): string {
  return version === null ? 'no version' : `version ${version}`;
}
