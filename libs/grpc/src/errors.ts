import { Code, TributaryError } from '@tributary/errors';

/**
 * A call to a remote service ended with a non-OK status. `code` is the status
 * code; `retryable` is what the server stated (trailer `tributary-retryable`)
 * or, when it stated nothing, what the code implies.
 */
export class RemoteCallError extends TributaryError {
  override name = 'RemoteCallError';

  constructor(
    code: Code,
    message: string,
    /** Full method path, e.g. `/tributary.v1.InferenceService/Predict`. */
    readonly method: string,
    options: { readonly retryable?: boolean; readonly cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}

/** A call arrived without a valid `authorization: Bearer …` token. */
export class UnauthenticatedError extends TributaryError {
  override name = 'UnauthenticatedError';

  constructor(
    /** Full method path of the refused call. */
    readonly method: string,
    /** Why it was refused: no token, or a token that did not verify. */
    readonly reason: 'missing-token' | 'invalid-token',
  ) {
    super(Code.Unauthenticated, reason === 'missing-token' ? 'missing bearer token' : 'invalid bearer token');
  }
}

/** The server could not listen on its address (port in use, bad TLS material…). */
export class ServerStartError extends TributaryError {
  override name = 'ServerStartError';

  constructor(
    /** The address it tried to bind, e.g. `0.0.0.0:50051`. */
    readonly address: string,
    cause: unknown,
  ) {
    super(Code.Unavailable, `gRPC server could not listen on ${address}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      retryable: false,
    });
  }
}

/** The server is shutting down and aborted a call that did not finish in time. */
export class ServerShutdownError extends TributaryError {
  override name = 'ServerShutdownError';

  constructor() {
    super(Code.Unavailable, 'server is shutting down');
  }
}
