import { IngestionService } from '@tributary/contracts';
import {
  createEventValidator,
  createIngestor,
  createRawEventStore,
  createRedisDeduplicator,
  createSchemaRegistry,
  flightEventSchemas,
} from '@tributary/ingest';
import { createConsumer, createDeadLetterWriter, createKafkaClient, createProducer, ensureTopics, topics } from '@tributary/kafka';
import { createClickHouseConnection, createRedisConnection, packageVersion, startServiceHost, type ServiceContext } from '@tributary/runtime';
import type { IngestionConfig } from './config.js';
import { createIngestionServiceImpl } from './ingestion-service.js';
import { createRawBatchHandler } from './raw-batch-handler.js';
import { createRejectPublisher } from './reject-publisher.js';
import { createValidatedTopicSink } from './validated-topic-sink.js';

/** Where the started service listens. */
export interface RunningIngestion {
  readonly grpcPort: number;
  readonly opsPort: number;
}

const version = packageVersion(import.meta.url);

/**
 * Opens the service's clients and servers in dependency order, registering
 * each close with the lifecycle as it opens: Redis, ClickHouse (raw table
 * created if missing), the Kafka producers, the ops and gRPC servers, and
 * last the `events.raw` consumer. On SIGTERM they close in reverse: the
 * consumer stops, finishes its batch and commits; then gRPC drains; then the
 * writers close.
 */
export async function startIngestion(context: ServiceContext<IngestionConfig>): Promise<RunningIngestion> {
  const { config, lifecycle, logger } = context;
  const raw = { ...topics.eventsRaw, name: config.ingest.rawTopic };
  const validated = { ...topics.eventsValidated, name: config.ingest.validatedTopic };
  const dlq = { ...topics.eventsDlq, name: config.ingest.dlqTopic };

  const redis = createRedisConnection({ url: config.redis.url, credentials: config.redis, name: 'dedup', logger, lazyConnect: true });
  const clickhouse = createClickHouseConnection(config.clickhouse);
  await redis.connect();
  lifecycle.register('redis', async () => {
    await redis.quit();
  });

  lifecycle.register('clickhouse', () => clickhouse.close());
  const store = createRawEventStore({ client: clickhouse, database: config.clickhouse.database });
  // With CLICKHOUSE_MANAGE_SCHEMA=false an operator made the table (deploy/clickhouse); the user may not create it.
  if (config.clickhouse.manageSchema) await store.ensureSchema();

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

  const { grpcPort, opsPort } = await startServiceHost({
    ...context,
    name: 'ingestion',
    version,
    checks: { redis: () => redis.ping(), clickhouse: async () => (await clickhouse.ping()).success },
    registerServices: (grpc) => grpc.register(IngestionService, createIngestionServiceImpl({ ingestor, publishRejects })),
  });

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
