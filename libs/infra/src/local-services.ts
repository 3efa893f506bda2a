import { readFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PortTakenError, ServerExitedError, ReadinessTimeoutError } from './errors.js';
import { loopbackHost } from './infra-config.js';
import { localEndpoints } from './local-endpoints.js';
import { describePortHolder, freePort, isPortFree } from './port-check.js';
import { identifyProcess, isAlive, spawnDetached, stopProcessGroup, type ProcessIdentity, type StopOutcome } from './process-group.js';
import { lastLines } from './run-command.js';
import { findWorkspaceRoot } from './workspace-root.js';

/** One of the six services as the local stack runs it. */
export interface LocalServiceDefinition {
  readonly name: string;
  readonly grpcPort: number;
  readonly opsPort: number;
  /** Port of a REST server besides gRPC (`REST_PORT`), for the services that have one. */
  readonly restPort?: number;
}

/** The services in start order (the registry before the trainer that registers with it), on their default ports. */
export const localServiceDefinitions: readonly LocalServiceDefinition[] = [
  // Every port below the ephemeral range, for the reason freePort (port-check.ts) gives, and below the ports freePort hands out.
  { name: 'ingestion', grpcPort: 15_051, opsPort: 9464 },
  { name: 'registry', grpcPort: 15_052, opsPort: 9465 },
  { name: 'feature-pipeline', grpcPort: 15_053, opsPort: 9466 },
  { name: 'trainer', grpcPort: 15_054, opsPort: 9467 },
  { name: 'inference', grpcPort: 15_055, opsPort: 9468, restPort: 8055 },
  { name: 'drift-monitor', grpcPort: 15_056, opsPort: 9469 },
];

/** The service on ports the system picks (gRPC, ops and REST if it has one), so it runs beside the user's own. */
export async function onFreePorts(definition: LocalServiceDefinition): Promise<LocalServiceDefinition> {
  return {
    ...definition,
    grpcPort: await freePort(),
    opsPort: await freePort(),
    ...(definition.restPort === undefined ? {} : { restPort: await freePort() }),
  };
}

/** Options of {@link startLocalServices}. */
export interface StartLocalServicesOptions {
  /** Where each service's log file goes (`<name>.log`). */
  readonly logDir: string;
  /** Which services. Default: all of {@link localServiceDefinitions}. */
  readonly services?: readonly LocalServiceDefinition[];
  /**
   * Environment of the services, on top of the endpoints of the local servers —
   * `TRIBUTARY_NAMESPACE` among it, so the services write in the caller's
   * namespace. Default: `process.env`.
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Environment of one service, in place of `env` — e.g. its own principal's
   * credentials and certificate under security (`<home>/secrets/<service>.env`
   * of `tributary infra up --secure`), so no service holds another's.
   * Default: `env` for every service.
   */
  readonly envFor?: (service: LocalServiceDefinition) => NodeJS.ProcessEnv;
  /** How long a service may take to answer `/readyz` with 200, in ms. Default: 60 000. */
  readonly readinessTimeoutMs?: number;
  /** How long a service gets to drain after SIGTERM before SIGKILL, in ms. Default: 15 000. */
  readonly stopGraceMs?: number;
  /** Told when each service is ready. Default: nothing. */
  readonly onReady?: (service: LocalServiceProcess) => void;
}

/** A started service. */
export interface LocalServiceProcess extends LocalServiceDefinition {
  readonly pid: number;
  readonly logFile: string;
  readonly startMs: number;
}

/** What a service's `/readyz` said. */
export interface LocalServiceReadiness {
  readonly name: string;
  readonly ready: boolean;
  /** Each readiness check and its state, as the service reported them. */
  readonly checks: Readonly<Record<string, string>>;
}

/** The result of stopping one service. */
export interface LocalServiceStop {
  readonly name: string;
  readonly outcome: StopOutcome;
  readonly durationMs: number;
}

/** The running services; `stop()` is idempotent. */
export interface LocalServices {
  readonly services: readonly LocalServiceProcess[];
  readiness(): Promise<LocalServiceReadiness[]>;
  stop(): Promise<LocalServiceStop[]>;
}

