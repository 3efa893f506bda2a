import { Code, TributaryError } from '@tributary/errors';

/** HTTP status of each error code the REST face answers with; anything else is 500. */
const HTTP_STATUS: ReadonlyMap<Code, number> = new Map([
  [Code.InvalidArgument, 400],
  [Code.OutOfRange, 400],
  [Code.FailedPrecondition, 400],
  [Code.Unauthenticated, 401],
  [Code.PermissionDenied, 403],
  [Code.NotFound, 404],
  [Code.AlreadyExists, 409],
  [Code.ResourceExhausted, 429],
  [Code.Cancelled, 499],
  [Code.Unimplemented, 501],
  [Code.Unavailable, 503],
  [Code.DeadlineExceeded, 504],
]);

/** An error as a REST response: a status and KServe's `{error: "…"}` body. */
export interface HttpError {
  readonly status: number;
  readonly body: { readonly error: string };
  /** Whether the client may retry (the error said so); sent as `Retry-After`-worthy 429/503/504. */
  readonly retryable: boolean;
}

/**
 * The one mapping from an error to a REST response, the twin of gRPC's
 * `toGrpcStatus`: a TributaryError keeps its message under the status of its
 * code (400 bad input, 404 unknown model, 429 shed, 504 past deadline…);
 * anything else is a bug, 500 with a generic message so nothing leaks.
 */
export function toHttpError(reason: unknown): HttpError {
  if (!(reason instanceof TributaryError)) return { status: 500, body: { error: 'internal error' }, retryable: false };
  return { status: HTTP_STATUS.get(reason.code) ?? 500, body: { error: reason.message }, retryable: reason.retryable };
}
