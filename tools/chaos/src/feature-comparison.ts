/**
 * Invariant: the offline snapshots and online vectors the stream wrote equal,
 * row for row, what a backfill of the same raw events wrote into a scratch
 * database and key prefix. Differences are counted, not just flagged: rows
 * missing, extra, lower (some feature below the reference, none above),
 * higher (the reverse) and mixed.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { createOfflineStore, flightFeatureSet } from '@tributary/features';
import type { Redis } from 'ioredis';

/** Row-by-row differences of one entity type (or of all, summed). */
export interface RowDifferences {
  /** Rows the stream wrote. */
  readonly rows: number;
  /** Rows of the reference. */
  readonly referenceRows: number;
  readonly missing: number;
  readonly extra: number;
  readonly lower: number;
  readonly higher: number;
  readonly mixed: number;
}

/** Both stores compared, and the event time up to which they were. */
export interface FeatureComparison {
  /** Snapshots are compared at boundaries up to this time (ms): the latest the stream emitted. */
  readonly throughMs: number;
  readonly offline: Readonly<Record<string, RowDifferences>>;
  readonly online: Readonly<Record<string, RowDifferences>>;
}

/** Sums the differences of every entity type. */
export function totalDifferences(byEntity: Readonly<Record<string, RowDifferences>>): RowDifferences {
  const zero: RowDifferences = { rows: 0, referenceRows: 0, missing: 0, extra: 0, lower: 0, higher: 0, mixed: 0 };
  return Object.values(byEntity).reduce(
    (sum, d) => ({
      rows: sum.rows + d.rows,
      referenceRows: sum.referenceRows + d.referenceRows,
      missing: sum.missing + d.missing,
      extra: sum.extra + d.extra,
      lower: sum.lower + d.lower,
      higher: sum.higher + d.higher,
      mixed: sum.mixed + d.mixed,
    }),
    zero,
  );
}

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function plain(name: string): string {
  if (!PLAIN_IDENTIFIER.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return name;
}

/** -1 when the stream's value is below the reference (or absent where it has one), 1 when above, 0 when equal (NaN equals NaN). */
function signOfSql(feature: string): string {
  const s = `s_${feature}`;
  const r = `r_${feature}`;
  return `multiIf(isNaN(${s}) AND isNaN(${r}), 0, isNaN(${s}), -1, isNaN(${r}), 1, abs(${s} - ${r}) <= 1e-9 * greatest(1, abs(${r})), 0, ${s} < ${r}, -1, 1)`;
}

/** The latest snapshot time the stream wrote to any offline table of `database` (ms), or undefined if none. */
export async function latestSnapshotMs(client: ClickHouseClient, database: string): Promise<number | undefined> {
  const store = createOfflineStore({ client, featureSet: flightFeatureSet, database });
  const parts = flightFeatureSet.entityTypes.map(
    (entityType) => `SELECT max(toUnixTimestamp64Milli(event_time)) AS t, count() AS n FROM ${store.tableOf(entityType)} WHERE version = {version:String}`,
  );
  const result = await client.query({
    query: `SELECT max(t) AS latest, sum(n) AS rows FROM (${parts.join(' UNION ALL ')})`,
    query_params: { version: flightFeatureSet.version },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ latest: string; rows: string }>();
  return row && Number(row.rows) > 0 ? Number(row.latest) : undefined;
}

/** Compares the offline tables of `database` with those of `referenceDatabase`, rows at or before `throughMs`. */
export async function compareOffline(
  client: ClickHouseClient,
  database: string,
  referenceDatabase: string,
  throughMs: number,
): Promise<Record<string, RowDifferences>> {
  const stream = createOfflineStore({ client, featureSet: flightFeatureSet, database });
  const reference = createOfflineStore({ client, featureSet: flightFeatureSet, database: referenceDatabase });
  const byEntity: Record<string, RowDifferences> = {};
  for (const entityType of flightFeatureSet.entityTypes) {
    const features = flightFeatureSet.featuresOf(entityType).map((f) => plain(f.name));
    const side = (table: string, p: 's' | 'r') =>
      `SELECT entity_id, event_time, 1 AS ${p}_present, ${features.map((f) => `${f} AS ${p}_${f}`).join(', ')} FROM ${table} FINAL
       WHERE version = {version:String} AND event_time <= fromUnixTimestamp64Milli({through:Int64}, 'UTC')`;
    const signs = `[${features.map(signOfSql).join(', ')}]`;
    const result = await client.query({
      query: `SELECT
          countIf(s_present = 1) AS rows,
          countIf(r_present = 1) AS reference_rows,
          countIf(s_present = 0) AS missing,
          countIf(r_present = 0) AS extra,
          countIf(both AND has(signs, -1) AND NOT has(signs, 1)) AS lower,
          countIf(both AND has(signs, 1) AND NOT has(signs, -1)) AS higher,
          countIf(both AND has(signs, 1) AND has(signs, -1)) AS mixed
        FROM (
          SELECT s_present, r_present, s_present = 1 AND r_present = 1 AS both, ${signs} AS signs
          FROM (${side(stream.tableOf(entityType), 's')}) AS s
          FULL OUTER JOIN (${side(reference.tableOf(entityType), 'r')}) AS r USING (entity_id, event_time)
        )`,
      query_params: { version: flightFeatureSet.version, through: throughMs },
      clickhouse_settings: { join_use_nulls: 0 },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<Record<keyof RowDifferences | 'reference_rows', string>>();
    byEntity[entityType] = {
      rows: Number(row?.rows ?? 0),
      referenceRows: Number(row?.reference_rows ?? 0),
      missing: Number(row?.missing ?? 0),
      extra: Number(row?.extra ?? 0),
      lower: Number(row?.lower ?? 0),
      higher: Number(row?.higher ?? 0),
      mixed: Number(row?.mixed ?? 0),
    };
  }
  return byEntity;
}

/** Every online hash of one entity type under `prefix`, by entity id. */
async function readOnlineHashes(redis: Redis, prefix: string, entityType: string): Promise<Map<string, Record<string, string>>> {
  const keyPrefix = `${prefix}:${entityType}:`;
  const keys: string[] = [];
  for await (const batch of redis.scanStream({ match: `${keyPrefix}*`, count: 1000 }) as AsyncIterable<string[]>) keys.push(...batch);
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.hgetall(key);
  const replies = (await pipeline.exec()) ?? [];
  return new Map(keys.map((key, i) => [key.slice(keyPrefix.length), (replies[i]?.[1] ?? {}) as Record<string, string>]));
}

/** A stored `<value>@<event time ms>` read as its value; a missing field is NaN. */
function storedValue(raw: string | undefined): number {
  if (raw === undefined) return Number.NaN;
  const at = raw.lastIndexOf('@');
  return Number(at < 0 ? raw : raw.slice(0, at));
}

/** Compares the online hashes under `prefix` with those under `referencePrefix`, entity by entity, field by field. */
export async function compareOnline(redis: Redis, prefix: string, referencePrefix: string): Promise<Record<string, RowDifferences>> {
  const byEntity: Record<string, RowDifferences> = {};
  for (const entityType of flightFeatureSet.entityTypes) {
    const [stream, reference] = await Promise.all([readOnlineHashes(redis, prefix, entityType), readOnlineHashes(redis, referencePrefix, entityType)]);
    let missing = 0;
    let lower = 0;
    let higher = 0;
    let mixed = 0;
    for (const [id, expected] of reference) {
      const actual = stream.get(id);
      if (!actual) {
        missing += 1;
        continue;
      }
      let below = false;
      let above = false;
      for (const field of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
        if (actual[field] === expected[field]) continue;
        const a = storedValue(actual[field]);
        const e = storedValue(expected[field]);
        if (Number.isNaN(a) && Number.isNaN(e)) below = above = true; // same value, another time: the values were taken at other boundaries
        else if (Number.isNaN(a) || a < e) below = true;
        else if (Number.isNaN(e) || a > e) above = true;
        else below = above = true;
      }
      if (below && above) mixed += 1;
      else if (below) lower += 1;
      else if (above) higher += 1;
    }
    const extra = [...stream.keys()].filter((id) => !reference.has(id)).length;
    byEntity[entityType] = { rows: stream.size, referenceRows: reference.size, missing, extra, lower, higher, mixed };
  }
  return byEntity;
}
