import type { ClickHouseClient } from '@clickhouse/client';
import { FLIGHT_DEPARTED } from '@tributary/flights';
import { MIDNIGHT_SLIP_MS } from '@tributary/flights';
import { checkWindow, formatWindow, type Departure, type DepartureSource, type DepartureWindow } from './departure-source.js';
import { ScoringStoreError } from './errors.js';

/** Options of {@link createClickHouseDepartureSource}. */
export interface ClickHouseDepartureSourceOptions {
  /** The caller opens and closes it. */
  readonly client: ClickHouseClient;
  /** Database of the raw events. Default `tributary`. */
  readonly database?: string;
  /** The table ingestion writes every accepted event to. Default `events_raw`. */
  readonly table?: string;
  readonly window: DepartureWindow;
}

/**
 * The `flight.departed` events ingestion stored, one row per event id, in the
 * window by the departure their dataset row records — the flight key's minute,
 * the trainer's label time (see the training lib's label source): a flight that
 * left past midnight has its event a day later, but its row, features and
 * attributes keep the recorded time. Ordered by that time, then event id.
 */
export function createClickHouseDepartureSource(options: ClickHouseDepartureSourceOptions): DepartureSource {
  const { client, database = 'tributary', table = 'events_raw', window } = options;
  checkWindow(window);
  const description = `${database}.${table} ${formatWindow(window)}`;
  const departures = `
    SELECT event_id, row_ms, origin, destination, distance FROM (
      SELECT
        event_id,
        any(JSONExtractString(payload, 'flightKey')) AS flight_key,
        coalesce(
          toInt64(toUnixTimestamp(parseDateTimeOrNull(substring(flight_key, 1, 13), '%Y%m%dT%H%i', 'UTC'))) * 1000,
          toUnixTimestamp64Milli(min(event_time))
        ) AS row_ms,
        any(JSONExtractString(payload, 'origin')) AS origin,
        any(JSONExtractString(payload, 'destination')) AS destination,
        any(JSONExtractInt(payload, 'distanceMiles')) AS distance
      FROM {database:Identifier}.{table:Identifier}
      WHERE type = {departed:String}
        AND event_time >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC')
        AND event_time < fromUnixTimestamp64Milli({events_to_ms:Int64}, 'UTC')
      GROUP BY event_id
    )
    WHERE row_ms >= {from_ms:Int64} AND row_ms < {to_ms:Int64}`;
  const query_params = {
    database,
    table,
    departed: FLIGHT_DEPARTED,
    from_ms: window.fromMs,
    to_ms: window.toMs,
    // A row in the window has its event at most a day after the row's time (past midnight).
    events_to_ms: window.toMs + MIDNIGHT_SLIP_MS,
  };

  return {
    description,
    async identity() {
      return `clickhouse:${description}`;
    },
    async count() {
      try {
        const result = await client.query({ query: `SELECT count() FROM (${departures})`, query_params, format: 'TabSeparated' });
        return Number((await result.text()).trim());
      } catch (error) {
        throw new ScoringStoreError(`counting the departures of ${description}`, error);
      }
    },
    async *departures() {
      let stream;
      try {
        stream = (await client.query({ query: `${departures} ORDER BY row_ms, event_id`, query_params, format: 'TabSeparated' })).stream();
      } catch (error) {
        throw new ScoringStoreError(`reading the departures of ${description}`, error);
      }
      for await (const rows of stream) {
        const page: Departure[] = [];
        for (const row of rows) {
          const [eventId, time, origin, destination, distance] = row.text.split('\t');
          page.push({
            eventId: eventId ?? '',
            flight: { departureTimeMs: Number(time), origin: origin ?? '', destination: destination ?? '', distanceMiles: Number(distance) },
          });
        }
        yield page;
      }
    },
  };
}
