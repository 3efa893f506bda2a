import { Code, TributaryError } from '@tributary/errors';

/** The service does not take traffic: it has not finished starting, or it is shutting down. */
export class NotReadyError extends TributaryError {
  override name = 'NotReadyError';

  constructor(
    /** Where the service is in its life. */
    readonly phase: 'starting' | 'shutting-down',
  ) {
    super(Code.Unavailable, phase === 'starting' ? 'service is starting' : 'service is shutting down');
  }
}

/** A readiness check or a resource's close did not finish within its time budget. */
export class TimeBudgetExceededError extends TributaryError {
  override name = 'TimeBudgetExceededError';

  constructor(
    /** What ran out of time, e.g. the check or resource name. */
    readonly subject: string,
    /** The budget it had, in ms. */
    readonly budgetMs: number,
  ) {
    super(Code.DeadlineExceeded, `${subject} did not finish within ${budgetMs} ms`);
  }
}

/** The ops HTTP server could not listen (port in use, address not local…). */
export class OpsServerStartError extends TributaryError {
  override name = 'OpsServerStartError';

  constructor(
    /** The `host:port` it tried to bind. */
    readonly address: string,
    cause: unknown,
  ) {
    super(Code.Unavailable, `ops server could not listen on ${address}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      retryable: false,
    });
  }
}

/** The version of a service's package could not be read: a broken build or install, not something to retry. */
export class PackageVersionError extends TributaryError {
  override name = 'PackageVersionError';

  constructor(
    /** The module whose package was looked for. */
    readonly moduleUrl: string,
    /** What is wrong, e.g. no package.json above the module. */
    readonly problem: string,
    cause?: unknown,
  ) {
    super(Code.FailedPrecondition, `cannot read the package version of ${moduleUrl}: ${problem}`, { cause, retryable: false });
  }
}
