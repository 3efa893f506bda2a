import type { ClickHouseClient } from '@clickhouse/client';
import { FLIGHT_ARRIVED, FLIGHT_DEPARTED, MIDNIGHT_SLIP_MS } from '@tributary/flights';
import { plainIdentifier } from './clickhouse-identifier.js';
import { RawEventStoreError } from './errors.js';

/** Options of {@link createRawEventReader}. */
export interface RawEventReaderOptions {
  /** The caller opens and closes it. */
  readonly client: ClickHouseClient;
  /** Database of the table. Default `default`, as {@link createRawEventStore}'s. */
  readonly database?: string;
  /** Default `events_raw`. */
  readonly table?: string;
}

/** A row of the raw events table: the payload in the protobuf JSON mapping, as the store writes it. */
export interface RawEventRow {
  readonly eventId: string;
  readonly type: string;
  readonly eventTimeMs: number;
  readonly payloadJson: string;
}

/** A half-open time range `[fromMs, toMs)`, in ms since the epoch. */
export interface RawEventWindow {
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * A flight as its dataset row records it: `rowMs` is the departure the flight
 * key names (`20010115T0030-…`; the event time when a key names no minute), not
 * the departure event's time — a flight that left past midnight has its events
 * a day after its row (see `departedPastMidnight` in @tributary/flights).
 */
export interface RecordedFlight {
  readonly rowMs: number;
  readonly origin: string;
  readonly destination: string;
  readonly distanceMiles: number;
}

/** A recorded departure and the id of its `flight.departed` event. */
export interface RecordedDeparture extends RecordedFlight {
  readonly eventId: string;
}

/** A recorded departure joined with the arrival delay its `flight.arrived` event carries. */
export interface ArrivedFlight extends RecordedFlight {
  readonly arrivalDelayMinutes: number;
}

/** Options of {@link RawEventReader.arrivedFlights}. */
export interface ArrivedFlightsOptions {
  /**
   * How long after the window's end the arrival of a departure recorded in it
   * may be recorded, in ms. Default two days: a flight may leave a day after
   * its row (past midnight) and then land up to a day late.
   */
  readonly maxArrivalDelayMs?: number;
}

/**
 * Every read of the raw events table, beside the store that writes it (and
 * knows its layout: sorting key, ReplacingMergeTree copies, payload JSON).
 * The feature pipeline's backfill, the trainer's labels and batch scoring's
 * departures read it here rather than with queries of their own. Streams are
 * paged by the client; errors are {@link RawEventStoreError}s.
 */
export interface RawEventReader {
  /** `database.table`. */
  readonly table: string;
  /** One past the latest event time, or undefined when the table is empty. */
  endTimeMs(): Promise<number | undefined>;
  /**
   * The events before `untilMs` in event-time order (ties by event id, so the
   * order is the same on every run), one row per event (`FINAL` collapses
   * re-ingested copies), in batches of `batchSize`.
   */
  events(options: { readonly untilMs: number; readonly batchSize: number }): AsyncGenerator<RawEventRow[]>;
  /** How many recorded departures (one per event id) fall in the window by their row time. */
  countDepartures(window: RawEventWindow): Promise<number>;
  /** The recorded departures of the window by their row time, one per event id, ordered by row time then event id, in pages. */
  departures(window: RawEventWindow): AsyncGenerator<RecordedDeparture[]>;
  /**
   * The departures recorded in the window joined by flight key to their
   * arrival; a departure without a recorded arrival is left out. Ordered by
   * row time, then flight key; copies ingested twice count once.
   */
  arrivedFlights(window: RawEventWindow, options?: ArrivedFlightsOptions): AsyncGenerator<ArrivedFlight[]>;
}

/** The row time of a departure: the flight key's minute, else the given event time expression. */
const rowMsOf = (eventTime: string) => `coalesce(
  toInt64(toUnixTimestamp(parseDateTimeOrNull(substring(flight_key, 1, 13), '%Y%m%dT%H%i', 'UTC'))) * 1000,
  toUnixTimestamp64Milli(${eventTime})
)`;

const EVENTS = `SELECT event_id, type, toUnixTimestamp64Milli(event_time), payload
  FROM {database:Identifier}.{table:Identifier} FINAL
  WHERE event_time < fromUnixTimestamp64Milli({until_ms:Int64}, 'UTC')
  ORDER BY event_time, event_id`;

const END_TIME = 'SELECT count() AS n, toUnixTimestamp64Milli(max(event_time)) AS last FROM {database:Identifier}.{table:Identifier}';

/** One row per departure event id; a row in the window has its event at most a day after the row's time (past midnight). */
const DEPARTURES = `
  SELECT event_id, row_ms, origin, destination, distance FROM (
    SELECT
      event_id,
      any(JSONExtractString(payload, 'flightKey')) AS flight_key,
      ${rowMsOf('min(event_time)')} AS row_ms,
      any(JSONExtractString(payload, 'origin')) AS origin,
      any(JSONExtractString(payload, 'destination')) AS destination,
      any(JSONExtractInt(payload, 'distanceMiles')) AS distance
    FROM {database:Identifier}.{table:Identifier}
    WHERE type = {departed:String}
      AND event_time >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC')
      AND event_time < fromUnixTimestamp64Milli({departures_to_ms:Int64}, 'UTC')
    GROUP BY event_id
  )
  WHERE row_ms >= {from_ms:Int64} AND row_ms < {to_ms:Int64}`;

const ARRIVED_FLIGHTS = `
  SELECT d.row_ms, d.origin, d.destination, d.distance, a.delay
  FROM (
    SELECT
      JSONExtractString(payload, 'flightKey') AS flight_key,
      ${rowMsOf('event_time')} AS row_ms,
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

/** Creates the {@link RawEventReader} of one raw events table. */
export function createRawEventReader(options: RawEventReaderOptions): RawEventReader {
  const { client } = options;
  const database = plainIdentifier(options.database ?? 'default');
  const tableName = plainIdentifier(options.table ?? 'events_raw');
  const table = `${database}.${tableName}`;
  const names = { database, table: tableName };
  const fail = (cause: unknown) => new RawEventStoreError('read', table, cause);

  /** The TabSeparated rows of a query, page by page, each split into its columns. */
  async function* pages(query: string, query_params: Record<string, unknown>): AsyncGenerator<string[][]> {
    let stream;
    try {
      stream = (await client.query({ query, query_params: { ...names, ...query_params }, format: 'TabSeparated' })).stream();
    } catch (cause) {
      throw fail(cause);
    }
    try {
      for await (const rows of stream) yield rows.map((row) => row.text.split('\t'));
    } catch (cause) {
      throw fail(cause);
    }
  }

  const departureParams = (window: RawEventWindow) => ({
    departed: FLIGHT_DEPARTED,
    from_ms: window.fromMs,
    to_ms: window.toMs,
    departures_to_ms: window.toMs + MIDNIGHT_SLIP_MS,
  });

  return {
    table,

    async endTimeMs() {
      try {
        const result = await client.query({ query: END_TIME, query_params: names, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
        const [row] = await result.json<{ n: number; last: number }>();
        return row && row.n > 0 ? row.last + 1 : undefined;
      } catch (cause) {
        throw fail(cause);
      }
    },

    async *events({ untilMs, batchSize }) {
      let stream;
      try {
        const result = await client.query({
          query: EVENTS,
          query_params: { ...names, until_ms: untilMs },
          format: 'JSONCompactEachRow',
          clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
        });
        stream = result.stream<[string, string, number, string]>();
      } catch (cause) {
        throw fail(cause);
      }
      let batch: RawEventRow[] = [];
      try {
        for await (const rows of stream) {
          for (const row of rows) {
            const [eventId, type, eventTimeMs, payloadJson] = row.json();
            batch.push({ eventId, type, eventTimeMs, payloadJson });
            if (batch.length >= batchSize) {
              yield batch;
              batch = [];
            }
          }
        }
      } catch (cause) {
        throw fail(cause);
      }
      if (batch.length > 0) yield batch;
    },

    async countDepartures(window) {
      try {
        const result = await client.query({ query: `SELECT count() FROM (${DEPARTURES})`, query_params: { ...names, ...departureParams(window) }, format: 'TabSeparated' });
        return Number((await result.text()).trim());
      } catch (cause) {
        throw fail(cause);
      }
    },

    async *departures(window) {
      for await (const rows of pages(`${DEPARTURES} ORDER BY row_ms, event_id`, departureParams(window))) {
        yield rows.map(([eventId, rowMs, origin, destination, distance]) => ({
          eventId: eventId ?? '',
          rowMs: Number(rowMs),
          origin: origin ?? '',
          destination: destination ?? '',
          distanceMiles: Number(distance),
        }));
      }
    },

    async *arrivedFlights(window, { maxArrivalDelayMs = 2 * MIDNIGHT_SLIP_MS } = {}) {
      const params = { ...departureParams(window), arrived: FLIGHT_ARRIVED, arrivals_to_ms: window.toMs + maxArrivalDelayMs };
      for await (const rows of pages(ARRIVED_FLIGHTS, params)) {
        yield rows.map(([rowMs, origin, destination, distance, delay]) => ({
          rowMs: Number(rowMs),
          origin: origin ?? '',
          destination: destination ?? '',
          distanceMiles: Number(distance),
          arrivalDelayMinutes: Number(delay),
        }));
      }
    },
  };
}
