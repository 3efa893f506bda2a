import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { Code, TributaryError, isTransientCode } from '@tributary/errors';
import { RemoteCallError } from './errors.js';

/** Trailer in which a server states whether its error is worth retrying. */
export const RETRYABLE_TRAILER = 'tributary-retryable';

/**
 * The one mapping from an error to a gRPC status, at the server's edge.
 * A {@link TributaryError} keeps its code and message (the `Code` enum has
 * gRPC's numbers) and states its retryability in a trailer; anything else is
 * a bug: INTERNAL with a generic message, so no stack or detail leaks.
 */
export function toGrpcStatus(reason: unknown): StatusObject {
  const metadata = new Metadata();
  if (!(reason instanceof TributaryError)) {
    return { code: status.INTERNAL, details: 'internal error', metadata };
  }
  metadata.set(RETRYABLE_TRAILER, String(reason.retryable));
  return { code: reason.code as number as status, details: reason.message, metadata };
}

/** The inverse of {@link toGrpcStatus}, on the client: a failed call's status as an error. */
export function fromGrpcStatus(error: Partial<ServiceError>, method: string): RemoteCallError {
  const code = error.code !== undefined && error.code !== status.OK ? (error.code as number as Code) : Code.Unknown;
  const stated = error.metadata?.get(RETRYABLE_TRAILER)[0];
  const retryable = stated === undefined ? isTransientCode(code) : stated === 'true';
  return new RemoteCallError(code, error.details ?? error.message ?? 'call failed', method, { retryable, cause: error });
}
