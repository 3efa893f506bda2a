import {
  clickhouseEnv,
  clickhouseSchemaEnv,
  consumerGroupEnv,
  envVar,
  kafkaEnv,
  keyPrefixEnv,
  positiveIntSchema,
  redisEnv,
  serviceBaseEnv,
  textSchema,
  topicNameEnv,
  type ConfigOf,
} from '@tributary/config';
import { topics } from '@tributary/kafka';

function text(name: string, description: string, defaultValue: string) {
  return envVar({ name, description, expected: 'non-blank text', schema: textSchema, default: defaultValue });
}

function wholeNumber(name: string, description: string, defaultValue: number) {
  return envVar({ name, description, expected: 'a whole number ≥ 1', schema: positiveIntSchema, default: String(defaultValue) });
}

/** Everything the feature pipeline (service and backfill) reads from its environment. */
export const featurePipelineConfigSchema = {
  ...serviceBaseEnv({ grpcPort: 15_053, opsPort: 9466 }),
  kafka: kafkaEnv({ clientId: 'feature-pipeline' }),
  redis: redisEnv(),
  clickhouse: { ...clickhouseEnv(), ...clickhouseSchemaEnv() },
  features: {
    validatedTopic: topicNameEnv('FEATURES_VALIDATED_TOPIC', 'Topic of the validated events the features are computed from.', topics.eventsValidated.name),
    dlqTopic: topicNameEnv('FEATURES_DLQ_TOPIC', 'Dead-letter topic of events not counted (too late, invalid) and of records that keep failing.', topics.eventsDlq.name),
    groupId: consumerGroupEnv('FEATURES_GROUP_ID', 'Kafka consumer group of the pipeline.', 'feature-pipeline'),
    maxBatchSize: wholeNumber('FEATURES_MAX_BATCH_SIZE', 'Most records of one partition aggregated and written together.', 5000),
    partitionsConcurrency: wholeNumber(
      'FEATURES_PARTITIONS_CONCURRENCY',
      'Partitions whose batches are in flight at once: batches are applied one at a time, in order, but one is aggregated while others are written.',
      3,
    ),
    allowedLatenessMs: wholeNumber(
      'FEATURES_ALLOWED_LATENESS_MS',
      'How far behind its partition\'s latest event time an event may be and still count, in ms; values lag the stream by this much.',
      60_000,
    ),
    idleSourceTimeoutMs: wholeNumber(
      'FEATURES_IDLE_SOURCE_TIMEOUT_MS',
      'A partition stops holding the event-time watermark back once it has delivered nothing for this long, in ms, and has nothing left in Kafka (everything up to its end offset applied).',
      30_000,
    ),
    redisPrefix: keyPrefixEnv('FEATURES_REDIS_PREFIX', 'Prefix of the online feature hashes and of the aggregation checkpoint in Redis.', 'features'),
    rawTable: text('FEATURES_RAW_TABLE', 'Table of raw events (in CLICKHOUSE_DATABASE) the backfill reads, as ingestion writes it.', 'events_raw'),
    backfillBatchSize: wholeNumber('FEATURES_BACKFILL_BATCH_SIZE', 'Raw events per backfill batch.', 20_000),
  },
};

export type FeaturePipelineConfig = ConfigOf<typeof featurePipelineConfigSchema>;
