/**
 * @tributary/grpc — serve and call protobuf-es services over @grpc/grpc-js.
 * Services are the generated descriptors of `@tributary/contracts`; handlers
 * and clients are typed from them. Every server answers grpc.health.v1, maps
 * errors to status codes in one place (`toGrpcStatus`), continues the caller's
 * trace (W3C `traceparent`), checks bearer tokens if asked, authorizes each
 * call by the caller's certificate identity (SPIFFE id, mutual TLS) against an
 * access policy with refusals counted and audited, records metrics in the
 * shared registry, and drains in-flight calls on shutdown.
 * `ensureServiceCertificates` issues a local CA and per-service certificates.
 */
export { authorizeCall, identityOfPem, type AccessScope, type ServerAccessOptions } from './access-control.js';
export {
  anyAuthenticated,
  createAccessPolicy,
  type AccessDecision,
  type AccessPolicy,
  type AccessRule,
} from './access-policy.js';
export { createAuditLog, type AuditEntry, type AuditLog, type AuditLogOptions } from './audit-log.js';
export {
  createStaticTokenVerifier,
  type ServerAuthOptions,
  type TokenVerifier,
} from './bearer-auth.js';
export { createGrpcChannel, type GrpcChannel, type GrpcChannelOptions } from './channel.js';
export { clientSecurityOptions } from './client-security.js';
export {
  createGrpcClient,
  type BidiStreamingFn,
  type CallOptions,
  type Client,
  type ClientMethod,
  type ClientStreamingFn,
  type ServerStreamingFn,
  type UnaryFn,
} from './client.js';
export {
  CertificateIssueError,
  MissingServerIdentityError,
  PermissionDeniedError,
  RemoteCallError,
  ServerShutdownError,
  ServerStartError,
  UnauthenticatedError,
  type UnauthenticatedReason,
} from './errors.js';
export { RETRYABLE_TRAILER, fromGrpcStatus, toGrpcStatus } from './grpc-status.js';
export type { HandlerContext } from './handler-context.js';
export type { HealthReporter, HealthState } from './health-registry.js';
export { defaultTrustDomain, identityOfCertificate, parseSpiffeId, spiffeId, type PeerIdentity } from './peer-identity.js';
export { operatorIdentity, platformAccessRules, type PlatformAccessOptions } from './platform-access-policy.js';
export { createGrpcServer, type GrpcServer, type GrpcServerOptions } from './server.js';
export { serverSecurityOptions, type ServiceSecuritySettings } from './server-security.js';
export {
  ensureServiceCertificates,
  type ServiceCertificateFiles,
  type ServiceCertificates,
  type ServiceCertificatesOptions,
} from './service-certificates.js';
export { createServiceDefinition, methodPath } from './service-definition.js';
export type {
  BidiStreamingImpl,
  ClientStreamingImpl,
  MethodImpl,
  ServerStreamingImpl,
  ServiceImpl,
  UnaryImpl,
} from './service-impl.js';
export type { ClientTlsOptions, PemSource, ServerTlsOptions } from './tls.js';
