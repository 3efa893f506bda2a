/** Invariant: every published event id is in `events_raw` exactly once, merged (FINAL) or not. */
import type { ClickHouseClient } from '@clickhouse/client';

/** What `events_raw` holds against the ids that were published. */
export interface RawEventsCheck {
  /** Published ids with no row. */
  readonly lost: number;
  /** Rows beyond the first of each id, before merging: copies written more than once. */
  readonly duplicated: number;
  /** Rows `FINAL` shows beyond one per id (same id under another event time). */
  readonly duplicatedFinal: number;
  /** Ids in the table that were never published. */
  readonly unexpected: number;
  readonly rows: number;
  readonly rowsFinal: number;
}

/** Rows of each event id in the raw events table of `database`, before merging. */
export async function storedEventIds(client: ClickHouseClient, database: string): Promise<Map<string, number>> {
  const copies = await client.query({
    query: 'SELECT event_id, count() AS copies FROM {database:Identifier}.events_raw GROUP BY event_id',
    query_params: { database },
    format: 'JSONEachRow',
  });
  return new Map((await copies.json<{ event_id: string; copies: string }>()).map((row) => [row.event_id, Number(row.copies)]));
}

/** Compares the raw events table of `database` with `expectedIds`. */
export async function checkRawEvents(client: ClickHouseClient, database: string, expectedIds: ReadonlySet<string>): Promise<RawEventsCheck> {
  const rowsById = await storedEventIds(client, database);
  const totals = await client.query({
    query: 'SELECT (SELECT count() FROM {database:Identifier}.events_raw) AS rows, (SELECT count() FROM {database:Identifier}.events_raw FINAL) AS rows_final',
    query_params: { database },
    format: 'JSONEachRow',
  });
  const [total] = await totals.json<{ rows: string; rows_final: string }>();
  const rows = Number(total?.rows ?? 0);
  const rowsFinal = Number(total?.rows_final ?? 0);
  let lost = 0;
  for (const id of expectedIds) if (!rowsById.has(id)) lost += 1;
  let unexpected = 0;
  for (const id of rowsById.keys()) if (!expectedIds.has(id)) unexpected += 1;
  return { lost, duplicated: rows - rowsById.size, duplicatedFinal: rowsFinal - rowsById.size, unexpected, rows, rowsFinal };
}
