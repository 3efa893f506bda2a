import { setTimeout as sleep } from 'node:timers/promises';
import { isRetryable } from '@tributary/errors';
import { backoffDelayMs, type BackoffOptions } from './backoff.js';

/** Options of {@link retry}. */
export interface RetryOptions extends BackoffOptions {
  /** Retries after the first attempt. Default 3. */
  readonly retries?: number;
  /** Which failures to retry. Default {@link isRetryable}: only errors that say they are. */
  readonly shouldRetry?: (reason: unknown, attempt: number) => boolean;
  /** Called before each wait, e.g. to log or count. */
  readonly onRetry?: (reason: unknown, attempt: number, delayMs: number) => void;
  /** Stops waiting and rethrows the last failure when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * Calls `fn` until it succeeds, a failure is not worth retrying, or the retries
 * are used up; waits with full-jitter backoff between attempts. The last
 * failure is rethrown as it was.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { retries = 3, shouldRetry = isRetryable, onRetry, signal } = options;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (reason) {
      if (attempt >= retries || signal?.aborted || !shouldRetry(reason, attempt)) throw reason;
      const delayMs = backoffDelayMs(attempt, options);
      onRetry?.(reason, attempt, delayMs);
      try {
        await sleep(delayMs, undefined, signal ? { signal } : undefined);
      } catch {
        throw reason;
      }
    }
  }
}
