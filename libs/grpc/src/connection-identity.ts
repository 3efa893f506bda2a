import type { Http2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { ServerUnaryCall } from '@grpc/grpc-js';
import { identityOfCertificate, type PeerIdentity } from './peer-identity.js';

/** A server call as far as reading its peer's identity goes. */
export type IdentifiedCall = Pick<ServerUnaryCall<unknown, unknown>, 'getAuthContext'>;

/**
 * What @grpc/grpc-js (1.14) keeps of a server call without typing it: the
 * chain of intercepting calls down to the HTTP/2 stream the call arrived on.
 */
interface CallInternals {
  readonly call?: CallInternals;
  readonly nextCall?: CallInternals;
  readonly stream?: { readonly session?: Http2Session };
}

/** Identities read once per connection; the entry goes with the HTTP/2 session. */
const identities = new WeakMap<Http2Session, { readonly identity: PeerIdentity | undefined }>();

/** The HTTP/2 session (one per connection) a server call arrived on; undefined when grpc-js does not show it. */
function sessionOf(call: IdentifiedCall): Http2Session | undefined {
  let current = (call as CallInternals).call;
  while (current && current.stream === undefined) current = current.nextCall;
  return current?.stream?.session;
}

/** Whether the connection's peer certificate is fixed for its life: TLS 1.3 has no renegotiation. */
function certificateIsFixed(session: Http2Session): boolean {
  return (session.socket as Partial<TLSSocket> | undefined)?.getProtocol?.() === 'TLSv1.3';
}

/**
 * The SPIFFE identity of the verified certificate a call's peer presented.
 * Reading it per call costs more than the rest of the authorization: grpc-js
 * builds the whole certificate object (`getPeerCertificate`, three
 * fingerprints) and the SAN is parsed again. A TLS 1.3 connection cannot
 * change its peer certificate, so its identity is read on its first call and
 * kept with the connection; TLS 1.2 connections (which may renegotiate) and
 * calls whose connection grpc-js does not show are read on every call.
 */
export function peerIdentityOf(call: IdentifiedCall): PeerIdentity | undefined {
  const session = sessionOf(call);
  const known = session === undefined ? undefined : identities.get(session);
  if (known) return known.identity;
  const identity = identityOfCertificate(call.getAuthContext().sslPeerCertificate);
  if (session !== undefined && certificateIsFixed(session)) identities.set(session, { identity });
  return identity;
}
