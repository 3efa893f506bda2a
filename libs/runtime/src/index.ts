/**
 * @tributary/runtime — what every service's `main` needs so apps stay wiring:
 * configuration or a clear exit, a lifecycle that closes resources in reverse
 * order on SIGTERM, and the ops HTTP server (`/healthz`, `/readyz`,
 * `/metrics`, `/version`).
 */
export { NotReadyError, OpsServerStartError, PackageVersionError, TimeBudgetExceededError } from './errors.js';
export { loadConfigOrExit, type LoadConfigOrExitOptions } from './load-config-or-exit.js';
export { createLifecycle, type Lifecycle, type LifecycleOptions, type RegisterOptions } from './lifecycle.js';
export {
  createOpsServer,
  type CheckResult,
  type OpsServer,
  type OpsServerOptions,
  type ReadinessCheck,
  type VersionInfo,
} from './ops-server.js';
export { packageVersion } from './package-version.js';
export { createClickHouseConnection, type ClickHouseConnection, type ClickHouseConnectionOptions } from './clickhouse-connection.js';
export { createRedisConnection, redisReconnectDelayMs, type RedisConnectionOptions } from './redis-connection.js';
export { runService, type BaseServiceConfig, type RunServiceOptions } from './run-service.js';
export type { ServiceContext } from './service-context.js';
export { startServiceHost, type ServiceHost, type ServiceHostConfig, type ServiceHostOptions } from './service-host.js';
