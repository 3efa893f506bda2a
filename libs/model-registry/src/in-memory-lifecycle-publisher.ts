import type { LifecyclePublisher } from './lifecycle-publisher.js';
import type { LifecycleEvent } from './model-version.js';

/** A {@link LifecyclePublisher} that keeps what it is given, and can be told to fail. */
export interface InMemoryLifecyclePublisher extends LifecyclePublisher {
  /** Every event published, in order. */
  readonly published: readonly LifecycleEvent[];
  /** Makes the next `times` publish calls throw `reason` without keeping anything. */
  failNext(times: number, reason?: Error): void;
}

/** Creates an empty {@link InMemoryLifecyclePublisher}. */
export function createInMemoryLifecyclePublisher(): InMemoryLifecyclePublisher {
  const published: LifecycleEvent[] = [];
  let failures = 0;
  let failure = new Error('publisher told to fail');
  return {
    published,
    failNext(times, reason) {
      failures = times;
      if (reason) failure = reason;
    },
    async publish(events) {
      if (failures > 0) {
        failures--;
        throw failure;
      }
      published.push(...events);
    },
  };
}
