import type { ClickHouseClient } from '@clickhouse/client';
import { createAggregationEngine, createOfflineStore, flightFeatureSet, type FeatureRecord, type OfflineStore } from '@tributary/features';
import { FLIGHT_DEPARTED, readFlights, toEventMessage, toFlightEvents, type Flight, type FlightEvent } from '@tributary/flights';
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
  /** Events written per batch (raw table, aggregation, offline store). Default 100 000. */
  readonly batchSize?: number;
  /** Called after each batch. */
  readonly onProgress?: (progress: { readonly flights: number; readonly events: number; readonly snapshots: number }) => void;
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
 * Streams in batches, so the whole dataset fits (the training benchmark).
 */
export async function writeFlightFixtures(options: FlightFixturesOptions): Promise<FlightFixtures> {
  const { client, database, fromMs, toMs, everyNth = 1, batchSize = 100_000, onProgress } = options;
  const raw = createRawEventStore({ client, database });
  await raw.ensureSchema();
  const offlineStore = createOfflineStore({ client, featureSet: flightFeatureSet, database });
  await offlineStore.ensureSchema();
  const engine = createAggregationEngine({ featureSet: flightFeatureSet });
  const sample = { flights: 0 };
  let events = 0;
  let snapshots = 0;
  let batch: FlightEvent[] = [];
  const flush = async () => {
    const records: FeatureRecord[] = batch.map((event, i) => ({ source: 'fixture', offset: BigInt(events + i), event: flightFeatureEvent(event) }));
    const written = engine.apply(records).snapshots;
    // Both stores in parallel: the raw table and the offline store are independent.
    await Promise.all([raw.write(batch.map((event) => toEventMessage(event))), offlineStore.write(written)]);
    events += batch.length;
    snapshots += written.length;
    batch = [];
    onProgress?.({ flights: sample.flights, events, snapshots });
  };
  for await (const event of toFlightEvents(everyNthFlight(readFlights({ fromMs, toMs }), everyNth, sample))) {
    batch.push(event);
    if (batch.length >= batchSize) await flush();
  }
  if (batch.length > 0) await flush();
  const sealed = engine.seal(toMs + 2 * 86_400_000);
  await offlineStore.write(sealed);
  return { flights: sample.flights, snapshots: snapshots + sealed.length, offlineStore };
}

/** Every n-th flight of a stream, counting those kept. */
async function* everyNthFlight(flights: AsyncIterable<Flight>, n: number, kept: { flights: number }): AsyncGenerator<Flight> {
  let index = 0;
  for await (const flight of flights) {
    if (index++ % n !== 0) continue;
    kept.flights++;
    yield flight;
  }
}

/** A flight event as the aggregation engine reads it (the fields the flight features use). */
export function flightFeatureEvent(event: FlightEvent): FeatureRecord['event'] {
  const common = { origin: event.origin, destination: event.destination };
  return {
    id: event.eventId,
    type: event.type,
    timeMs: event.eventTimeMs,
    fields: event.type === FLIGHT_DEPARTED ? { ...common, distanceMiles: event.distanceMiles } : { ...common, arrivalDelayMinutes: event.arrivalDelayMinutes },
  };
}
