import { uuidV5 } from './uuid-v5.js';

/** Namespace of flight event ids: a random UUID fixed once for Tributary. */
export const FLIGHT_EVENTS_NAMESPACE = '6f1c29a4-b0e3-4d3c-9a8e-51f7d2c3b4a5';

/**
 * The id of a flight's event: a version 5 UUID of `<type>/<flightKey>`.
 * Replaying the dataset yields the same ids, which is what lets ingestion
 * drop a replayed or re-delivered event as a duplicate.
 */
export function flightEventId(type: string, flightKey: string): string {
  return uuidV5(FLIGHT_EVENTS_NAMESPACE, `${type}/${flightKey}`);
}
