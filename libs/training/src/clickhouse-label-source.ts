import type { ClickHouseClient } from '@clickhouse/client';
import { FLIGHT_ARRIVED, FLIGHT_DEPARTED } from '@tributary/flights';
import { MIDNIGHT_SLIP_MS } from '@tributary/flights';
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
 * Labels from the raw events ingestion stores in ClickHouse: each
 * `flight.departed` in the window joined by flight key to its
 * `flight.arrived`, which carries the arrival delay. A departure without a
 * recorded arrival has no label yet and is left out. `FINAL` and the grouped
 * arrivals collapse events ingested twice. Times are read as stored (the
 * flights' naive local times as if UTC).
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
  const { client, database = 'tributary', table = 'events_raw', maxArrivalDelayMs = 2 * MIDNIGHT_SLIP_MS } = options;
  const query = `
    SELECT d.row_ms, d.origin, d.destination, d.distance, a.delay
    FROM (
      SELECT
        JSONExtractString(payload, 'flightKey') AS flight_key,
        coalesce(
          toInt64(toUnixTimestamp(parseDateTimeOrNull(substring(flight_key, 1, 13), '%Y%m%dT%H%i', 'UTC'))) * 1000,
          toUnixTimestamp64Milli(event_time)
        ) AS row_ms,
        JSONExtractString(payload, 'origin') AS origin,
        JSONExtractString(payload, 'destination') AS destination,
        JSONExtractInt(payload, 'distanceMiles') AS distance
      FROM {database:Identifier}.{table:Identifier} FINAL
      WHERE type = {departed:String}
        AND event_time >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC')
        AND event_time < fromUnixTimestamp64Milli({departures_to_ms:Int64}, 'UTC')
        AND row_ms >= {from_ms:Int64}
        AND row_ms < {to_ms:Int64}
    ) AS d
    INNER JOIN (
      SELECT JSONExtractString(payload, 'flightKey') AS flight_key, any(JSONExtractInt(payload, 'arrivalDelayMinutes')) AS delay
      FROM {database:Identifier}.{table:Identifier}
      WHERE type = {arrived:String}
        AND event_time >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC')
        AND event_time < fromUnixTimestamp64Milli({arrivals_to_ms:Int64}, 'UTC')
      GROUP BY flight_key
    ) AS a ON d.flight_key = a.flight_key
    ORDER BY d.row_ms, d.flight_key`;

  return {
    async loadLabels(range) {
      const departures: number[] = [];
      const origins: string[] = [];
      const destinations: string[] = [];
      const distances: number[] = [];
      const labels: number[] = [];
      try {
        const result = await client.query({
          query,
          format: 'TabSeparated',
          query_params: {
            database,
            table,
            departed: FLIGHT_DEPARTED,
            arrived: FLIGHT_ARRIVED,
            from_ms: range.startMs,
            to_ms: range.endMs,
            // A departure recorded in the window happens at most a day after its row (past midnight).
            departures_to_ms: range.endMs + MIDNIGHT_SLIP_MS,
            arrivals_to_ms: range.endMs + maxArrivalDelayMs,
          },
        });
        for await (const rows of result.stream()) {
          for (const row of rows) {
            const [time, origin, destination, distance, delay] = row.text.split('\t');
            departures.push(Number(time));
            origins.push(origin ?? '');
            destinations.push(destination ?? '');
            distances.push(Number(distance));
            labels.push(lateArrivalLabel(Number(delay)));
          }
        }
      } catch (error) {
        throw new LabelSourceError(`query of ${database}.${table} failed: ${(error as Error).message}`, error);
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
