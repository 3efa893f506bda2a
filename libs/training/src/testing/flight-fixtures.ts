import type { ClickHouseClient } from '@clickhouse/client';
import { createAggregationEngine, createOfflineStore, flightFeatureSet, type FeatureRecord, type FeatureSnapshot, type OfflineStore } from '@tributary/features';
import { readFlights, toEventMessage, toFlightEvents, type Flight, type FlightEvent } from '@tributary/flights';
import { createRawEventStore } from '@tributary/ingest';

/** Options of {@link writeFlightFixtures}. */
export interface FlightFixturesOptions {
  readonly client: ClickHouseClient;
  /** A database of the test's own; created if missing. The caller drops it. */
  readonly database: string;
  /** Departures from (naive local time as if UTC, ms), inclusive. */
  readonly fromMs: number;
  /** Departures before this. */
  readonly toMs: number;
  /** Keep every n-th flight of the dataset, for a small yet spread-out slice. Default 1 (all). */
  readonly everyNth?: number;
}

/** What {@link writeFlightFixtures} wrote. */
export interface FlightFixtures {
  readonly flights: number;
  readonly snapshots: number;
  readonly offlineStore: OfflineStore<typeof flightFeatureSet.features>;
}

/**
 * Puts a slice of the real flights dataset where the trainer reads it, the
 * way the data plane would: every departure and arrival into the raw events
 * table (through ingestion's own store), and the feature snapshots the
 * aggregation engine computes from those events into the offline store.
 */
export async function writeFlightFixtures(options: FlightFixturesOptions): Promise<FlightFixtures> {
  const { client, database, fromMs, toMs, everyNth = 1 } = options;
  const sample: Flight[] = [];
  let index = 0;
  for await (const flight of readFlights({ fromMs, toMs })) if (index++ % everyNth === 0) sample.push(flight);
  const events: FlightEvent[] = [];
  for await (const event of toFlightEvents(fromArray(sample))) events.push(event);

  const raw = createRawEventStore({ client, database });
  await raw.ensureSchema();
  await raw.write(events.map((event) => toEventMessage(event)));

  const offlineStore = createOfflineStore({ client, featureSet: flightFeatureSet, database });
  await offlineStore.ensureSchema();
  const engine = createAggregationEngine({ featureSet: flightFeatureSet });
  const records: FeatureRecord[] = events.map((event, i) => ({ source: 'fixture', offset: BigInt(i), event: featureEvent(event) }));
  const snapshots: FeatureSnapshot[] = [...engine.apply(records).snapshots, ...engine.seal(toMs + 2 * 86_400_000)];
  await offlineStore.write(snapshots);
  return { flights: sample.length, snapshots: snapshots.length, offlineStore };
}

function featureEvent(event: FlightEvent): FeatureRecord['event'] {
  const common = { origin: event.origin, destination: event.destination };
  return {
    id: event.eventId,
    type: event.type,
    timeMs: event.eventTimeMs,
    fields: event.type === 'flight.departed' ? { ...common, distanceMiles: event.distanceMiles } : { ...common, arrivalDelayMinutes: event.arrivalDelayMinutes },
  };
}

async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}
