/**
 * @tributary/serving/testing — for tests of the pipeline and of services built
 * on it: a fault injector that makes the primary model slow or failing, and a
 * busy event loop as an overload makes it.
 */
export { blockEventLoop } from './block-event-loop.js';
export { createFaultInjector } from './create-fault-injector.js';
