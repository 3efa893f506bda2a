/**
 * Real online features for the benchmark's "features read online" requests:
 * a week of flights (14–21 January 2001) through the aggregation engine, each
 * airport's and route's latest snapshot written to the online store the way
 * the feature pipeline writes them, and the flights that depart right after
 * that week as requests.
 */
import { createAggregationEngine, createOnlineStore, flightFeatureSet, type FeatureRecord, type FeatureSnapshot } from '@tributary/features';
import { departedEvent, readFlights, toFlightEvents } from '@tributary/flights';
import { flightFeatureEvent } from '@tributary/training/testing';
import type { Redis } from 'ioredis';

const replayFromMs = Date.UTC(2001, 0, 14);
/** Requests are the flights departing from here on, after every replayed event. */
export const ONLINE_REQUESTS_FROM_MS = Date.UTC(2001, 0, 21);

/** A flight asked about with its features read online. */
export interface OnlineFlight {
  readonly origin: string;
  readonly destination: string;
  readonly departureTimeMs: number;
  readonly distanceMiles: number;
}

/** Replays the week into the aggregation engine and writes each entity's latest snapshot under `prefix`; returns the entities written. */
export async function loadOnlineFeatures(redis: Redis, prefix: string): Promise<number> {
  const engine = createAggregationEngine({ featureSet: flightFeatureSet });
  const latest = new Map<string, FeatureSnapshot>();
  let batch: FeatureRecord[] = [];
  let offset = 0n;
  const flush = () => {
    for (const snapshot of engine.apply(batch).snapshots) latest.set(`${snapshot.entityType}/${snapshot.entityId}`, snapshot);
    batch = [];
  };
  for await (const event of toFlightEvents(readFlights({ fromMs: replayFromMs, toMs: ONLINE_REQUESTS_FROM_MS }))) {
    if (event.eventTimeMs >= ONLINE_REQUESTS_FROM_MS) continue;
    batch.push({ source: 'bench', offset: offset++, event: flightFeatureEvent(event) });
    if (batch.length >= 50_000) flush();
  }
  flush();
  const store = createOnlineStore({ redis, featureSet: flightFeatureSet, prefix, timeoutMs: 10_000 });
  const snapshots = [...latest.values()];
  for (let i = 0; i < snapshots.length; i += 1_000) await store.write(snapshots.slice(i, i + 1_000));
  return snapshots.length;
}

/** The first `count` flights departing from {@link ONLINE_REQUESTS_FROM_MS}. */
export async function flightsAfterReplay(count: number): Promise<OnlineFlight[]> {
  const flights: OnlineFlight[] = [];
  for await (const flight of readFlights({ fromMs: ONLINE_REQUESTS_FROM_MS, maxFlights: count })) {
    const { origin, destination, departureTimeMs, distanceMiles } = departedEvent(flight);
    flights.push({ origin, destination, departureTimeMs, distanceMiles });
  }
  return flights;
}
