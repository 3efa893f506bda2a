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

/** Why a call was not authenticated. */
export type UnauthenticatedReason = 'missing-token' | 'invalid-token' | 'no-peer-identity' | 'foreign-identity';

const unauthenticatedMessages: Record<UnauthenticatedReason, string> = {
  'missing-token': 'missing bearer token',
  'invalid-token': 'invalid bearer token',
  'no-peer-identity': 'the client certificate carries no SPIFFE identity of the platform',
  'foreign-identity': 'the client identity belongs to another trust domain or namespace',
};

/**
 * A call arrived without a valid `authorization: Bearer …` token, or (with
 * mutual TLS) without a certificate naming an identity of this platform.
 * Not retryable: the same credentials fail the same way.
 */
export class UnauthenticatedError extends TributaryError {
  override name = 'UnauthenticatedError';

  constructor(
    /** Full method path of the refused call. */
    readonly method: string,
    /** Why it was refused. */
    readonly reason: UnauthenticatedReason,
    /** The identity the peer presented, when it presented one. */
    readonly peer?: string,
  ) {
    super(Code.Unauthenticated, peer === undefined ? unauthenticatedMessages[reason] : `${unauthenticatedMessages[reason]}: ${peer}`, { retryable: false });
  }
}

/** An authenticated identity called a method the access policy does not allow it. Not retryable. */
export class PermissionDeniedError extends TributaryError {
  override name = 'PermissionDeniedError';

  constructor(
    /** Full method path of the refused call. */
    readonly method: string,
    /** The caller's SPIFFE id. */
    readonly peer: string,
    /** The policy's reason, e.g. `inference may not call …; allowed: trainer`. */
    readonly reason: string,
  ) {
    super(Code.PermissionDenied, `permission denied: ${reason}`, { retryable: false });
  }
}

/** The server could not listen on its address (port in use, bad TLS material…). */
export class ServerStartError extends TributaryError {
  override name = 'ServerStartError';

  constructor(
    /** The address it tried to bind, e.g. `0.0.0.0:15051`. */
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

/** A server was asked to authorize calls by identity without what that needs (mutual TLS, its own SPIFFE id). */
export class MissingServerIdentityError extends TributaryError {
  override name = 'MissingServerIdentityError';

  constructor(
    /** What is missing. */
    readonly detail: string,
  ) {
    super(Code.FailedPrecondition, `cannot authorize calls: ${detail}`, { retryable: false });
  }
}

/** openssl failed to make a CA, key or certificate. */
export class CertificateIssueError extends TributaryError {
  override name = 'CertificateIssueError';

  constructor(
    /** The command that failed, e.g. `openssl x509`. */
    readonly command: string,
    cause: unknown,
  ) {
    const detail = (cause as { stderr?: unknown }).stderr;
    super(Code.FailedPrecondition, `${command} failed: ${typeof detail === 'string' && detail.trim() ? detail.trim() : String(cause)}`, { cause, retryable: false });
  }
}
