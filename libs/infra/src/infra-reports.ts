import type { ServiceName } from './infra-config.js';

/** What a server answered to `up()`. */
export interface ServiceUpResult {
  readonly service: ServiceName;
  /** `restarted`: its PID file named a process that had died. */
  readonly outcome: 'started' | 'restarted' | 'already-running';
  readonly pid: number;
  /** Where it listens, e.g. `127.0.0.1:9092 (controller 9093)`. */
  readonly listen: string;
  /** From spawn to ready; for `already-running`, how long the readiness check took. */
  readonly durationMs: number;
  readonly logFile: string;
}

/** What `down()` did to a server. */
export interface ServiceDownResult {
  readonly service: ServiceName;
  /** `killed`: it ignored SIGTERM; `was-crashed`: only a stale PID file was left to remove. */
  readonly outcome: 'stopped' | 'killed' | 'not-running' | 'was-crashed';
  readonly pid?: number;
  readonly durationMs: number;
}

/** One server as `status()` sees it. */
export interface ServiceStatus {
  readonly service: ServiceName;
  /**
   * `running`: alive and answering; `unresponsive`: alive but not answering;
   * `crashed`: its PID file names a process that is gone; `stopped`: no PID file.
   */
  readonly state: 'running' | 'unresponsive' | 'crashed' | 'stopped';
  readonly pid?: number;
  readonly listen: string;
  readonly logFile: string;
  /** For a server that is not running: its ports held by something else, e.g. "port 6379 (pid 12 redis-server)". */
  readonly portsTaken: readonly string[];
}

/** Progress of `up()`, for a CLI to print as it happens. */
export type InfraEvent =
  | { readonly kind: 'install-started'; readonly step: string }
  | { readonly kind: 'install-finished'; readonly step: string; readonly durationMs: number }
  | { readonly kind: 'crash-detected'; readonly service: ServiceName; readonly pid: number }
  | { readonly kind: 'starting'; readonly service: ServiceName };

/** Receives {@link InfraEvent}s. */
export type InfraEventListener = (event: InfraEvent) => void;

/** Runs one install step between `install-started` and `install-finished` events. */
export async function installStep<T>(onEvent: InfraEventListener, step: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  onEvent({ kind: 'install-started', step });
  const result = await fn();
  onEvent({ kind: 'install-finished', step, durationMs: performance.now() - started });
  return result;
}
