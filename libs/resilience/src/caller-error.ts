import { Code, TributaryError } from '@tributary/errors';

/** Codes that say the request was wrong, not that the dependency is unwell. */
const callerCodes: ReadonlySet<Code> = new Set([
  Code.Cancelled,
  Code.InvalidArgument,
  Code.NotFound,
  Code.AlreadyExists,
  Code.PermissionDenied,
  Code.FailedPrecondition,
  Code.OutOfRange,
  Code.Unauthenticated,
]);

/**
 * Whether a failure lies with the caller (bad input, missing entity, no
 * permission) rather than with the dependency. Such failures must not open a
 * breaker nor send a request down a fallback chain: the dependency answered.
 */
export function isCallerError(reason: unknown): boolean {
  return reason instanceof TributaryError && callerCodes.has(reason.code);
}
