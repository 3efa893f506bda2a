import type { ModelChange } from './model-version.js';

/**
 * Where lifecycle events go: the `model.lifecycle` topic in the service, a
 * list in tests. The registry hands over changes in the order they happened
 * and calls again with the same changes if a call fails, so delivery is at
 * least once; `ModelChange.id` (with the model name) identifies duplicates.
 */
export interface LifecyclePublisher {
  /** Publishes the changes in order; resolves once they are durable, throws if any may not be. */
  publish(changes: readonly ModelChange[]): Promise<void>;
}
