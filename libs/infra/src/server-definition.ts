import type { InfraConfig, InfraPorts, ServiceName } from './infra-config.js';
import type { InfraEventListener } from './infra-reports.js';
import type { InfraSecurity } from './infra-security.js';
import type { LaunchSpec } from './process-group.js';
import type { SystemTools } from './system-tools.js';

/** What a server definition gets to install and configure itself. */
export interface ServerContext {
  readonly config: InfraConfig;
  readonly tools: SystemTools;
  readonly onEvent: InfraEventListener;
  /** Passwords and names of the secure mode; undefined for the plain, open servers. */
  readonly security?: InfraSecurity;
}

/** How to install, configure, launch and probe one kind of server. */
export interface ServerDefinition {
  readonly service: ServiceName;
  /** The ports it binds, as keys of {@link InfraPorts}. */
  readonly portKeys: readonly (keyof InfraPorts)[];
  /** How long a start may take until the probe passes, in ms. */
  readonly readinessTimeoutMs: number;
  /** How long it gets to exit after SIGTERM before SIGKILL, in ms. */
  readonly stopGraceMs: number;
  /** Where it listens, for people: `127.0.0.1:6379`. */
  listen(ports: InfraPorts): string;
  /** Installs what is missing (cached), writes its configuration and says how to launch it. */
  prepare(context: ServerContext): Promise<LaunchSpec>;
  /** One readiness check (as the admin, when secure); throws while the server is not ready. */
  probe(ports: InfraPorts, security?: InfraSecurity): Promise<void>;
  /** In secure mode, once ready: users, ACLs or grants that need a running server. Default: none. */
  configure?(ports: InfraPorts, security: InfraSecurity): Promise<void>;
}
