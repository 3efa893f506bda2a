import { X509Certificate } from 'node:crypto';
import type { AccessPolicy } from './access-policy.js';
import { peerIdentityOf, type IdentifiedCall } from './connection-identity.js';
import { PermissionDeniedError, UnauthenticatedError } from './errors.js';
import { identityOfCertificate, type PeerIdentity } from './peer-identity.js';
import { readPem, type PemSource } from './tls.js';

/** Per-call authorization by the caller's certificate identity (needs mutual TLS). */
export interface ServerAccessOptions {
  /** Who may call what; e.g. `createAccessPolicy(platformAccessRules())`. */
  readonly policy: AccessPolicy;
  /** Trust domain and namespace every caller must belong to. Default: those of the server's own certificate. */
  readonly scope?: Pick<PeerIdentity, 'trustDomain' | 'namespace'>;
  /** Also append each refusal as a JSON line to this file. Default: the log stream only. */
  readonly auditLogFile?: string;
}

/** What the server checks every call against. */
export interface AccessScope {
  readonly policy: AccessPolicy;
  readonly trustDomain: string;
  readonly namespace: string;
}

/** The SPIFFE identity in a PEM certificate's SAN; undefined when it has none. */
export function identityOfPem(source: PemSource): PeerIdentity | undefined {
  return identityOfCertificate({ subjectaltname: new X509Certificate(readPem(source)).subjectAltName ?? '' });
}

/**
 * Who is calling, and may they? Reads the identity from the verified peer
 * certificate (the TLS layer has already checked it chains to the CA; read
 * once per TLS 1.3 connection, see {@link peerIdentityOf}),
 * requires it to be of the server's trust domain and namespace, and asks the
 * policy. Throws {@link UnauthenticatedError} or {@link PermissionDeniedError}.
 */
export function authorizeCall(
  scope: AccessScope,
  method: string,
  call: IdentifiedCall,
  request: unknown,
): PeerIdentity {
  const identity = peerIdentityOf(call);
  if (!identity) throw new UnauthenticatedError(method, 'no-peer-identity');
  if (identity.trustDomain !== scope.trustDomain || identity.namespace !== scope.namespace) {
    throw new UnauthenticatedError(method, 'foreign-identity', identity.spiffeId);
  }
  const decision = scope.policy.decide(identity, method, request);
  if (!decision.allowed) throw new PermissionDeniedError(method, identity.spiffeId, decision.reason);
  return identity;
}
