import { Code, TributaryError } from '@tributary/errors';
import type { RejectionReason } from './aggregation-engine.js';

/** A feature set declaration is inconsistent: bad name, window, key or duplicate. Fix the code. */
export class InvalidFeatureDefinitionError extends TributaryError {
  override name = 'InvalidFeatureDefinitionError';

  constructor(
    message: string,
    /** The feature (or entity type) the problem is about, when there is one. */
    readonly featureName?: string,
  ) {
    super(Code.InvalidArgument, message, { retryable: false });
  }
}

/** A caller asked for an entity type or feature the feature set does not declare. */
export class UnknownFeatureError extends TributaryError {
  override name = 'UnknownFeatureError';

  constructor(
    /** What was asked for: an entity type or `<entity type>.<feature>`. */
    readonly requested: string,
  ) {
    super(Code.InvalidArgument, `unknown entity type or feature: ${requested}`, { retryable: false });
  }
}

/** An online feature read did not answer before its deadline. */
export class FeatureReadTimeoutError extends TributaryError {
  override name = 'FeatureReadTimeoutError';

  constructor(
    readonly timeoutMs: number,
    readonly entityCount: number,
  ) {
    super(Code.DeadlineExceeded, `online feature read of ${entityCount} entities exceeded ${timeoutMs} ms`, { retryable: true });
  }
}

/** The online store (Redis) failed to read or write. Worth retrying: Redis may be back. */
export class OnlineStoreError extends TributaryError {
  override name = 'OnlineStoreError';

  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(Code.Unavailable, `online store ${operation} failed: ${messageOf(cause)}`, { cause, retryable: true });
  }
}

/** The offline store (ClickHouse) failed a DDL, insert or query. Worth retrying: the server may be back. */
export class OfflineStoreError extends TributaryError {
  override name = 'OfflineStoreError';

  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(Code.Unavailable, `offline store ${operation} failed: ${messageOf(cause)}`, { cause, retryable: true });
  }
}

/** A training set request is malformed: mismatched column lengths, unknown roles, bad times. */
export class InvalidTrainingSetRequestError extends TributaryError {
  override name = 'InvalidTrainingSetRequestError';

  constructor(message: string) {
    super(Code.InvalidArgument, message, { retryable: false });
  }
}

/**
 * The saved aggregation state belongs to another feature set version, so it
 * cannot be continued; rebuild it with a backfill or use another state prefix.
 */
export class StateVersionMismatchError extends TributaryError {
  override name = 'StateVersionMismatchError';

  constructor(
    readonly savedVersion: string,
    readonly currentVersion: string,
  ) {
    super(
      Code.FailedPrecondition,
      `aggregation state was written by feature set version ${savedVersion}, this is ${currentVersion}; backfill or use a new prefix`,
      { retryable: false },
    );
  }
}

/**
 * Another processor took over the aggregation state (a newer epoch): this one
 * must not write, or both would count the same events. Retryable: the next
 * call waits for its turn and reloads the state, skipping what is in it.
 */
export class StateOwnershipLostError extends TributaryError {
  override name = 'StateOwnershipLostError';

  constructor(
    readonly epoch: number,
    readonly currentEpoch: number | undefined,
  ) {
    super(
      Code.Aborted,
      `aggregation state is owned by epoch ${currentEpoch ?? 'unknown'}, not ${epoch}: another processor took over`,
      { retryable: true },
    );
  }
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** The aggregation engine refused an event: too late for its window (`OutOfRange`) or missing what a feature needs (`InvalidArgument`). */
export class FeatureEventRejectedError extends TributaryError {
  override name = 'FeatureEventRejectedError';

  constructor(
    readonly reason: RejectionReason,
    detail: string,
  ) {
    super(reason === 'too_late' ? Code.OutOfRange : Code.InvalidArgument, detail, { retryable: false });
  }
}
