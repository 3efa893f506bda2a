import type { ClickHouseClient } from '@clickhouse/client';
import { ModelRegistryService } from '@tributary/contracts';
import { createOfflineStore, flightFeatureSet } from '@tributary/features';
import { createGrpcChannel, createGrpcClient, type ClientTlsOptions } from '@tributary/grpc';
import { createGrpcRegistryClient, type RegistryClient } from '@tributary/model-registry/client';
import { createClickHouseConnection, type ClickHouseConnection } from '@tributary/runtime';
import { createOnnxWorkerPool, type OnnxWorkerPool } from '@tributary/serving';
import type { FlightFeatureStore } from './score-flights.js';
import { createScoringStore, type ScoringStore } from './scoring-store.js';

/** Options of {@link openBatchScoring}: where the data and the registry are, and how many workers score. */
export interface BatchScoringOptions {
  readonly clickhouse: ClickHouseConnection & {
    /** Database of the raw events, the offline features and the scoring tables. */
    readonly database: string;
  };
  readonly registry: {
    /** `host:port` of the registry's gRPC server. */
    readonly address: string;
    /** Bearer token of the services. Default: none. */
    readonly token?: string;
    readonly tls?: ClientTlsOptions;
  };
  /** ONNX worker threads. Default 2, as the inference service. */
  readonly workers?: number;
}

/** What a batch scoring job reads, runs on and writes to, and its one close. */
export interface BatchScoring {
  readonly client: ClickHouseClient;
  readonly database: string;
  readonly registry: RegistryClient;
  readonly features: FlightFeatureStore;
  readonly store: ScoringStore;
  readonly pool: OnnxWorkerPool;
  /** Terminates the workers, closes the registry channel and ClickHouse; safe to call twice. */
  close(): Promise<void>;
}

/** Opens ClickHouse, a registry channel and the serving plane's ONNX worker pool for `scoreFlights`. */
export function openBatchScoring(options: BatchScoringOptions): BatchScoring {
  const { clickhouse: ch, registry } = options;
  const client = createClickHouseConnection(ch, {
    // A chunk's feature join can take minutes on a busy server: progress headers keep the connection alive meanwhile.
    requestTimeoutMs: 600_000,
    progressHeaders: true,
    // Every failure reaches the caller as an error (the CLI prints it in one line); the client's own log would print it again, stack and all.
    quiet: true,
  });
  const channel = createGrpcChannel({
    address: registry.address,
    ...(registry.token === undefined ? {} : { token: registry.token }),
    ...(registry.tls === undefined ? {} : { tls: registry.tls }),
  });
  const pool = createOnnxWorkerPool({ workers: options.workers ?? 2 });
  let closing: Promise<void> | undefined;
  return {
    client,
    database: ch.database,
    registry: createGrpcRegistryClient(createGrpcClient(ModelRegistryService, channel)),
    features: createOfflineStore({ client, featureSet: flightFeatureSet, database: ch.database }),
    store: createScoringStore({ client, database: ch.database }),
    pool,
    close() {
      closing ??= (async () => {
        await pool.close();
        channel.close();
        await client.close();
      })();
      return closing;
    },
  };
}
