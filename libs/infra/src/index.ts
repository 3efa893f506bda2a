/**
 * @tributary/infra — local infrastructure without Docker. `createInfra().up()`
 * installs what is missing (Kafka 4.4 jars from Maven Central on Java 17,
 * ClickHouse 26.9 from PyPI's chdb-core in a venv, Redis 7 from Debian) and
 * starts each on loopback with its data under one home directory; `down()`
 * stops them by the PID it recorded. `localEndpoints()` tells clients where
 * to connect. `startLocalServices()` runs the six services from their builds
 * against those servers, for the demo. With `secure`, the servers require
 * credentials and enforce per-service ACLs and grants (`platformPrincipals`);
 * `writeSecureClientEnvFiles()` gives each service its credentials.
 */
export {
  CommandFailedError,
  InfraModeMismatchError,
  InfraUpError,
  InvalidPortError,
  LockTimeoutError,
  MissingSystemPackageError,
  PortTakenError,
  ReadinessTimeoutError,
  ServerExitedError,
  WorkspaceRootNotFoundError,
  type ServiceFailure,
} from './errors.js';
export { createInfra, type Infra, type InfraOptions } from './infra.js';
export {
  loopbackHost,
  portSettings,
  resolveInfraConfig,
  resolvePorts,
  serviceNames,
  type InfraConfig,
  type InfraPorts,
  type ServiceName,
} from './infra-config.js';
export type { InfraEvent, InfraEventListener, ServiceDownResult, ServiceStatus, ServiceUpResult } from './infra-reports.js';
export { ensureInfraSecrets, secretsDir, type InfraSecrets } from './infra-secrets.js';
export { redisAdminRules, redisUserRules, type InfraSecurityOptions, type PlatformNameKind } from './infra-security.js';
export { adminPrincipal, platformPrincipals, principalNames, type PrincipalGrants } from './platform-principals.js';
export { readSecureClientEnvFile, secureClientEnv, writeSecureClientEnvFiles } from './secure-client-env.js';
export { localEndpoints, type LocalEndpoints } from './local-endpoints.js';
export {
  fetchReadiness,
  localServiceDefinitions,
  onFreePorts,
  startLocalServices,
  type LocalServiceDefinition,
  type LocalServiceProcess,
  type LocalServiceReadiness,
  type LocalServices,
  type LocalServiceStop,
  type StartLocalServicesOptions,
} from './local-services.js';
export { freePort, freePorts, isPortFree } from './port-check.js';
export { identifyProcess, isAlive, type ProcessIdentity } from './process-group.js';
export { readRunRecord, type RunRecord } from './run-record.js';
export { findWorkspaceRoot } from './workspace-root.js';
