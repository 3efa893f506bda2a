import { Code, TributaryError } from '@tributary/errors';

/** The window asked for lacks a bound, or is empty or reversed: its start must come before its end. */
export class InvalidScoringWindowError extends TributaryError {
  override name = 'InvalidScoringWindowError';

  constructor(
    readonly fromMs: number | undefined,
    readonly toMs: number | undefined,
  ) {
    super(
      Code.InvalidArgument,
      fromMs === undefined || toMs === undefined
        ? 'a window needs both --from and --to (only a --parquet file may be scored whole)'
        : `the window must start before it ends: --from ${iso(fromMs)} is not before --to ${iso(toMs)}`,
      { retryable: false },
    );
  }
}

/** `--model` names no model, alias or version the registry knows, or a model that is not an ONNX file. */
export class ModelVersionNotFoundError extends TributaryError {
  override name = 'ModelVersionNotFoundError';

  constructor(
    /** What was asked for, e.g. `flight-delay@7` or `flight-delay@champion`. */
    readonly model: string,
    readonly reason: string,
  ) {
    super(Code.NotFound, `${model}: ${reason}`, { retryable: false });
  }
}

/** The model reads other features, or another order, than the flight features batch scoring builds. */
export class ModelFeatureMismatchError extends TributaryError {
  override name = 'ModelFeatureMismatchError';

  constructor(
    readonly model: string,
    readonly detail: string,
  ) {
    super(Code.FailedPrecondition, `${model} cannot score flights: ${detail}`, { retryable: false });
  }
}

/** The source holds no departure in the window: nothing to score, and no job is recorded. */
export class EmptyScoringWindowError extends TributaryError {
  override name = 'EmptyScoringWindowError';

  constructor(
    /** What was read, e.g. `tributary.events_raw [2001-06-01, 2001-07-01)`. */
    readonly source: string,
  ) {
    super(Code.FailedPrecondition, `no departed flights in ${source}: nothing to score`, { retryable: false });
  }
}

/** A Parquet file of flights that cannot be read: not Parquet, truncated, or missing a column batch scoring needs. */
export class InvalidFlightsFileError extends TributaryError {
  override name = 'InvalidFlightsFileError';

  constructor(
    readonly path: string,
    readonly reason: string,
    cause?: unknown,
  ) {
    super(Code.InvalidArgument, `${path}: ${reason}`, { cause, retryable: false });
  }
}

/** `--job` names a job recorded for another model version or source: resuming it would mix two jobs' rows. */
export class ScoringJobMismatchError extends TributaryError {
  override name = 'ScoringJobMismatchError';

  constructor(
    readonly jobId: string,
    readonly detail: string,
  ) {
    super(Code.FailedPrecondition, `job ${jobId} ${detail}; choose another --job or none`, { retryable: false });
  }
}

/** A read or write of the scoring tables failed; the job is resumable where it stopped. */
export class ScoringStoreError extends TributaryError {
  override name = 'ScoringStoreError';

  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(Code.Unavailable, `${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause, retryable: true });
  }
}

/** What a principal needs for batch scoring, said when ClickHouse refuses one. */
const OPERATOR_GRANTS =
  'SELECT on events_raw and features_*; SELECT, INSERT and ALTER DELETE on batch_score_rows and batch_score_jobs; SELECT on batch_scores; ' +
  'CREATE TEMPORARY TABLE and TABLE ENGINE ON Memory for the point-in-time read; CREATE on the scoring tables too where deploy/clickhouse did not make them';

/** ClickHouse refused the user batch scoring runs as: it lacks the operator's grants on the data read or the scoring tables. */
export class ScoringAccessDeniedError extends TributaryError {
  override name = 'ScoringAccessDeniedError';

  constructor(
    /** The ClickHouse user refused. */
    readonly user: string,
    /** ClickHouse's own words, e.g. which grant the query needed. */
    readonly detail: string,
    cause?: unknown,
  ) {
    super(Code.PermissionDenied, `ClickHouse refused user ${user}: ${detail}\n  batch scoring takes the operator's grants: ${OPERATOR_GRANTS}`, { cause, retryable: false });
  }

  /** The access refusal (ClickHouse's ACCESS_DENIED, code 497) in `error` or its causes, as this error for `user`; undefined if there is none. */
  static find(error: unknown, user: string): ScoringAccessDeniedError | undefined {
    for (let current: unknown = error; current instanceof Error; current = current.cause) {
      const { code, type } = current as { code?: unknown; type?: unknown };
      if (type === 'ACCESS_DENIED' || code === '497') return new ScoringAccessDeniedError(user, current.message, error);
    }
    return undefined;
  }
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace(':00.000Z', '') : String(ms);
}
