/**
 * @tributary/model-registry/testing — for tests of code that uses the
 * registry: an honest in-memory lifecycle publisher, and a real registry on
 * keys and an artifact directory of its own.
 */
export { createInMemoryLifecyclePublisher, type InMemoryLifecyclePublisher } from './in-memory-lifecycle-publisher.js';
export { createTestRegistry, type TestRegistry, type TestRegistryOptions } from './test-registry.js';
