import { createGrpcServer, serverSecurityOptions, type GrpcServer, type ServiceSecuritySettings } from '@tributary/grpc';
import { createOpsServer, type ReadinessCheck } from './ops-server.js';
import type { ServiceContext } from './service-context.js';

interface ListenSettings {
  readonly host: string;
  readonly port: number;
}

/** The parts of a service's configuration the host reads (`grpcServerEnv`, `opsServerEnv`, `serviceAuthEnv`, `shutdownEnv`). */
export interface ServiceHostConfig {
  readonly grpc: ListenSettings;
  readonly ops: ListenSettings;
  readonly auth: ServiceSecuritySettings;
  readonly shutdown: { readonly timeoutMs: number };
}

/** Options of {@link startServiceHost}: the service's context (spread it in) and what only the host needs. */
export interface ServiceHostOptions extends ServiceContext<ServiceHostConfig> {
  readonly name: string;
  readonly version: string;
  /** Readiness checks besides the lifecycle's own (e.g. `redis: () => redis.ping()`). Default: none. */
  readonly checks?: Readonly<Record<string, ReadinessCheck>>;
  /** Adds the service's gRPC services before the server starts. Default: health only. */
  readonly registerServices?: (server: GrpcServer) => void;
}

/** Where a started host listens. */
export interface ServiceHost {
  readonly grpc: GrpcServer;
  readonly grpcPort: number;
  readonly opsPort: number;
}

/**
 * The two servers every service runs: the ops HTTP server (`/healthz`,
 * `/readyz`, `/metrics`, `/version`) and a gRPC server that answers
 * grpc.health.v1 (with bearer-token and TLS settings applied). The ops server
 * opens first and closes last, so probes see "not ready" while gRPC drains.
 */
export async function startServiceHost(options: ServiceHostOptions): Promise<ServiceHost> {
  const { config, lifecycle, logger } = options;
  const ops = createOpsServer({
    host: config.ops.host,
    port: config.ops.port,
    checks: { lifecycle: lifecycle.readinessCheck, ...options.checks },
    version: { name: options.name, version: options.version },
    logger,
  });
  const opsPort = await ops.start();
  lifecycle.register('ops server', () => ops.close());

  const grpc = createGrpcServer({
    address: `${config.grpc.host}:${config.grpc.port}`,
    shutdownTimeoutMs: config.shutdown.timeoutMs,
    logger,
    ...serverSecurityOptions(config.auth),
  });
  options.registerServices?.(grpc);
  const grpcPort = await grpc.start();
  lifecycle.register('grpc server', () => grpc.shutdown());
  logger.info({ grpcPort, opsPort }, `${options.name} listening`);
  return { grpc, grpcPort, opsPort };
}
