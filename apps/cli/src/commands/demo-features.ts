import { setTimeout as sleep } from 'node:timers/promises';
import { createOfflineStore, createOnlineStore, flightFeatureSet } from '@tributary/features';
import { localEndpoints } from '@tributary/infra';
import { Redis } from 'ioredis';
import { metricSamples } from '@tributary/observability';
import { createClickHouseConnection } from '@tributary/runtime';
import { clickhouseConnection } from './clickhouse-connection.js';
import type { PlatformNames } from './platform-names.js';

/** Records of the validated events topic the feature pipeline has handled, from its metrics. */
async function consumedByPipeline(opsPort: number, topic: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
  return metricSamples(text, 'tributary_kafka_records_consumed_total')
    .filter((sample) => sample.labels['topic'] === topic)
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** Polls the feature pipeline until it has handled `expected` records of `topic` or the timeout passes; returns how many it did. */
export async function waitForFeaturePipeline(opsPort: number, topic: string, expected: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const consumed = await consumedByPipeline(opsPort, topic);
    if (consumed >= expected || Date.now() >= deadline) return consumed;
    await sleep(250);
  }
}

/** What the stores hold for one entity type, and the online vector of its entity with the most snapshots. */
export interface EntityFeatures {
  readonly entityType: string;
  readonly table: string;
  readonly snapshots: number;
  readonly entities: number;
  readonly busiest: string;
  readonly values: Readonly<Record<string, number>>;
}

/**
 * The offline store's rows of the current feature set per entity type, and the
 * online values of the busiest entity as of `asOfMs`, in the database and
 * Redis prefix the local feature pipeline writes (its defaults in the namespace).
 */
export async function describeFeatureStores(asOfMs: number, names: PlatformNames): Promise<EntityFeatures[]> {
  // As the services read them: under security the operator's users, whose REDIS_URL carries its name and password.
  const clickhouse = createClickHouseConnection(clickhouseConnection());
  const redis = new Redis(localEndpoints().redisUrl, { lazyConnect: true });
  try {
    await redis.connect();
    const offline = createOfflineStore({ client: clickhouse, featureSet: flightFeatureSet, database: names.database });
    const online = createOnlineStore({ redis, featureSet: flightFeatureSet, prefix: names.featuresPrefix });
    const described: EntityFeatures[] = [];
    for (const entityType of ['airport', 'route'] as const) {
      const table = offline.tableOf(entityType);
      const result = await clickhouse.query({
        // The table name is the store's own (plain identifiers, checked when it was made); the version is a parameter.
        query: `SELECT count() AS snapshots, uniqExact(entity_id) AS entities, topK(1)(entity_id)[1] AS busiest FROM ${table} WHERE version = {version:String}`,
        query_params: { version: flightFeatureSet.version },
        format: 'JSONEachRow',
      });
      const [row] = await result.json<{ snapshots: string; entities: string; busiest: string }>();
      if (!row || row.busiest === '') continue;
      const vector = await online.get(entityType, row.busiest, { asOfMs, timeoutMs: 1000 });
      described.push({ entityType, table, snapshots: Number(row.snapshots), entities: Number(row.entities), busiest: row.busiest, values: vector.values });
    }
    return described;
  } finally {
    redis.disconnect();
    await clickhouse.close();
  }
}
