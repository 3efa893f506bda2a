/**
 * @tributary/errors — the one error type: a gRPC-shaped {@link Code}, a
 * `retryable` flag stated by whoever throws, and the cause kept.
 */
export { Code, isTransientCode } from './code.js';
export { TributaryError, isRetryable, type TributaryErrorOptions } from './tributary-error.js';
