import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TributaryError } from '@tributary/errors';
import { retry } from '@tributary/resilience';
import { clickhouseServer } from './clickhouse-server.js';
import { InfraModeMismatchError, InfraUpError, PortTakenError, ReadinessTimeoutError, ServerExitedError, type ServiceFailure } from './errors.js';
import { withFileLock } from './file-lock.js';
import { portSettings, resolveInfraConfig, type InfraConfig, type InfraPorts, type ServiceName } from './infra-config.js';
import type { InfraEventListener, ServiceDownResult, ServiceStatus, ServiceUpResult } from './infra-reports.js';
import { ensureInfraSecrets } from './infra-secrets.js';
import type { InfraSecurity, InfraSecurityOptions } from './infra-security.js';
import { kafkaServer } from './kafka-server.js';
import { describePortHolder, isPortFree } from './port-check.js';
import { identifyProcess, isAlive, spawnDetached, stopProcessGroup, type ProcessIdentity } from './process-group.js';
import { redisServer } from './redis-server.js';
import { lastLines } from './run-command.js';
import { readRunRecord, removeRunRecord, writeRunRecord, type RunRecord } from './run-record.js';
import type { ServerContext, ServerDefinition } from './server-definition.js';
import { createSystemTools } from './system-tools.js';

/** Options of {@link createInfra}. */
export interface InfraOptions {
  /** Where settings come from (`TRIBUTARY_HOME`, `TRIBUTARY_CACHE_DIR`, `TRIBUTARY_*_PORT`). Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Told about installs and starts as they happen. Default: nothing. */
  readonly onEvent?: InfraEventListener;
  /**
   * Start the servers secure (`tributary infra up --secure`): Kafka with
   * SASL/SCRAM and ACLs per service principal, Redis with ACL users per
   * service, ClickHouse with users granted per table — passwords in
   * `<home>/secrets/passwords.json`, data apart from the plain servers'.
   * Default: plain, open servers.
   */
  readonly secure?: InfraSecurityOptions;
}

/** Kafka, ClickHouse and Redis on loopback, installed and started on demand, stopped by PID. */
export interface Infra {
  readonly config: InfraConfig;
  /**
   * Installs what is missing and starts what is not running, all in parallel,
   * and resolves when every server is ready. Idempotent; safe to call from
   * several processes at once (they take turns). Throws {@link InfraUpError}
   * if any server could not start — with nothing started at all when the
   * reason is a port held by something else.
   */
  up(): Promise<ServiceUpResult[]>;
  /** Stops every recorded server (SIGTERM, SIGKILL after a grace period) and removes its PID file. Idempotent. */
  down(): Promise<ServiceDownResult[]>;
  /** What runs, what crashed, what is stopped; does not change anything. */
  status(): Promise<ServiceStatus[]>;
}

const servers: readonly ServerDefinition[] = [kafkaServer, clickhouseServer, redisServer];

/** A recorded server and whether its process still runs. */
interface Inspection {
  readonly server: ServerDefinition;
  readonly record: RunRecord | undefined;
  readonly alive: boolean;
}

/** The ports a server was started with, over the configured ones for any it did not record. */
function recordedPorts(config: InfraConfig, record: RunRecord | undefined): InfraPorts {
  return { ...config.ports, ...(record?.ports as Partial<InfraPorts> | undefined) };
}

async function logTail(logFile: string): Promise<string> {
  return lastLines(await readFile(logFile, 'utf8').catch(() => ''), 20);
}

/** Polls the probe until it passes; gives up when the process exits or the timeout passes. */
async function waitUntilReady(server: ServerDefinition, ports: InfraPorts, target: ProcessIdentity, logFile: string, security: InfraSecurity | undefined): Promise<void> {
  try {
    await retry(() => server.probe(ports, security), {
      retries: Number.POSITIVE_INFINITY,
      baseDelayMs: 50,
      maxDelayMs: 250,
      shouldRetry: () => isAlive(target),
      signal: AbortSignal.timeout(server.readinessTimeoutMs),
    });
  } catch (reason) {
    if (!isAlive(target)) throw new ServerExitedError(server.service, logFile, await logTail(logFile));
    throw new ReadinessTimeoutError(server.service, server.readinessTimeoutMs, logFile, { cause: reason });
  }
}

/** The ports of `server` held by something else, as errors that say which env var to change. */
async function takenPorts(server: ServerDefinition, ports: InfraPorts): Promise<PortTakenError[]> {
  const taken: PortTakenError[] = [];
  for (const key of server.portKeys) {
    if (!(await isPortFree(ports[key]))) {
      taken.push(new PortTakenError(server.service, ports[key], portSettings[key].envVar, await describePortHolder(ports[key])));
    }
  }
  return taken;
}

