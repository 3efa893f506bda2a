/**
 * The platform's services as the suite runs them: each started from its build
 * on ports of its own, and killed, paused or restarted one at a time by the
 * PID the fleet started — never by name.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { identifyProcess, isAlive, isPortFree, startLocalServices, type LocalServices, type ProcessIdentity } from '@tributary/infra';
import { freePorts } from './chaos-stack.js';
import { NotRunningError } from './errors.js';

/** A service the fleet can run (a folder of apps/ with a built `dist/main.js`). */
export type FleetServiceName = 'ingestion' | 'feature-pipeline' | 'registry' | 'trainer';

/** Options of {@link createServiceFleet}. */
export interface ServiceFleetOptions {
  /** Where each service's log goes (`<name>.log`, appended across restarts). */
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

/** Running services; `stopAll()` is idempotent. */
export interface ServiceFleet {
  /** Starts a service (again, after a kill) and resolves once it is ready. */
  start(service: FleetServiceName): Promise<void>;
  /** SIGKILLs the service's process group; returns the PID killed. */
  kill(service: FleetServiceName): Promise<number>;
  /** SIGSTOPs the service, waits `pauseMs`, SIGCONTs it. */
  pause(service: FleetServiceName, pauseMs: number): Promise<void>;
  portsOf(service: FleetServiceName): ServicePorts;
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
  const ports = new Map<FleetServiceName, ServicePorts>();
  const running = new Map<FleetServiceName, { handle: LocalServices; identity: ProcessIdentity }>();

  async function portsFor(service: FleetServiceName): Promise<ServicePorts> {
    let assigned = ports.get(service);
    if (!assigned) {
      const [grpcPort, opsPort] = (await freePorts(2)) as [number, number];
      assigned = { grpcPort, opsPort };
      ports.set(service, assigned);
    }
    return assigned;
  }

  function current(service: FleetServiceName): ProcessIdentity {
    const entry = running.get(service);
    if (!entry) throw new NotRunningError(service);
    return entry.identity;
  }

  return {
    async start(service) {
      const servicePorts = await portsFor(service);
      const handle = await startLocalServices({
        logDir,
        services: [{ name: service, ...servicePorts }],
        env: { ...env, ...envOf(service, servicePorts) },
        readinessTimeoutMs,
      });
      const pid = handle.services[0]?.pid;
      const identity = pid === undefined ? undefined : identifyProcess(pid);
      if (!identity) throw new NotRunningError(service);
      running.set(service, { handle, identity });
    },
    async kill(service) {
      const identity = current(service);
      signalGroup(identity, 'SIGKILL');
      await waitUntilGone(identity, await portsFor(service), 30_000);
      running.delete(service);
      return identity.pid;
    },
    async pause(service, pauseMs) {
      const identity = current(service);
      signalGroup(identity, 'SIGSTOP');
      try {
        await sleep(pauseMs);
      } finally {
        signalGroup(identity, 'SIGCONT');
      }
    },
    portsOf(service) {
      const assigned = ports.get(service);
      if (!assigned) throw new NotRunningError(service);
      return assigned;
    },
    async stopAll() {
      const entries = [...running.values()];
      running.clear();
      await Promise.all(entries.map(({ handle }) => handle.stop()));
    },
  };
}
