import type { ClickHouseClient } from '@clickhouse/client';
import { createRawEventReader } from '@tributary/ingest';
import { LabelSourceError } from './errors.js';
import { lateArrivalLabel, type LabelSource, type LabeledFlights } from './flight-labels.js';

/** Options of {@link createClickHouseLabelSource}. */
export interface ClickHouseLabelSourceOptions {
  /** The caller opens and closes it. */
  readonly client: ClickHouseClient;
  /** Database of the raw events table. Default `tributary`. */
  readonly database?: string;
  /** The table ingestion writes every accepted event to. Default `events_raw`. */
  readonly table?: string;
  /**
   * How long after the window's end the arrival of a departure recorded in it
   * may be recorded, in ms. Default two days: a flight may leave a day after
   * its row (past midnight) and then land up to a day late.
   */
  readonly maxArrivalDelayMs?: number;
}

/**
 * Labels from the raw events ingestion stores in ClickHouse, read through
 * ingestion's own reader of the table (`arrivedFlights` of @tributary/ingest):
 * each `flight.departed` in the window joined by flight key to its
 * `flight.arrived`, which carries the arrival delay. A departure without a
 * recorded arrival has no label yet and is left out; events ingested twice
 * count once. Times are read as stored (the flights' naive local times as if
 * UTC).
 *
 * A row's time is the departure its dataset row records, which the flight key
 * names (`20010115T0030-…`; the event time when a key names no minute), not the
 * departure event's time: a flight that left past midnight has its events a
 * day after its row (see `departedPastMidnight` in @tributary/flights), and
 * taking that later time would choose the row's time — and so its features
 * and attributes — by its own delay, that is by its label. The window selects
 * rows by that recorded time.
 */
export function createClickHouseLabelSource(options: ClickHouseLabelSourceOptions): LabelSource {
  const { client, database = 'tributary', table = 'events_raw', maxArrivalDelayMs } = options;
  const arrivals = maxArrivalDelayMs === undefined ? {} : { maxArrivalDelayMs };
  const rawEvents = createRawEventReader({ client, database, table });

  return {
    async loadLabels(range) {
      const departures: number[] = [];
      const origins: string[] = [];
      const destinations: string[] = [];
      const distances: number[] = [];
      const labels: number[] = [];
      try {
        for await (const flights of rawEvents.arrivedFlights({ fromMs: range.startMs, toMs: range.endMs }, arrivals)) {
          for (const flight of flights) {
            departures.push(flight.rowMs);
            origins.push(flight.origin);
            destinations.push(flight.destination);
            distances.push(flight.distanceMiles);
            labels.push(lateArrivalLabel(flight.arrivalDelayMinutes));
          }
        }
      } catch (error) {
        throw new LabelSourceError(`query of ${rawEvents.table} failed: ${(error as Error).message}`, error);
      }
      const flights: LabeledFlights = {
        rowCount: departures.length,
        departureTimesMs: Float64Array.from(departures),
        labels: Float64Array.from(labels),
        origins,
        destinations,
        distancesMiles: Float64Array.from(distances),
      };
      return flights;
    },
  };
}
