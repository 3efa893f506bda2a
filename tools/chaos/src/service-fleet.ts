/**
 * The platform's services as the suite runs them: each started from its build
 * on ports of its own, and killed, paused or restarted one at a time by the
 * PID the fleet started — never by name. A service may run as several
 * instances (numbered from 1), each on its own ports: the members of one
 * consumer group, as an SRE scales a service out.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts, identifyProcess, isAlive, isPortFree, startLocalServices, type LocalServices, type ProcessIdentity } from '@tributary/infra';
import { NotRunningError } from './errors.js';

/** A service the fleet can run (a folder of apps/ with a built `dist/main.js`). */
export type FleetServiceName = 'ingestion' | 'feature-pipeline' | 'registry' | 'trainer';

/** Options of {@link createServiceFleet}. */
export interface ServiceFleetOptions {
  /** Where each service's log goes (`<name>.log`, appended across restarts; instance n > 1 in `<name>-<n>/`). */
  readonly logDir: string;
  /** Environment of every service (the stack's endpoints and the scenario's names). */
  readonly env: NodeJS.ProcessEnv;
  /** Extra environment per service, e.g. its consumer group. Default: none. */
  readonly envOf?: (service: FleetServiceName, ports: ServicePorts) => NodeJS.ProcessEnv;
  /** How long a (re)started service may take to answer `/readyz`, in ms. Default 120 000 (a loaded machine). */
  readonly readinessTimeoutMs?: number;
}

/** The ports the fleet gave a service; they stay the same across restarts. */
export interface ServicePorts {
  readonly grpcPort: number;
  readonly opsPort: number;
}

/**
 * Running services; `stopAll()` is idempotent. `instance` numbers the copies
 * of one service from 1 (the default, and the only one most scenarios run).
 */
export interface ServiceFleet {
  /** Starts an instance of a service (again, after a kill) and resolves once it is ready. */
  start(service: FleetServiceName, instance?: number): Promise<void>;
  /** SIGKILLs the instance's process group; returns the PID killed. */
  kill(service: FleetServiceName, instance?: number): Promise<number>;
  /** SIGSTOPs the instance, waits `pauseMs`, SIGCONTs it. */
  pause(service: FleetServiceName, pauseMs: number, instance?: number): Promise<void>;
  portsOf(service: FleetServiceName, instance?: number): ServicePorts;
  /** SIGTERM (then SIGKILL after the grace period) to every running service. */
  stopAll(): Promise<void>;
}

/** Sends `signal` to the process group the service leads, if it is still the process the fleet started. */
function signalGroup(identity: ProcessIdentity, signal: NodeJS.Signals): boolean {
  if (!isAlive(identity)) return false;
  process.kill(-identity.pid, signal);
  return true;
}

/**
 * Waits until the process is gone and its ports can be bound again: a killed
 * process shows as a zombie while its other threads still hold its sockets.
 */
async function waitUntilGone(identity: ProcessIdentity, ports: ServicePorts, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(identity) && (await isPortFree(ports.grpcPort)) && (await isPortFree(ports.opsPort))) return;
    await sleep(50);
  }
}

/** Creates the fleet; nothing runs until `start`. */
export function createServiceFleet(options: ServiceFleetOptions): ServiceFleet {
  const { logDir, env, envOf = () => ({}), readinessTimeoutMs = 120_000 } = options;
  /** Ports and running processes by instance: `<service>` for instance 1, `<service>-<n>` for the others. */
  const ports = new Map<string, ServicePorts>();
  const running = new Map<string, { handle: LocalServices; identity: ProcessIdentity }>();
  const instanceName = (service: FleetServiceName, instance: number) => (instance === 1 ? service : `${service}-${instance}`);

  async function portsFor(name: string): Promise<ServicePorts> {
    let assigned = ports.get(name);
    if (!assigned) {
      const [grpcPort, opsPort] = (await freePorts(2)) as [number, number];
      assigned = { grpcPort, opsPort };
      ports.set(name, assigned);
    }
    return assigned;
  }

  function current(name: string): ProcessIdentity {
    const entry = running.get(name);
    if (!entry) throw new NotRunningError(name);
    return entry.identity;
  }

  return {
    async start(service, instance = 1) {
      const name = instanceName(service, instance);
      const servicePorts = await portsFor(name);
      const handle = await startLocalServices({
        logDir: instance === 1 ? logDir : join(logDir, name),
        services: [{ name: service, ...servicePorts }],
        env: { ...env, ...envOf(service, servicePorts) },
        readinessTimeoutMs,
      });
      const pid = handle.services[0]?.pid;
      const identity = pid === undefined ? undefined : identifyProcess(pid);
      if (!identity) throw new NotRunningError(name);
      running.set(name, { handle, identity });
    },
    async kill(service, instance = 1) {
      const name = instanceName(service, instance);
      const identity = current(name);
      signalGroup(identity, 'SIGKILL');
      await waitUntilGone(identity, await portsFor(name), 30_000);
      running.delete(name);
      return identity.pid;
    },
    async pause(service, pauseMs, instance = 1) {
      const identity = current(instanceName(service, instance));
      signalGroup(identity, 'SIGSTOP');
      try {
        await sleep(pauseMs);
      } finally {
        signalGroup(identity, 'SIGCONT');
      }
    },
    portsOf(service, instance = 1) {
      const name = instanceName(service, instance);
      const assigned = ports.get(name);
      if (!assigned) throw new NotRunningError(name);
      return assigned;
    },
    async stopAll() {
      const entries = [...running.values()];
      running.clear();
      await Promise.all(entries.map(({ handle }) => handle.stop()));
    },
  };
}
