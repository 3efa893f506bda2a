/**
 * @tributary/resilience — retry with full-jitter backoff, circuit breakers
 * (opossum) with project defaults, fallback chains that say which tier
 * answered, and bulkheads. What is retried or counted against a dependency is
 * decided by the error itself (`retryable`, caller error or not), never guessed.
 */
export { backoffDelayMs, type BackoffOptions } from './backoff.js';
export { createBreaker, type Breaker, type BreakerOptions, type BreakerState } from './breaker.js';
export { createBulkhead, type Bulkhead, type BulkheadOptions } from './bulkhead.js';
export { isCallerError } from './caller-error.js';
export {
  BreakerOpenError,
  BreakerShutdownError,
  BreakerTimeoutError,
  BulkheadFullError,
  FallbackExhaustedError,
  type TierFailure,
} from './errors.js';
export {
  createFallbackChain,
  type FallbackChain,
  type FallbackChainOptions,
  type FallbackResult,
  type FallbackTier,
} from './fallback-chain.js';
export { retry, type RetryOptions } from './retry.js';
