import { ModelRegistryService } from '@tributary/contracts';
import { createOfflineStore, flightFeatureSet } from '@tributary/features';
import { createGrpcChannel, createGrpcClient, type ClientTlsOptions } from '@tributary/grpc';
import { createGrpcRegistryClient } from '@tributary/model-registry/client';
import { createClickHouseConnection, type ClickHouseConnection } from '@tributary/runtime';
import { createClickHouseLabelSource } from './clickhouse-label-source.js';
import type { TrainingRunDependencies } from './run-training.js';

/** Options of {@link openFlightTraining}: where the data and the registry are. */
export interface FlightTrainingOptions {
  readonly clickhouse: ClickHouseConnection & {
    /** Database of the raw events and the offline feature tables. */
    readonly database: string;
  };
  /** Table ingestion writes raw events to. Default `events_raw`. */
  readonly rawEventsTable?: string;
  readonly registry: {
    /** `host:port` of the registry's gRPC server. */
    readonly address: string;
    /** Bearer token of the services. Default: none. */
    readonly token?: string;
    readonly tls?: ClientTlsOptions;
  };
}

/** The data and registry connections of flight-delay training, and their one close. */
export interface FlightTraining {
  /** Labels, features and registry for {@link runTraining}; add policy, logger and the rest as needed. */
  readonly dependencies: Pick<TrainingRunDependencies, 'labels' | 'features' | 'registry'>;
  /** Whether ClickHouse answers, for readiness checks. */
  ping(): Promise<boolean>;
  /** Closes the ClickHouse client and the registry channel; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Opens what a flight-delay training run reads and writes: ClickHouse (raw
 * events for labels, the offline store for features) and a gRPC channel to
 * the registry. The trainer service and `tributary train --local` share it.
 */
export function openFlightTraining(options: FlightTrainingOptions): FlightTraining {
  const { clickhouse: ch, registry } = options;
  const client = createClickHouseConnection(ch);
  const channel = createGrpcChannel({
    address: registry.address,
    ...(registry.token === undefined ? {} : { token: registry.token }),
    ...(registry.tls === undefined ? {} : { tls: registry.tls }),
  });
  let closing: Promise<void> | undefined;
  return {
    dependencies: {
      labels: createClickHouseLabelSource({ client, database: ch.database, ...(options.rawEventsTable === undefined ? {} : { table: options.rawEventsTable }) }),
      features: createOfflineStore({ client, featureSet: flightFeatureSet, database: ch.database }),
      registry: createGrpcRegistryClient(createGrpcClient(ModelRegistryService, channel)),
    },
    async ping() {
      return (await client.ping()).success;
    },
    close() {
      closing ??= (async () => {
        channel.close();
        await client.close();
      })();
      return closing;
    },
  };
}
