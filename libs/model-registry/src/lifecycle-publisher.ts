import type { LifecycleEvent } from './model-version.js';

/**
 * Where lifecycle events go: the `model.lifecycle` topic in the service, a
 * list in tests. The registry hands over events in the order the changes
 * happened and calls again with the same events if a call fails, so delivery
 * is at least once; model name and `change.sequence` identify duplicates.
 */
export interface LifecyclePublisher {
  /** Publishes the events in order; resolves once they are durable, throws if any may not be. */
  publish(events: readonly LifecycleEvent[]): Promise<void>;
}
