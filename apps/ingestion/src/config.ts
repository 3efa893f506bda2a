import {
  clickhouseEnv,
  clickhouseSchemaEnv,
  consumerGroupEnv,
  envVar,
  grpcServerEnv,
  kafkaConsumerEnv,
  kafkaEnv,
  keyPrefixEnv,
  logEnv,
  opsServerEnv,
  positiveIntSchema,
  redisEnv,
  serviceAuthEnv,
  shutdownEnv,
  topicNameEnv,
  tracingEnv,
  type ConfigOf,
} from '@tributary/config';
import { topics } from '@tributary/kafka';

/** Everything the ingestion service reads from its environment. */
export const ingestionConfigSchema = {
  kafka: { ...kafkaEnv({ clientId: 'ingestion' }), ...kafkaConsumerEnv() },
  redis: redisEnv(),
  clickhouse: { ...clickhouseEnv(), ...clickhouseSchemaEnv() },
  grpc: grpcServerEnv(),
  ops: opsServerEnv(),
  auth: serviceAuthEnv(),
  log: logEnv(),
  shutdown: shutdownEnv(),
  tracing: tracingEnv(),
  ingest: {
    rawTopic: topicNameEnv('INGEST_RAW_TOPIC', 'Topic of the raw events consumed.', topics.eventsRaw.name),
    validatedTopic: topicNameEnv('INGEST_VALIDATED_TOPIC', 'Topic the validated events are written to.', topics.eventsValidated.name),
    dlqTopic: topicNameEnv('INGEST_DLQ_TOPIC', 'Dead-letter topic of rejected and failed records.', topics.eventsDlq.name),
    groupId: consumerGroupEnv('INGEST_GROUP_ID', 'Kafka consumer group of the events.raw consumer.', 'ingestion'),
    maxBatchSize: envVar({
      name: 'INGEST_MAX_BATCH_SIZE',
      description: 'Most records validated, deduplicated and written together.',
      expected: 'a whole number ≥ 1',
      schema: positiveIntSchema,
      default: '2000',
    }),
    partitionsConcurrency: envVar({
      name: 'INGEST_PARTITIONS_CONCURRENCY',
      description: 'events.raw partitions handled at the same time (each in order); overlaps the waits on Redis, ClickHouse and Kafka.',
      expected: 'a whole number ≥ 1',
      schema: positiveIntSchema,
      default: '3',
    }),
    dedupTtlMs: envVar({
      name: 'INGEST_DEDUP_TTL_MS',
      description: 'How long an event id is remembered as written (a replay within it is dropped), in ms.',
      expected: 'a whole number of milliseconds ≥ 1',
      schema: positiveIntSchema,
      default: String(7 * 24 * 3600 * 1000),
    }),
    dedupKeyPrefix: keyPrefixEnv('INGEST_DEDUP_KEY_PREFIX', 'Prefix of the Redis keys that mark event ids as written.', 'tributary:ingest:seen:'),
    maxFutureSkewMs: envVar({
      name: 'INGEST_MAX_FUTURE_SKEW_MS',
      description: 'How far an event time may lie ahead of the wall clock before the event is rejected, in ms.',
      expected: 'a whole number of milliseconds ≥ 1',
      schema: positiveIntSchema,
      default: '300000',
    }),
  },
};

export type IngestionConfig = ConfigOf<typeof ingestionConfigSchema>;
