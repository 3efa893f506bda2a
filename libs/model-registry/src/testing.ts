/**
 * @tributary/model-registry/testing — honest doubles for code that uses the
 * registry's interfaces where the real thing is not what is being tested.
 */
export { createInMemoryLifecyclePublisher, type InMemoryLifecyclePublisher } from './in-memory-lifecycle-publisher.js';
