import type { ClickHouseClient } from '@clickhouse/client';
import { FLIGHT_ARRIVED, FLIGHT_DEPARTED } from '@tributary/features';
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
  /** How long after its departure a flight's arrival may be recorded, in ms. Default one day. */
  readonly maxArrivalDelayMs?: number;
}

/**
 * Labels from the raw events ingestion stores in ClickHouse: each
 * `flight.departed` in the window joined by flight key to its
 * `flight.arrived`, which carries the arrival delay. A departure without a
 * recorded arrival has no label yet and is left out. `FINAL` and the grouped
 * arrivals collapse events ingested twice. Times are read as stored (the
 * flights' naive local times as if UTC).
 */
export function createClickHouseLabelSource(options: ClickHouseLabelSourceOptions): LabelSource {
  const { client, database = 'tributary', table = 'events_raw', maxArrivalDelayMs = 24 * 3_600_000 } = options;
  const query = `
    SELECT toUnixTimestamp64Milli(d.event_time), d.origin, d.destination, d.distance, a.delay
    FROM (
      SELECT event_time,
        JSONExtractString(payload, 'flightKey') AS flight_key,
        JSONExtractString(payload, 'origin') AS origin,
        JSONExtractString(payload, 'destination') AS destination,
        JSONExtractInt(payload, 'distanceMiles') AS distance
      FROM {database:Identifier}.{table:Identifier} FINAL
      WHERE type = {departed:String}
        AND event_time >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC')
        AND event_time < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
    ) AS d
    INNER JOIN (
      SELECT JSONExtractString(payload, 'flightKey') AS flight_key, any(JSONExtractInt(payload, 'arrivalDelayMinutes')) AS delay
      FROM {database:Identifier}.{table:Identifier}
      WHERE type = {arrived:String}
        AND event_time >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC')
        AND event_time < fromUnixTimestamp64Milli({arrivals_to_ms:Int64}, 'UTC')
      GROUP BY flight_key
    ) AS a ON d.flight_key = a.flight_key
    ORDER BY d.event_time, d.flight_key`;

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
