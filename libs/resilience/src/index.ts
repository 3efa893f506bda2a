/**
 * @tributary/resilience — retry with full-jitter backoff; circuit breakers and
 * fallback chains build on it. What is retried is decided by the error itself
 * (`retryable`), never guessed.
 */
export { backoffDelayMs, type BackoffOptions } from './backoff.js';
export { retry, type RetryOptions } from './retry.js';
