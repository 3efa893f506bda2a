/**
 * Faults a test turns on to watch the fallback chain work: a slow or failing
 * primary model. Made only by `createFaultInjector()` of
 * `@tributary/serving/testing`; services never pass one.
 */
export interface FaultInjector {
  /** Extra time each primary model run takes, in ms. */
  primaryDelayMs: number;
  /** Whether primary model runs fail. */
  primaryFails: boolean;
}
