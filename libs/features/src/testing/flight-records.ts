/**
 * Generated flight events for tests: deterministic (seeded), in event-time
 * order, spread over sources like topic partitions. Each flight is a departure
 * and an arrival 40 min + distance/7 min later carrying the arrival delay,
 * as the dataset replay produces them.
 */
import { createRandom } from '@tributary/seeded-random';
import { FLIGHT_ARRIVED, FLIGHT_DEPARTED, type FeatureEvent, type FeatureRecord } from '../index.js';

/** Options of {@link generateFlightRecords}. */
export interface GeneratedFlightsOptions {
  readonly flights: number;
  /** First departure, ms. */
  readonly startMs: number;
  /** Departures are spread evenly over this span, whole minutes. */
  readonly spanMs: number;
  /** Default 4. */
  readonly airports?: readonly string[];
  /** Number of sources (partitions) `p0…`, assigned by flight. Default 2. */
  readonly sources?: number;
  /** Default 1. */
  readonly seed?: number;
}

/** Flight events in event-time order with per-source offsets. */
export function generateFlightRecords(options: GeneratedFlightsOptions): FeatureRecord[] {
  const { flights, startMs, spanMs, airports = ['ORD', 'LAX', 'JFK', 'SFO'], sources = 2, seed = 1 } = options;
  const random = createRandom(seed);
  const events: { event: FeatureEvent; source: string }[] = [];
  for (let f = 0; f < flights; f++) {
    const origin = airports[Math.floor(random() * airports.length)] as string;
    let destination = airports[Math.floor(random() * airports.length)] as string;
    if (destination === origin) destination = airports[(airports.indexOf(origin) + 1) % airports.length] as string;
    const departureMs = startMs + Math.floor((f / flights) * (spanMs / 60_000)) * 60_000;
    const distanceMiles = 200 + Math.floor(random() * 2000);
    const arrivalDelayMinutes = Math.floor(random() * 80) - 20;
    const arrivalMs = departureMs + Math.round((40 + distanceMiles / 7) * 60_000);
    const source = `p${f % sources}`;
    events.push(
      { source, event: { id: `dep-${f}`, type: FLIGHT_DEPARTED, timeMs: departureMs, fields: { origin, destination, distanceMiles } } },
      { source, event: { id: `arr-${f}`, type: FLIGHT_ARRIVED, timeMs: arrivalMs, fields: { origin, destination, arrivalDelayMinutes } } },
    );
  }
  events.sort((a, b) => a.event.timeMs - b.event.timeMs);
  const offsets = new Map<string, bigint>();
  return events.map(({ source, event }) => {
    const offset = offsets.get(source) ?? 0n;
    offsets.set(source, offset + 1n);
    return { source, offset, event };
  });
}

/** Splits records into consecutive batches of `size`. */
export function batchesOf<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}