/** Builds the {@link Infra} for one home directory; see {@link InfraOptions}. */
export function createInfra(options: InfraOptions = {}): Infra {
  const { env = process.env, onEvent = () => undefined } = options;
  const config = resolveInfraConfig(env);
  const secure = options.secure !== undefined;
  const securityOf = async (): Promise<InfraSecurity> => ({
    secrets: await ensureInfraSecrets(config.home),
    name: options.secure?.name ?? ((_kind, name) => name),
    managedSchema: options.secure?.managedSchema ?? false,
  });
  const logFileOf = (service: ServiceName) => join(config.home, 'logs', `${service}.log`);
  const lockPath = join(config.home, 'infra.lock');

  const inspect = (): Promise<Inspection[]> =>
    Promise.all(
      servers.map(async (server) => {
        const record = await readRunRecord(config.home, server.service);
        return { server, record, alive: record !== undefined && isAlive(record) };
      }),
    );

  async function start(server: ServerDefinition, context: ServerContext): Promise<Omit<ServiceUpResult, 'outcome'>> {
    const spec = await server.prepare(context);
    const logFile = logFileOf(server.service);
    onEvent({ kind: 'starting', service: server.service });
    const startedAt = performance.now();
    const child = spawnDetached(spec, logFile);
    const identity = child.pid === undefined ? undefined : identifyProcess(child.pid);
    if (!identity) throw new ServerExitedError(server.service, logFile, await logTail(logFile));
    const ports = Object.fromEntries(server.portKeys.map((key) => [key, config.ports[key]]));
    await writeRunRecord(config.home, { ...identity, service: server.service, startedAt: new Date().toISOString(), ports, logFile, ...(secure ? { secure } : {}) });
    try {
      await waitUntilReady(server, config.ports, identity, logFile, context.security);
      if (context.security) await server.configure?.(config.ports, context.security);
    } catch (reason) {
      await stopProcessGroup(identity, server.stopGraceMs);
      await removeRunRecord(config.home, server.service);
      throw reason;
    }
    return { service: server.service, pid: identity.pid, listen: server.listen(config.ports), durationMs: performance.now() - startedAt, logFile };
  }

  async function bringUp(inspection: Inspection, context: ServerContext): Promise<ServiceUpResult> {
    const { server, record, alive } = inspection;
    if (record && alive) {
      if ((record.secure ?? false) !== secure) throw new InfraModeMismatchError(server.service, record.secure ?? false);
      const checkedAt = performance.now();
      const ports = recordedPorts(config, record);
      await waitUntilReady(server, ports, record, record.logFile, context.security);
      return { service: server.service, outcome: 'already-running', pid: record.pid, listen: server.listen(ports), durationMs: performance.now() - checkedAt, logFile: record.logFile };
    }
    if (record) {
      onEvent({ kind: 'crash-detected', service: server.service, pid: record.pid });
      await removeRunRecord(config.home, server.service);
    }
    return { ...(await start(server, context)), outcome: record ? 'restarted' : 'started' };
  }

  async function up(): Promise<ServiceUpResult[]> {
    await mkdir(join(config.home, 'logs'), { recursive: true });
    return withFileLock(lockPath, async () => {
      const inspections = await inspect();
      const conflicts = await Promise.all(inspections.filter((i) => !i.alive).map((i) => takenPorts(i.server, config.ports)));
      const portFailures: ServiceFailure[] = conflicts.flat().map((error) => ({ service: error.service, error }));
      if (portFailures.length > 0) throw new InfraUpError(portFailures, []);

      const context: ServerContext = { config, tools: createSystemTools({ env, onEvent }), onEvent, ...(secure ? { security: await securityOf() } : {}) };
      const settled = await Promise.all(
        inspections.map((inspection) =>
          bringUp(inspection, context).then(
            (result) => ({ result }),
            (reason: unknown) => ({ failure: { service: inspection.server.service, error: TributaryError.from(reason) } }),
          ),
        ),
      );
      const results = settled.flatMap((s) => ('result' in s ? [s.result] : []));
      const failures = settled.flatMap((s) => ('failure' in s ? [s.failure] : []));
      if (failures.length > 0) throw new InfraUpError(failures, results);
      return results;
    });
  }

  async function stop({ server, record, alive }: Inspection): Promise<ServiceDownResult> {
    const startedAt = performance.now();
    const done = (outcome: ServiceDownResult['outcome']): ServiceDownResult => ({
      service: server.service,
      outcome,
      ...(record ? { pid: record.pid } : {}),
      durationMs: performance.now() - startedAt,
    });
    if (!record) return done('not-running');
    const outcome = alive ? await stopProcessGroup(record, server.stopGraceMs) : 'not-running';
    await removeRunRecord(config.home, server.service);
    return done(outcome === 'not-running' ? 'was-crashed' : outcome);
  }

  async function down(): Promise<ServiceDownResult[]> {
    await mkdir(config.home, { recursive: true });
    return withFileLock(lockPath, async () => Promise.all((await inspect()).map(stop)));
  }

  async function status(): Promise<ServiceStatus[]> {
    return Promise.all(
      (await inspect()).map(async ({ server, record, alive }): Promise<ServiceStatus> => {
        const ports = recordedPorts(config, record);
        const base = { service: server.service, listen: server.listen(ports), logFile: record?.logFile ?? logFileOf(server.service) };
        if (record && alive) {
          const security = record.secure ? await securityOf() : undefined;
          const answering = await server.probe(ports, security).then(() => true, () => false);
          return { ...base, state: answering ? 'running' : 'unresponsive', pid: record.pid, portsTaken: [] };
        }
        const portsTaken = (await takenPorts(server, ports)).map((e) => `port ${e.port}${e.holder ? ` (${e.holder})` : ''}`);
        return record ? { ...base, state: 'crashed', pid: record.pid, portsTaken } : { ...base, state: 'stopped', portsTaken };
      }),
    );
  }

  return { config, up, down, status };
}