/** Asks a service's ops server whether it is ready; a service that does not answer is not. */
export async function fetchReadiness(name: string, opsPort: number, timeoutMs = 2_000): Promise<LocalServiceReadiness> {
  try {
    const response = await fetch(`http://${loopbackHost}:${opsPort}/readyz`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json()) as { checks?: Record<string, { status?: string }> };
    const checks = Object.fromEntries(Object.entries(body.checks ?? {}).map(([check, state]) => [check, state.status ?? 'unknown']));
    return { name, ready: response.status === 200, checks };
  } catch {
    return { name, ready: false, checks: {} };
  }
}

async function waitUntilReady(service: LocalServiceProcess, identity: ProcessIdentity, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isAlive(identity)) {
      throw new ServerExitedError(service.name, service.logFile, lastLines(await readFile(service.logFile, 'utf8').catch(() => ''), 20));
    }
    if ((await fetchReadiness(service.name, service.opsPort, 1_000)).ready) return;
    if (Date.now() >= deadline) throw new ReadinessTimeoutError(service.name, timeoutMs, service.logFile);
    await sleep(200);
  }
}

async function assertPortsFree(services: readonly LocalServiceDefinition[]): Promise<void> {
  for (const service of services) {
    const ports: [number, string][] = [[service.grpcPort, 'GRPC_PORT'], [service.opsPort, 'OPS_PORT']];
    if (service.restPort !== undefined) ports.push([service.restPort, 'REST_PORT']);
    for (const [port, setting] of ports) {
      if (!(await isPortFree(port))) throw new PortTakenError(service.name, port, setting, await describePortHolder(port));
    }
  }
}

/**
 * Starts the services from their built entry points (`apps/<name>/dist/main.js`),
 * one after another on loopback, each pointed at the local Kafka, Redis and
 * ClickHouse, and resolves once every one answers `/readyz` with 200. If one
 * fails to start, those already started are stopped and the error says why,
 * with the end of its log.
 */
export async function startLocalServices(options: StartLocalServicesOptions): Promise<LocalServices> {
  const definitions = options.services ?? localServiceDefinitions;
  const { readinessTimeoutMs = 60_000, stopGraceMs = 15_000 } = options;
  const envFor = options.envFor ?? (() => options.env ?? process.env);
  const root = findWorkspaceRoot();
  mkdirSync(options.logDir, { recursive: true });
  await assertPortsFree(definitions);

  const started: { service: LocalServiceProcess; identity: ProcessIdentity }[] = [];
  let stopping: Promise<LocalServiceStop[]> | undefined;
  const stop = (): Promise<LocalServiceStop[]> =>
    (stopping ??= Promise.all(
      started.map(async ({ service, identity }) => {
        const startedAt = performance.now();
        const outcome = await stopProcessGroup(identity, stopGraceMs);
        return { name: service.name, outcome, durationMs: performance.now() - startedAt };
      }),
    ));

  try {
    for (const definition of definitions) {
      const startedAt = performance.now();
      const logFile = join(options.logDir, `${definition.name}.log`);
      const env = envFor(definition);
      // Per service: under security its REDIS_URL carries its own ACL user.
      const endpoints = localEndpoints(env);
      const child = spawnDetached(
        {
          command: process.execPath,
          args: [join(root, 'apps', definition.name, 'dist', 'main.js')],
          cwd: root,
          // Regression: on top of process.env, a caller's env for servers of its own still carried the process's credentials for others.
          baseEnv: env,
          env: {
            KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
            REDIS_URL: endpoints.redisUrl,
            CLICKHOUSE_URL: endpoints.clickhouseUrl,
            GRPC_HOST: loopbackHost,
            GRPC_PORT: String(definition.grpcPort),
            OPS_HOST: loopbackHost,
            OPS_PORT: String(definition.opsPort),
            ...(definition.restPort === undefined ? {} : { REST_HOST: loopbackHost, REST_PORT: String(definition.restPort) }),
          },
        },
        logFile,
      );
      const identity = child.pid === undefined ? undefined : identifyProcess(child.pid);
      if (!identity) throw new ServerExitedError(definition.name, logFile, '');
      const service: LocalServiceProcess = { ...definition, pid: identity.pid, logFile, startMs: 0 };
      started.push({ service, identity });
      await waitUntilReady(service, identity, readinessTimeoutMs);
      const ready = { ...service, startMs: performance.now() - startedAt };
      started[started.length - 1] = { service: ready, identity };
      options.onReady?.(ready);
    }
  } catch (reason) {
    await stop();
    throw reason;
  }

  return {
    services: started.map((s) => s.service),
    readiness: () => Promise.all(started.map(({ service }) => fetchReadiness(service.name, service.opsPort))),
    stop,
  };
}
