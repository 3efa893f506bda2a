import type { ClickHouseClient } from '@clickhouse/client';
import {
  createFeatureProcessor,
  createOfflineStore,
  createOnlineStore,
  flightFeatureSet,
  type FeatureProcessor,
  type OfflineStore,
  type OnlineStore,
  type RejectedRecord,
} from '@tributary/features';
import type { Logger } from '@tributary/observability';
import { createClickHouseConnection, createRedisConnection } from '@tributary/runtime';
import type { Cluster, Redis } from 'ioredis';
import type { FeaturePipelineConfig } from './config.js';

type FlightDefinitions = typeof flightFeatureSet.features;

/** The pipeline's clients, both stores and the processor over them. */
export interface FeatureStores {
  /** One server or a Redis Cluster, as REDIS_URL says. */
  readonly redis: Redis | Cluster;
  readonly clickhouse: ClickHouseClient;
  readonly onlineStore: OnlineStore<FlightDefinitions>;
  readonly offlineStore: OfflineStore<FlightDefinitions>;
  readonly processor: FeatureProcessor;
  /** Closes the clients; the caller has stopped using them. */
  close(): Promise<void>;
}

/** Options of {@link openFeatureStores}. */
export interface OpenFeatureStoresOptions {
  readonly config: FeaturePipelineConfig;
  readonly logger: Logger;
  /** Where refused events go; default they are only logged and counted. */
  readonly onRejected?: (rejected: readonly RejectedRecord[]) => Promise<void>;
  /** Sources (topic partitions) that hold the watermark back from the start. Default none. */
  readonly sources?: readonly string[];
  /** The end offsets of sources, fetched when called, to tell an idle partition from a quiet one. Default none: none is idle. */
  readonly endOffsetsOf?: (sources: readonly string[]) => Promise<ReadonlyMap<string, bigint>>;
}

/**
 * Connects to Redis (one connection, the processor's: its checkpoint WATCHes
 * a key) and ClickHouse, creates the offline tables if missing, and builds the
 * processor of the flights feature set. Shared by the service and the backfill.
 */
export async function openFeatureStores(options: OpenFeatureStoresOptions): Promise<FeatureStores> {
  const { config, logger, onRejected, sources, endOffsetsOf } = options;
  const redis = createRedisConnection({ url: config.redis.url, credentials: config.redis, name: 'features', logger, lazyConnect: true });
  const clickhouse = createClickHouseConnection(config.clickhouse);
  let processor: FeatureProcessor | undefined;
  const close = async () => {
    // Its lease first, while Redis is still open: the next instance takes its turn at once.
    await processor?.close().catch((error: unknown) => logger.warn({ err: error }, 'the feature state lease was not released; it lapses on its own'));
    await Promise.allSettled([redis.quit(), clickhouse.close()]);
  };
  try {
    await redis.connect();
    const onlineStore = createOnlineStore({ redis, featureSet: flightFeatureSet, prefix: config.features.redisPrefix });
    const offlineStore = createOfflineStore({ client: clickhouse, featureSet: flightFeatureSet, database: config.clickhouse.database });
    // With CLICKHOUSE_MANAGE_SCHEMA=false an operator made the tables (deploy/clickhouse); the user may not create them.
    if (config.clickhouse.manageSchema) await offlineStore.ensureSchema();
    processor = createFeatureProcessor({
      featureSet: flightFeatureSet,
      redis,
      onlineStore,
      offlineStore,
      allowedLatenessMs: config.features.allowedLatenessMs,
      ...(onRejected ? { onRejected } : {}),
      ...(sources ? { sources } : {}),
      ...(endOffsetsOf ? { endOffsetsOf } : {}),
      idleSourceTimeoutMs: config.features.idleSourceTimeoutMs,
      logger,
    });
    return { redis, clickhouse, onlineStore, offlineStore, processor, close };
  } catch (error) {
    await close();
    throw error;
  }
}
