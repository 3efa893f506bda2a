import { EventEmitter, on } from 'node:events';
import { HealthCheckResponse_ServingStatus as ServingStatus } from '@tributary/contracts';

/** Whether a service takes calls, as grpc.health.v1 reports it. */
export type HealthState = 'SERVING' | 'NOT_SERVING';

/** Sets and reads the health a server reports; `""` is the server as a whole. */
export interface HealthReporter {
  /** Sets the status of a service (fully qualified name) or, with `""`, of the whole server. */
  setStatus(service: string, state: HealthState): void;
  /** The status of a service; undefined if it was never set. */
  getStatus(service: string): HealthState | undefined;
}

/**
 * The statuses behind grpc.health.v1: set by the server and its owner, read by
 * Check, followed by Watch. Closing it marks everything NOT_SERVING and ends
 * the watches, so a shutting-down server is not held open by its probes.
 */
export class HealthRegistry implements HealthReporter {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly changes = new EventEmitter().setMaxListeners(0);
  private readonly closed = new AbortController();

  setStatus(service: string, state: HealthState): void {
    const status = ServingStatus[state];
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    this.changes.emit(eventName(service), status);
  }

  getStatus(service: string): HealthState | undefined {
    const status = this.statuses.get(service);
    return status === undefined ? undefined : status === ServingStatus.SERVING ? 'SERVING' : 'NOT_SERVING';
  }

  /** The protocol status of a service; undefined if unknown. */
  check(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /**
   * The current status of a service (SERVICE_UNKNOWN if unknown), then each
   * change, until `signal` aborts or the registry closes.
   */
  async *watch(service: string, signal: AbortSignal): AsyncGenerator<ServingStatus> {
    const stop = AbortSignal.any([signal, this.closed.signal]);
    // Listen before reading the current status so that no change falls in between.
    const changes = on(this.changes, eventName(service), { signal: stop });
    let last = this.statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
    yield last;
    try {
      for await (const [status] of changes as AsyncIterable<[ServingStatus]>) {
        if (status === last) continue;
        last = status;
        yield status;
      }
    } catch (error) {
      if (!stop.aborted) throw error;
    }
  }

  /** Marks every service NOT_SERVING and ends all watches. Idempotent. */
  close(): void {
    for (const service of this.statuses.keys()) this.setStatus(service, 'NOT_SERVING');
    this.closed.abort();
  }
}

function eventName(service: string): string {
  return `status:${service}`;
}
