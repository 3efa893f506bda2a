import type { FaultInjector } from '../fault-injector.js';

/** A fault injector with every fault off; set its fields to turn them on. */
export function createFaultInjector(): FaultInjector {
  return { primaryDelayMs: 0, primaryFails: false };
}
