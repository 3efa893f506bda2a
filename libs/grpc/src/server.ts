import { setTimeout as sleep } from 'node:timers/promises';
import type { DescService } from '@bufbuild/protobuf';
import { Server, type ServerOptions } from '@grpc/grpc-js';
import { Health } from '@tributary/contracts';
import { createLogger, type Logger } from '@tributary/observability';
import { identityOfPem, type AccessScope, type ServerAccessOptions } from './access-control.js';
import { createAuditLog } from './audit-log.js';
import type { ServerAuthOptions } from './bearer-auth.js';
import { MissingServerIdentityError, ServerShutdownError, ServerStartError } from './errors.js';
import type { CallContext } from './handler-context.js';
import { HealthRegistry, type HealthReporter } from './health-registry.js';
import { createHealthService } from './health-service.js';
import { createRefusalRecorder } from './metrics.js';
import { createServiceDefinition } from './service-definition.js';
import type { ServiceImpl } from './service-impl.js';
import { createServiceHandlers, type ServerCallEnvironment } from './server-handlers.js';
import { createServerCredentials, type ServerTlsOptions } from './tls.js';

/** How long handlers aborted by a forced shutdown get to send their status. */
const ABORTED_CALLS_GRACE_MS = 100;

/** Options of {@link createGrpcServer}. */
export interface GrpcServerOptions {
  /** `host:port` to listen on; port 0 picks a free port. Default: `0.0.0.0:15051`. */
  readonly address?: string;
  /** TLS (and mutual TLS) material. Default: plaintext. */
  readonly tls?: ServerTlsOptions;
  /** Bearer-token check on every call except health and `exempt`. Default: no authentication. */
  readonly auth?: ServerAuthOptions;
  /**
   * Authorization of every call except health by the caller's certificate
   * identity (SPIFFE id in its SAN); needs `tls` with `requireClientCert`.
   * Refusals are counted in `grpc_server_refused_total` and written to the
   * audit log. Default: none (any caller the transport accepts may call anything).
   */
  readonly access?: ServerAccessOptions;
  /** How long `shutdown()` lets in-flight calls finish before aborting them. Default: 10 000 ms. */
  readonly shutdownTimeoutMs?: number;
  /** Where the server logs. Default: a logger named `grpc-server`. */
  readonly logger?: Logger;
  /** Options passed to @grpc/grpc-js (message size limits, keepalive…). Default: none. */
  readonly grpcOptions?: ServerOptions;
}

/** A gRPC server for protobuf-es services; serves grpc.health.v1 on its own. */
export interface GrpcServer {
  /** Adds a service; only before `start()`. */
  register<S extends DescService>(service: S, impl: ServiceImpl<S>): this;
  /**
   * Listens and marks the server and each registered service SERVING.
   * Resolves to the bound port. Idempotent.
   */
  start(): Promise<number>;
  /**
   * Marks everything NOT_SERVING, stops accepting calls, lets in-flight calls
   * finish for up to `shutdownTimeoutMs`, then aborts the rest. Idempotent.
   */
  shutdown(): Promise<void>;
  /** The health the server reports; services may mark themselves NOT_SERVING and back. */
  readonly health: HealthReporter;
}

/** A gRPC server; see {@link GrpcServerOptions} for what it does by default. */
export function createGrpcServer(options: GrpcServerOptions = {}): GrpcServer {
  return new TributaryGrpcServer(options);
}

class TributaryGrpcServer implements GrpcServer {
  readonly health: HealthRegistry = new HealthRegistry();
  private readonly server: Server;
  private readonly address: string;
  private readonly env: ServerCallEnvironment;
  private readonly serviceNames: string[] = [];
  private starting: Promise<number> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: GrpcServerOptions) {
    this.server = new Server(options.grpcOptions);
    this.address = options.address ?? '0.0.0.0:15051';
    const logger = options.logger ?? createLogger({ name: 'grpc-server' });
    this.env = {
      auth: options.auth,
      access: accessScope(options),
      audit: createAuditLog({ logger, ...(options.access?.auditLogFile === undefined ? {} : { file: options.access.auditLogFile }) }),
      refused: createRefusalRecorder(),
      logger,
      inFlight: new Set<CallContext>(),
    };
    this.register(Health, createHealthService(this.health));
  }

  register<S extends DescService>(service: S, impl: ServiceImpl<S>): this {
    if (this.starting) throw new Error(`cannot register ${service.typeName}: the server has started`);
    const handlers = createServiceHandlers(service, impl as Record<string, (input: unknown, context: CallContext) => unknown>, this.env);
    this.server.addService(createServiceDefinition(service), handlers);
    if (service.typeName !== Health.typeName) this.serviceNames.push(service.typeName);
    return this;
  }

  start(): Promise<number> {
    this.starting ??= this.listen();
    return this.starting;
  }

  shutdown(): Promise<void> {
    this.stopping ??= this.drain();
    return this.stopping;
  }

  private async listen(): Promise<number> {
    const credentials = createServerCredentials(this.options.tls);
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(this.address, credentials, (error, boundPort) =>
        error ? reject(new ServerStartError(this.address, error)) : resolve(boundPort),
      ),
    );
    for (const service of ['', ...this.serviceNames]) this.health.setStatus(service, 'SERVING');
    const access = this.env.access;
    this.env.logger.info(
      {
        address: this.address,
        port,
        tls: this.options.tls !== undefined,
        authorization: access ? `spiffe://${access.trustDomain}/ns/${access.namespace}` : 'none',
        services: this.serviceNames,
      },
      'gRPC server listening',
    );
    return port;
  }

  private async drain(): Promise<void> {
    this.health.close();
    if (!this.starting) return this.env.audit.close();
    await this.starting.catch(() => undefined);
    const timeoutMs = this.options.shutdownTimeoutMs ?? 10_000;
    const drained = new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    const graceful = await settlesWithin(drained, timeoutMs);
    if (!graceful) {
      this.env.logger.warn({ inFlight: this.env.inFlight.size, timeoutMs }, 'gRPC calls still running at the shutdown timeout; aborting them');
      for (const call of this.env.inFlight) call.abort(new ServerShutdownError());
      // A moment for the aborted handlers to answer UNAVAILABLE before the connections drop.
      await settlesWithin(drained, ABORTED_CALLS_GRACE_MS);
      this.server.forceShutdown();
    }
    await this.env.audit.close();
    this.env.logger.info({ graceful }, 'gRPC server stopped');
  }
}

/**
 * What calls are checked against: the policy, and the trust domain and
 * namespace of the server's own certificate unless given. Authorization
 * without verified client certificates would trust nobody's identity, so it
 * needs mutual TLS.
 */
function accessScope(options: GrpcServerOptions): AccessScope | undefined {
  const { access, tls } = options;
  if (!access) return undefined;
  if (!tls?.requireClientCert || !tls.clientCa) throw new MissingServerIdentityError('authorization by identity needs mutual TLS (a client CA and requireClientCert)');
  const scope = access.scope ?? identityOfPem(tls.cert);
  if (!scope) throw new MissingServerIdentityError('the server certificate has no SPIFFE id to take the trust domain and namespace from');
  return { policy: access.policy, trustDomain: scope.trustDomain, namespace: scope.namespace };
}

/** Whether `promise` settles within `ms`; the timer is cleared either way. */
async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([promise.then(() => true), sleep(ms, false, { signal: timer.signal })]);
  } finally {
    timer.abort();
  }
}
