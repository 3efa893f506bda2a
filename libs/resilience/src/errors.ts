import { Code, TributaryError } from '@tributary/errors';

/** A call was refused without trying because the breaker is open: the dependency failed too often lately. */
export class BreakerOpenError extends TributaryError {
  override name = 'BreakerOpenError';

  constructor(
    /** The breaker's name, e.g. `redis-features`. */
    readonly breaker: string,
  ) {
    super(Code.Unavailable, `circuit breaker ${breaker} is open; failing fast`, { retryable: true });
  }
}

/** A call through a breaker took longer than the breaker's timeout (its result is ignored). */
export class BreakerTimeoutError extends TributaryError {
  override name = 'BreakerTimeoutError';

  constructor(
    /** The breaker's name. */
    readonly breaker: string,
    /** The timeout that passed, in ms. */
    readonly timeoutMs: number,
  ) {
    super(Code.DeadlineExceeded, `call through circuit breaker ${breaker} timed out after ${timeoutMs} ms`, { retryable: true });
  }
}

/** A call was made through a breaker that was shut down. */
export class BreakerShutdownError extends TributaryError {
  override name = 'BreakerShutdownError';

  constructor(
    /** The breaker's name. */
    readonly breaker: string,
  ) {
    super(Code.Unavailable, `circuit breaker ${breaker} is shut down`, { retryable: false });
  }
}

/** What one tier of a fallback chain failed with. */
export interface TierFailure {
  readonly tier: string;
  readonly error: unknown;
}

/** Every tier of a fallback chain failed. Retryable when the last tier's failure is. */
export class FallbackExhaustedError extends TributaryError {
  override name = 'FallbackExhaustedError';

  constructor(
    /** The chain's name. */
    readonly chain: string,
    /** Each tier's failure, in the order tried. */
    readonly failures: readonly TierFailure[],
  ) {
    const last = failures.at(-1)?.error;
    const summary = failures.map(({ tier, error }) => `${tier}: ${error instanceof Error ? error.message : String(error)}`).join('; ');
    super(Code.Unavailable, `every tier of ${chain} failed (${summary})`, {
      cause: last,
      retryable: last instanceof TributaryError ? last.retryable : false,
    });
  }
}

/** A bulkhead refused work: its concurrency and queue are full, or the work waited too long in the queue. */
export class BulkheadFullError extends TributaryError {
  override name = 'BulkheadFullError';

  constructor(
    /** The bulkhead's name. */
    readonly bulkhead: string,
    /** Whether the queue was full on arrival or the wait for a slot ran out. */
    readonly reason: 'queue-full' | 'queue-timeout',
  ) {
    super(
      Code.ResourceExhausted,
      reason === 'queue-full' ? `bulkhead ${bulkhead} is full` : `bulkhead ${bulkhead}: no slot freed in time`,
      { retryable: true },
    );
  }
}
