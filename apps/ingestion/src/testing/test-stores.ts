/**
 * What the ingestion service's integration specs read from and clean up in
 * the real servers: rows of `events_raw`, records of a topic, and the test's
 * own database and Redis keys.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';

/** Distinct events in the test database's `events_raw` (read with FINAL). */
export async function rawRowsFinal(clickhouse: ClickHouseClient, database: string): Promise<number> {
  const result = await clickhouse.query({
    query: 'SELECT count() AS n FROM {database:Identifier}.events_raw FINAL',
    query_params: { database },
    format: 'JSONEachRow',
  });
  return Number((await result.json<{ n: number | string }>())[0]?.n);
}

/** Records written to the topic so far (the sum of its partitions' end offsets). */
export async function endOffsets(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Drops the test's database and deletes its Redis keys. */
export async function dropTestData(options: { clickhouse: ClickHouseClient; redis: Redis; database: string; keyPrefix: string }): Promise<void> {
  const { clickhouse, redis, database, keyPrefix } = options;
  await clickhouse.command({ query: 'DROP DATABASE IF EXISTS {database:Identifier}', query_params: { database } });
  const keys: string[] = [];
  for await (const batch of redis.scanStream({ match: `${keyPrefix}*`, count: 1000 }) as AsyncIterable<string[]>) keys.push(...batch);
  if (keys.length > 0) await redis.del(...keys);
}
