/**
 * @tributary/serving/testing — for tests of the pipeline and of services built
 * on it: a fault injector that makes the primary model slow or failing.
 */
export { createFaultInjector } from './create-fault-injector.js';
