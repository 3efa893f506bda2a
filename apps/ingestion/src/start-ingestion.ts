import { createClient } from '@clickhouse/client';
import { IngestionService } from '@tributary/contracts';
import { createGrpcServer, serverSecurityOptions } from '@tributary/grpc';
import {
  createEventValidator,
  createIngestor,
  createRawEventStore,
  createRedisDeduplicator,
  createSchemaRegistry,
  flightEventSchemas,
} from '@tributary/ingest';
import { createConsumer, createDeadLetterWriter, createKafkaClient, createProducer, ensureTopics, topics } from '@tributary/kafka';
import type { Logger } from '@tributary/observability';
import { createOpsServer, createRedisConnection, packageVersion, type Lifecycle } from '@tributary/runtime';
import type { IngestionConfig } from './config.js';
import { createIngestionServiceImpl } from './ingestion-service.js';
import { createRawBatchHandler } from './raw-batch-handler.js';
import { createRejectPublisher } from './reject-publisher.js';
import { createValidatedTopicSink } from './validated-topic-sink.js';

/** Options of {@link startIngestion}. */
export interface StartIngestionOptions {
  readonly config: IngestionConfig;
  /** Every resource opened registers its close here, so SIGTERM closes them newest first. */
  readonly lifecycle: Lifecycle;
  readonly logger: Logger;
}

/** Where the started service listens. */
export interface RunningIngestion {
  readonly grpcPort: number;
  readonly opsPort: number;
}

const version = packageVersion(import.meta.url);

/**
 * Opens the service's clients and servers in dependency order, registering
 * each close with the lifecycle as it opens: ops server (so probes answer
 * while starting), Redis, ClickHouse (raw table created if missing), the
 * Kafka producer, the gRPC server, and last the `events.raw` consumer. On
 * SIGTERM they close in reverse: the consumer stops, finishes its batch and
 * commits; then gRPC drains; then the writers close.
 */
export async function startIngestion(options: StartIngestionOptions): Promise<RunningIngestion> {
  const { config, lifecycle, logger } = options;
  const raw = { ...topics.eventsRaw, name: config.ingest.rawTopic };
  const validated = { ...topics.eventsValidated, name: config.ingest.validatedTopic };
  const dlq = { ...topics.eventsDlq, name: config.ingest.dlqTopic };

  const redis = createRedisConnection({ url: config.redis.url, name: 'dedup', logger, lazyConnect: true });
  const clickhouse = createClient({
    url: config.clickhouse.url,
    username: config.clickhouse.user,
    ...(config.clickhouse.password === undefined ? {} : { password: config.clickhouse.password }),
  });
  const ops = createOpsServer({
    host: config.ops.host,
    port: config.ops.port,
    version: { name: 'ingestion', version },
    checks: {
      lifecycle: lifecycle.readinessCheck,
      redis: () => redis.ping(),
      clickhouse: async () => (await clickhouse.ping()).success,
    },
    logger,
  });
  const opsPort = await ops.start();
  lifecycle.register('ops server', () => ops.close());

  await redis.connect();
  lifecycle.register('redis', async () => {
    await redis.quit();
  });

  lifecycle.register('clickhouse', () => clickhouse.close());
  const store = createRawEventStore({ client: clickhouse, database: config.clickhouse.database });
  await store.ensureSchema();

  const kafka = createKafkaClient({ clientId: config.kafka.clientId, brokers: config.kafka.brokers, logger });
  await ensureTopics(kafka, [raw, validated, dlq]);
  const producer = createProducer({ kafka, source: '/tributary/ingestion', logger });
  await producer.start();
  lifecycle.register('kafka producer', () => producer.close());

  const ingestor = createIngestor({
    validator: createEventValidator({ registry: createSchemaRegistry(flightEventSchemas), maxFutureSkewMs: config.ingest.maxFutureSkewMs }),
    deduplicator: createRedisDeduplicator({ redis, keyPrefix: config.ingest.dedupKeyPrefix, ttlMs: config.ingest.dedupTtlMs }),
    sinks: [store, createValidatedTopicSink(producer, validated)],
    logger,
  });
  // The gRPC rejects' writer; the consumer has its own for the events.raw rejects and failures.
  const grpcDeadLetters = createDeadLetterWriter({ kafka, topic: dlq.name, logger });
  await grpcDeadLetters.start();
  lifecycle.register('grpc dead letters', () => grpcDeadLetters.close());
  const publishRejects = createRejectPublisher(grpcDeadLetters);

  const grpc = createGrpcServer({ address: `${config.grpc.host}:${config.grpc.port}`, shutdownTimeoutMs: config.shutdown.timeoutMs, logger, ...serverSecurityOptions(config.auth) });
  grpc.register(IngestionService, createIngestionServiceImpl({ ingestor, publishRejects }));
  const grpcPort = await grpc.start();
  lifecycle.register('grpc server', () => grpc.shutdown());

  const consumer = createConsumer({
    kafka,
    groupId: config.ingest.groupId,
    topic: raw,
    deadLetterTopic: dlq.name,
    batchHandler: createRawBatchHandler({ ingestor }),
    maxBatchSize: config.ingest.maxBatchSize,
    partitionsConcurrency: config.ingest.partitionsConcurrency,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    heartbeatIntervalMs: config.kafka.heartbeatIntervalMs,
    logger,
  });
  await consumer.start();
  lifecycle.register('kafka consumer', () => consumer.close());

  logger.info({ grpcPort, opsPort, raw: raw.name, validated: validated.name, dlq: dlq.name, table: store.table }, 'ingestion started');
  return { grpcPort, opsPort };
}
