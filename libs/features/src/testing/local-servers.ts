/**
 * Integration-test fixtures (not built, not exported): a Redis key prefix and
 * a ClickHouse database of the test's own on the real local servers, removed
 * afterwards, so concurrent runs never see each other's data.
 */
import { randomBytes } from 'node:crypto';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { Redis } from 'ioredis';

/** A name nobody else uses: `<stem>_<time>_<random>`. */
export function uniqueName(stem: string): string {
  return `${stem}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** A Redis connection to `REDIS_URL` (default the local server). */
export function connectRedis(): Redis {
  return new Redis(process.env['REDIS_URL']?.trim() || 'redis://127.0.0.1:6379', { lazyConnect: false, maxRetriesPerRequest: 1 });
}

/** A ClickHouse client of `CLICKHOUSE_URL` (default the local server). */
export function connectClickHouse(): ClickHouseClient {
  return createClient({ url: process.env['CLICKHOUSE_URL']?.trim() || 'http://127.0.0.1:8123' });
}

/** Every key under `prefix`, with hashes read whole: a comparable picture of what a test wrote. */
export async function dumpRedis(redis: Redis, prefix: string, options: { ignoreFields?: readonly string[] } = {}): Promise<Record<string, Record<string, string>>> {
  const dump: Record<string, Record<string, string>> = {};
  for (const key of (await scanKeys(redis, prefix)).sort()) {
    const hash = await redis.hgetall(key);
    for (const field of options.ignoreFields ?? []) delete hash[field];
    dump[key.slice(prefix.length)] = Object.fromEntries(Object.entries(hash).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
  return dump;
}

/** Deletes every key under `prefix`. */
export async function deleteRedisPrefix(redis: Redis, prefix: string): Promise<void> {
  const keys = await scanKeys(redis, prefix);
  if (keys.length > 0) await redis.del(...keys);
}

async function scanKeys(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** Every row of a table in a stable order, as JSON rows; `final` collapses replaced rows first. */
export async function dumpTable(client: ClickHouseClient, table: string, options: { final?: boolean } = {}): Promise<unknown[]> {
  const result = await client.query({
    query: `SELECT * FROM ${table} ${options.final ? 'FINAL' : ''} ORDER BY version, entity_id, event_time`,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_denormals: 1 },
  });
  return result.json();
}
