/**
 * @tributary/grpc — serve and call protobuf-es services over @grpc/grpc-js.
 * Services are the generated descriptors of `@tributary/contracts`; handlers
 * and clients are typed from them. Every server answers grpc.health.v1, maps
 * errors to status codes in one place (`toGrpcStatus`), continues the caller's
 * trace (W3C `traceparent`), checks bearer tokens if asked, records metrics in
 * the shared registry, and drains in-flight calls on shutdown.
 */
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
export { RemoteCallError, ServerShutdownError, ServerStartError, UnauthenticatedError } from './errors.js';
export { RETRYABLE_TRAILER, fromGrpcStatus, toGrpcStatus } from './grpc-status.js';
export type { HandlerContext } from './handler-context.js';
export type { HealthReporter, HealthState } from './health-registry.js';
export { createGrpcServer, type GrpcServer, type GrpcServerOptions } from './server.js';
export { serverSecurityOptions, type ServiceSecuritySettings } from './server-security.js';
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
