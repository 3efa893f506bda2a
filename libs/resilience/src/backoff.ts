/** Options of {@link backoffDelayMs}. */
export interface BackoffOptions {
  /** Delay scale of the first retry, in ms. Default 100. */
  readonly baseDelayMs?: number;
  /** Upper bound of any single delay, in ms. Default 10 000. */
  readonly maxDelayMs?: number;
  /** Source of randomness in [0, 1); tests pass a fixed one. Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * "Full jitter" exponential backoff: a uniform delay in [0, min(max, base·2^attempt)].
 * Spreading retries uniformly keeps many clients that failed together from
 * retrying together. `attempt` counts from 0 for the first retry.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions = {}): number {
  const { baseDelayMs = 100, maxDelayMs = 10_000, random = Math.random } = options;
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}
