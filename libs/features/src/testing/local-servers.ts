/**
 * Integration-test fixtures (not built, not exported): a Redis key prefix and
 * a ClickHouse database of the test's own on the real local servers, removed
 * afterwards, so concurrent runs never see each other's data.
 */
import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { scanRedisKeys } from '@tributary/infra/testing';
import { createLogger } from '@tributary/observability';
import { createRedisConnection } from '@tributary/runtime';
import type { Cluster, Redis } from 'ioredis';

/** A name nobody else uses: `<stem>_<time>_<random>`. */
export function uniqueName(stem: string): string {
  return `${stem}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

const localRedisUrl = () => process.env['REDIS_URL']?.trim() || 'redis://127.0.0.1:6379';

/** A Redis connection to `url` (default `REDIS_URL`, else the local server), opened as the services open theirs. */
export function connectRedis(url = localRedisUrl()): Redis | Cluster {
  return createRedisConnection({ url, name: 'test', maxRetriesPerRequest: 1, logger: createLogger({ name: 'redis', level: 'silent' }) });
}

/** Every key under `prefix`, with hashes read whole: a comparable picture of what a test wrote. */
export async function dumpRedis(redis: Redis | Cluster, prefix: string, options: { ignoreFields?: readonly string[] } = {}): Promise<Record<string, Record<string, string>>> {
  const dump: Record<string, Record<string, string>> = {};
  for (const key of (await scanRedisKeys(redis, prefix)).sort()) {
    const hash = await redis.hgetall(key);
    for (const field of options.ignoreFields ?? []) delete hash[field];
    dump[key.slice(prefix.length)] = Object.fromEntries(Object.entries(hash).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
  return dump;
}

/** Deletes every key under `prefix` (one DEL per key: on a cluster they lie in many slots). */
export async function deleteRedisPrefix(redis: Redis | Cluster, prefix: string): Promise<void> {
  await Promise.all((await scanRedisKeys(redis, prefix)).map((key) => redis.del(key)));
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
