import type { ClickHouseClient } from '@clickhouse/client';
import type { FeatureEvent } from '@tributary/features';
import { featureEventOfRow } from './feature-events.js';

/** Options of {@link readRawEvents}. */
export interface ReadRawEventsOptions {
  readonly client: ClickHouseClient;
  readonly database: string;
  /** The raw events table ingestion writes. */
  readonly table: string;
  /** Events before this time are read. */
  readonly untilMs: number;
  readonly batchSize: number;
}

/**
 * The raw events before `untilMs` in event-time order (ties by event id, so
 * the order — which numbers the backfill's offsets — is the same on every
 * run), one row per event (`FINAL` collapses re-ingested copies), streamed in
 * batches. Names are passed as identifier parameters, times as typed ones.
 */
export async function* readRawEvents(options: ReadRawEventsOptions): AsyncGenerator<FeatureEvent[]> {
  const { client, database, table, untilMs, batchSize } = options;
  const result = await client.query({
    query: `SELECT event_id, type, toUnixTimestamp64Milli(event_time), payload
      FROM {database:Identifier}.{table:Identifier} FINAL
      WHERE event_time < fromUnixTimestamp64Milli({until_ms:Int64}, 'UTC')
      ORDER BY event_time, event_id`,
    query_params: { database, table, until_ms: untilMs },
    format: 'JSONCompactEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  let batch: FeatureEvent[] = [];
  for await (const rows of result.stream<[string, string, number, string]>()) {
    for (const row of rows) {
      const [eventId, type, eventTimeMs, payloadJson] = row.json();
      batch.push(featureEventOfRow({ eventId, type, eventTimeMs, payloadJson }));
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/** One past the latest event time in the raw table, or undefined when it is empty. */
export async function endOfRawEvents(client: ClickHouseClient, database: string, table: string): Promise<number | undefined> {
  const result = await client.query({
    query: 'SELECT count() AS n, toUnixTimestamp64Milli(max(event_time)) AS last FROM {database:Identifier}.{table:Identifier}',
    query_params: { database, table },
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  const [row] = await result.json<{ n: number; last: number }>();
  return row && row.n > 0 ? row.last + 1 : undefined;
}
