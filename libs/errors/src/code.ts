/**
 * Error codes, the same set and numbers as gRPC status codes, so an error maps
 * to a gRPC status without a table of guesses.
 */
export enum Code {
  Cancelled = 1,
  Unknown = 2,
  InvalidArgument = 3,
  DeadlineExceeded = 4,
  NotFound = 5,
  AlreadyExists = 6,
  PermissionDenied = 7,
  ResourceExhausted = 8,
  FailedPrecondition = 9,
  Aborted = 10,
  OutOfRange = 11,
  Unimplemented = 12,
  Internal = 13,
  Unavailable = 14,
  DataLoss = 15,
  Unauthenticated = 16,
}

/** Codes whose failure may pass if the same call is tried again later. */
const transientCodes: ReadonlySet<Code> = new Set([
  Code.Unavailable,
  Code.DeadlineExceeded,
  Code.ResourceExhausted,
  Code.Aborted,
]);

/** Whether a failure with this code is, by default, worth retrying. */
export function isTransientCode(code: Code): boolean {
  return transientCodes.has(code);
}
