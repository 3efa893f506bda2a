import { BulkheadFullError } from './errors.js';
import { resilienceMetrics } from './metrics.js';

/** Options of {@link createBulkhead}. */
export interface BulkheadOptions {
  /** Calls allowed to run at once. */
  readonly maxConcurrent: number;
  /** Calls allowed to wait for a slot; more are refused at once. Default: 0 (no queue). */
  readonly maxQueued?: number;
  /** Longest wait for a slot before the call is refused, in ms. Default: no limit. */
  readonly maxQueueWaitMs?: number;
}

/** Limits how many calls run at once so one slow dependency cannot take every resource. */
export interface Bulkhead {
  /** Runs `fn` when a slot is free; refuses with {@link BulkheadFullError} when full. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Calls running now. */
  readonly active: number;
  /** Calls waiting now. */
  readonly queued: number;
}

interface Waiter {
  readonly admit: () => void;
}

/**
 * A bulkhead: at most `maxConcurrent` calls run, at most `maxQueued` wait
 * (first come, first served); the rest are refused with RESOURCE_EXHAUSTED,
 * retryable. Exported as `tributary_bulkhead_active|queued{bulkhead}` and
 * `tributary_bulkhead_rejected_total{bulkhead,reason}`.
 */
export function createBulkhead(name: string, options: BulkheadOptions): Bulkhead {
  const { maxConcurrent, maxQueued = 0, maxQueueWaitMs } = options;
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) throw new RangeError(`maxConcurrent must be an integer ≥ 1, got ${maxConcurrent}`);
  const metrics = resilienceMetrics();
  const queue: Waiter[] = [];
  let active = 0;

  const publish = () => {
    metrics.bulkheadActive.set({ bulkhead: name }, active);
    metrics.bulkheadQueued.set({ bulkhead: name }, queue.length);
  };
  const refuse = (reason: BulkheadFullError['reason']) => {
    metrics.bulkheadRejected.inc({ bulkhead: name, reason });
    return new BulkheadFullError(name, reason);
  };
  const acquire = (): Promise<void> => {
    if (active < maxConcurrent) {
      active++;
      return Promise.resolve();
    }
    if (queue.length >= maxQueued) return Promise.reject(refuse('queue-full'));
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        admit: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      queue.push(waiter);
      if (maxQueueWaitMs !== undefined) {
        timer = setTimeout(() => {
          queue.splice(queue.indexOf(waiter), 1);
          publish();
          reject(refuse('queue-timeout'));
        }, maxQueueWaitMs);
      }
    });
  };
  // A finished call hands its slot straight to the next waiter, so `active` never dips.
  const release = () => {
    const next = queue.shift();
    if (next) next.admit();
    else active--;
    publish();
  };

  return {
    async run(fn) {
      const waiting = acquire();
      publish();
      await waiting;
      try {
        return await fn();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get queued() {
      return queue.length;
    },
  };
}
