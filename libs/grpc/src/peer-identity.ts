import type { PeerCertificate } from 'node:tls';

/** Trust domain of the platform's SPIFFE-style identities unless configured otherwise. */
export const defaultTrustDomain = 'tributary.local';

/**
 * Who a peer is, as its certificate's SAN says:
 * `spiffe://<trustDomain>/ns/<namespace>/sa/<service>`.
 */
export interface PeerIdentity {
  /** The whole URI, for logs and the audit trail. */
  readonly spiffeId: string;
  readonly trustDomain: string;
  /** The deployment it belongs to: a Kubernetes namespace or `TRIBUTARY_NAMESPACE` (`default` when unset). */
  readonly namespace: string;
  /** The service (or person's role, e.g. `operator`) the certificate was issued to. */
  readonly service: string;
}

const SPIFFE_ID = /^spiffe:\/\/([a-z0-9.-]+)\/ns\/([A-Za-z0-9._-]+)\/sa\/([A-Za-z0-9._-]+)$/;

/** The SPIFFE id of a service: `spiffe://<trustDomain>/ns/<namespace>/sa/<service>`. */
export function spiffeId(identity: Omit<PeerIdentity, 'spiffeId'>): string {
  return `spiffe://${identity.trustDomain}/ns/${identity.namespace}/sa/${identity.service}`;
}

/** Parses a SPIFFE id of the platform's form; undefined for anything else. */
export function parseSpiffeId(uri: string): PeerIdentity | undefined {
  const match = SPIFFE_ID.exec(uri);
  if (!match) return undefined;
  const [, trustDomain = '', namespace = '', service = ''] = match;
  return { spiffeId: uri, trustDomain, namespace, service };
}

/**
 * The identity in a certificate's subjectAltName (Node's `subjectaltname`
 * string, e.g. `DNS:localhost, URI:spiffe://…`): its one SPIFFE URI.
 * Undefined when it has none or more than one (an ambiguous identity is no identity).
 */
export function identityOfCertificate(certificate: Pick<PeerCertificate, 'subjectaltname'> | undefined): PeerIdentity | undefined {
  const uris = (certificate?.subjectaltname ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('URI:spiffe://'))
    .map((entry) => entry.slice('URI:'.length));
  return uris.length === 1 && uris[0] !== undefined ? parseSpiffeId(uris[0]) : undefined;
}
