import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/** Options of {@link createLoopDelayMonitor}. */
export interface LoopDelayMonitorOptions {
  /** How often the event loop is sampled, in ms. Default 10. */
  readonly intervalMs?: number;
  /** Share of a sampling interval the loop must have been working (not waiting for events) for its lateness to count. Default 0.9. */
  readonly busyShare?: number;
}

/** How far behind its own work the event loop runs: what a request arriving now waits before it is even read. */
export interface LoopDelayMonitor {
  /**
   * How late a timer ran lately while the loop was busy, in ms: the smaller of
   * the last two samples, so that one long task (a model's metadata parsed, a GC
   * pause) is not taken for a backlog, while a loop that stays behind is seen
   * within two samples. A loop that ran late while idle (waiting for a CPU that
   * other processes hold) counts 0: it is not behind on its own work, and
   * shedding would not help it.
   */
  readonly delayMs: number;
  /** Stops sampling. Idempotent. */
  close(): void;
}

/**
 * Samples the event loop's delay and utilization with a timer (unref'd, so it
 * never keeps the process alive). When the loop is the bottleneck, requests
 * wait in socket buffers before any handler sees them, so no queue the service
 * keeps can tell how late they are; the loop's delay can.
 */
export function createLoopDelayMonitor(options: LoopDelayMonitorOptions = {}): LoopDelayMonitor {
  const intervalMs = options.intervalMs ?? 10;
  const busyShare = options.busyShare ?? 0.9;
  let last = 0;
  let previous = 0;
  let expectedAt = performance.now() + intervalMs;
  let utilization: EventLoopUtilization = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.now();
    const current = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(current, utilization).utilization >= busyShare;
    utilization = current;
    previous = last;
    last = busy ? Math.max(0, now - expectedAt) : 0;
    expectedAt = now + intervalMs;
  }, intervalMs);
  timer.unref();
  return {
    get delayMs() {
      return Math.min(last, previous);
    },
    close: () => clearInterval(timer),
  };
}
