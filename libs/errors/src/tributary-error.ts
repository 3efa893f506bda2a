import { Code, isTransientCode } from './code.js';

/** Options of the {@link TributaryError} constructor. */
export interface TributaryErrorOptions {
  /** What went wrong underneath; kept for logs and `from()`. */
  readonly cause?: unknown;
  /** Whether trying again may succeed; defaults to what the code says ({@link isTransientCode}). */
  readonly retryable?: boolean;
}

/**
 * The one error type of Tributary. Libraries subclass it, one class per
 * condition with its context in readonly fields; the gRPC edge maps `code` to
 * a status; `libs/resilience` retries only when `retryable` is true.
 */
export class TributaryError extends Error {
  override name = 'TributaryError';
  readonly code: Code;
  readonly retryable: boolean;

  constructor(code: Code, message: string, options: TributaryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? isTransientCode(code);
  }

  /**
   * Turns anything thrown into a TributaryError: itself if it already is one,
   * otherwise an `Unknown`, non-retryable error that keeps the original as cause.
   */
  static from(reason: unknown, fallbackCode: Code = Code.Unknown): TributaryError {
    if (reason instanceof TributaryError) return reason;
    if (reason instanceof Error) return new TributaryError(fallbackCode, reason.message, { cause: reason });
    return new TributaryError(fallbackCode, String(reason), { cause: reason });
  }
}

/**
 * Whether a failure is worth retrying: a TributaryError says so itself; any
 * other error is treated as not retryable, because guessing hides bugs.
 */
export function isRetryable(reason: unknown): boolean {
  return reason instanceof TributaryError && reason.retryable;
}
