import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { UnauthenticatedError } from './errors.js';

/** Decides whether a bearer token may call a method. May be async (e.g. to check a signed token). */
export type TokenVerifier = (token: string, method: string) => boolean | Promise<boolean>;

/** Options of the server's authentication hook. */
export interface ServerAuthOptions {
  /** Checks the token of `authorization: Bearer <token>`; e.g. {@link createStaticTokenVerifier}. */
  readonly verifyToken: TokenVerifier;
  /**
   * Services or full method paths callable without a token, e.g.
   * `"inference.GRPCInferenceService"` or `"/inference.GRPCInferenceService/ServerLive"`.
   * `grpc.health.v1.Health` is always exempt so probes need no secret. Default: none.
   */
  readonly exempt?: readonly string[];
}

const BEARER_PREFIX = /^bearer\s+/i;
const HEALTH_SERVICE = 'grpc.health.v1.Health';

/** A verifier that accepts exactly the given tokens, compared in constant time. */
export function createStaticTokenVerifier(tokens: readonly string[]): TokenVerifier {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const accepted = tokens.map(digest);
  return (token) => {
    const candidate = digest(token);
    return accepted.some((expected) => timingSafeEqual(expected, candidate));
  };
}

/** Whether `path` is a grpc.health.v1 method, which probes call without credentials. */
export function isHealthMethod(path: string): boolean {
  return path.slice(1, path.lastIndexOf('/')) === HEALTH_SERVICE;
}

/** Whether calls of `path` (`/<service>/<method>`) skip authentication. */
export function isExempt(options: ServerAuthOptions, path: string): boolean {
  const service = path.slice(1, path.lastIndexOf('/'));
  return isHealthMethod(path) || (options.exempt ?? []).some((entry) => entry === service || entry === path);
}

/**
 * Checks the bearer token of a call; throws {@link UnauthenticatedError}
 * when it is missing or does not verify.
 */
export async function authenticate(options: ServerAuthOptions, path: string, metadata: Metadata): Promise<void> {
  const header = metadata.get('authorization')[0];
  if (typeof header !== 'string' || !BEARER_PREFIX.test(header)) throw new UnauthenticatedError(path, 'missing-token');
  if (!(await options.verifyToken(header.replace(BEARER_PREFIX, ''), path))) {
    throw new UnauthenticatedError(path, 'invalid-token');
  }
}
