import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Event } from '@tributary/contracts';
import { RowBinaryWriter } from '@tributary/row-binary';
import { plainIdentifier } from './clickhouse-identifier.js';
import { RawEventStoreError } from './errors.js';
import type { EventSink } from './event-sink.js';
import { payloadJson } from './payload-json.js';

/** Options of {@link createRawEventStore}. */
export interface RawEventStoreOptions {
  /** The caller opens and closes it. */
  readonly client: ClickHouseClient;
  /** Database of the table, created if missing. Default `default`. */
  readonly database?: string;
  /** Default `events_raw`. */
  readonly table?: string;
  /** Most rows in one INSERT; larger batches are split. Default 100000. */
  readonly maxRowsPerInsert?: number;
  /** Most ids in one `findWritten` query (they travel as a URL parameter); more are split. Default 1000. */
  readonly maxIdsPerLookup?: number;
}

/** The ClickHouse raw and audit table of every accepted event. */
export interface RawEventStore extends EventSink {
  /** `database.table`. */
  readonly table: string;
  /** Creates the database and the table if they do not exist; safe to call at every start. */
  ensureSchema(): Promise<void>;
  /** Inserts the events; the table stores their fields, so it needs no protobuf bytes. */
  write(events: readonly Event[]): Promise<void>;
  /** The ids of these events that have a row, found through the sorting key (event time range, then ids). */
  findWritten(events: readonly Event[]): Promise<ReadonlySet<string>>;
}

/** Column order of the rows this store inserts. */
const COLUMNS = ['event_id', 'type', 'entity_id', 'event_time', 'ingest_time', 'payload', 'source'] as const;

/**
 * ReplacingMergeTree on the sorting key (event_time, event_id): writing an
 * event again (a redelivery, a replay after the Redis marks expired) leaves
 * one row once parts merge, and `FINAL` shows one row at once. An event's time
 * is part of its identity here — the same id with another time is another row
 * — which lets the table be partitioned by month and read in time order for
 * backfills. The latest ingest_time wins.
 */
const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS {database:Identifier}.{table:Identifier} (
  event_id String,
  type LowCardinality(String),
  entity_id String,
  event_time DateTime64(3, 'UTC'),
  ingest_time DateTime64(3, 'UTC'),
  payload String COMMENT 'the payload message in the protobuf JSON mapping',
  source LowCardinality(String)
)
ENGINE = ReplacingMergeTree(ingest_time)
PARTITION BY toYYYYMM(event_time)
ORDER BY (event_time, event_id)`;

/** Settings the inserts rely on, pinned rather than taken from the server's defaults. */
const INSERT_SETTINGS = { async_insert: 0 } as const;

/**
 * The ids among `ids` with a row. The time range lets the primary key
 * (event_time, event_id) skip to the batch's granules instead of scanning the
 * table for the ids; merged or not, any row counts.
 */
const FIND_WRITTEN = `
SELECT DISTINCT event_id FROM {database:Identifier}.{table:Identifier}
WHERE event_time BETWEEN fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC') AND fromUnixTimestamp64Milli({toMs:Int64}, 'UTC')
  AND event_id IN {ids:Array(String)}`;

/**
 * The ClickHouse raw-event table as an {@link EventSink}: one synchronous
 * RowBinary INSERT per batch (split at `maxRowsPerInsert`), acknowledged once
 * the rows are in a part. Times are stored as given; the flights' naive local
 * times are therefore read back as if UTC.
 */
export function createRawEventStore(options: RawEventStoreOptions): RawEventStore {
  const { client, maxRowsPerInsert = 100_000, maxIdsPerLookup = 1000 } = options;
  const database = plainIdentifier(options.database ?? 'default');
  const table = `${database}.${plainIdentifier(options.table ?? 'events_raw')}`;
  const params = { database, table: plainIdentifier(options.table ?? 'events_raw') };
  // Both names are plain identifiers (checked above), so they need no quoting here.
  const insertQuery = `INSERT INTO ${table} (${COLUMNS.join(', ')}) FORMAT RowBinary`;

  return {
    name: `clickhouse:${table}`,
    table,

    async ensureSchema() {
      try {
        await client.command({ query: 'CREATE DATABASE IF NOT EXISTS {database:Identifier}', query_params: params });
        await client.command({ query: CREATE_TABLE, query_params: params });
      } catch (cause) {
        throw new RawEventStoreError('create schema', table, cause);
      }
    },

    async write(events) {
      for (let start = 0; start < events.length; start += maxRowsPerInsert) {
        const rows = rowBinary(events.slice(start, start + maxRowsPerInsert));
        try {
          const result = await client.exec({ query: insertQuery, values: Readable.from([rows]), clickhouse_settings: INSERT_SETTINGS });
          await finished(result.stream.resume()); // an INSERT answers with an empty body; read it to free the connection
        } catch (cause) {
          throw new RawEventStoreError('insert', table, cause);
        }
      }
    },

    async findWritten(events) {
      const written = new Set<string>();
      for (let start = 0; start < events.length; start += maxIdsPerLookup) {
        const chunk = events.slice(start, start + maxIdsPerLookup);
        const times = chunk.map(eventTimeMs);
        const query_params = { ...params, fromMs: Math.min(...times), toMs: Math.max(...times), ids: chunk.map((event) => event.eventId) };
        try {
          const result = await client.query({ query: FIND_WRITTEN, query_params, format: 'JSONEachRow' });
          for (const row of await result.json<{ event_id: string }>()) written.add(row.event_id);
        } catch (cause) {
          throw new RawEventStoreError('look up', table, cause);
        }
      }
      return written;
    },
  };
}

/** The event time as stored: ms since the epoch, 0 when unset (which validation never lets through). */
function eventTimeMs(event: Event): number {
  return event.eventTime ? timestampMs(event.eventTime) : 0;
}

/** The events as RowBinary rows in {@link COLUMNS} order. */
function rowBinary(events: readonly Event[]): Buffer {
  const writer = new RowBinaryWriter(1 << 20);
  for (const event of events) {
    writer.string(event.eventId);
    writer.string(event.type);
    writer.string(event.entityId);
    writer.int64(eventTimeMs(event));
    writer.int64(event.ingestTime ? timestampMs(event.ingestTime) : 0);
    writer.string(payloadJson(event));
    writer.string(event.source);
  }
  return writer.take();
}
