import { flightFeatureSet } from '@tributary/features';
import { createConsumer, createKafkaClient, createPartitionEndOffsets, ensureTopics, topics } from '@tributary/kafka';
import { packageVersion, startServiceHost, type ServiceContext } from '@tributary/runtime';
import type { FeaturePipelineConfig } from './config.js';
import { openFeatureStores } from './feature-stores.js';
import { createSideOutput, sourceOf } from './side-output.js';

const version = packageVersion(import.meta.url);

/** Where the started service listens. */
export interface RunningFeaturePipeline {
  readonly grpcPort: number;
  readonly opsPort: number;
}

/**
 * Opens, in dependency order, each registered with the lifecycle as it opens:
 * the ops and health servers, Redis and ClickHouse (offline tables created),
 * the processor (checkpoint loaded, older owner fenced off) and last the
 * `events.validated` consumer. Each batch of a
 * partition is aggregated and written to both stores before its offsets are
 * committed. On SIGTERM the consumer stops and commits first, then the rest
 * closes in reverse.
 */
export async function startFeaturePipeline(context: ServiceContext<FeaturePipelineConfig>): Promise<RunningFeaturePipeline> {
  const { config, lifecycle, logger } = context;
  const validated = { ...topics.eventsValidated, name: config.features.validatedTopic };
  const deadLetterTopic = { ...topics.eventsDlq, name: config.features.dlqTopic };

  const kafka = createKafkaClient({ clientId: config.kafka.clientId, brokers: config.kafka.brokers, logger });
  await ensureTopics(kafka, [validated, deadLetterTopic]);
  // A partition may stop holding the watermark only once Kafka shows nothing left in it: asked after each batch is fetched.
  const endOffsets = createPartitionEndOffsets({ kafka, topic: validated.name });
  lifecycle.register('kafka end offsets', () => endOffsets.close());
  const partitions = [...(await endOffsets.fetch()).keys()].sort((a, b) => a - b);

  // Refused events go to the dead-letter topic through the consumer's context of the batch they came in.
  const sideOutput = createSideOutput();
  // Every partition holds the watermark from the start, so the first to deliver cannot make the others late.
  const sources = partitions.map((partition) => sourceOf(validated.name, partition));
  const partitionOf = new Map(partitions.map((partition, i) => [sources[i] as string, partition]));
  const endOffsetsOf = async (asked: readonly string[]) => {
    const ends = await endOffsets.fetch();
    return new Map(asked.flatMap((source) => {
      const end = ends.get(partitionOf.get(source) ?? -1);
      return end === undefined ? [] : [[source, end] as const];
    }));
  };
  const stores = await openFeatureStores({ config, logger, sources, endOffsetsOf, onRejected: (rejected) => sideOutput.publish(rejected) });
  lifecycle.register('redis and clickhouse', () => stores.close());

  const { grpcPort, opsPort } = await startServiceHost({
    ...context,
    name: 'feature-pipeline',
    version,
    checks: { redis: () => stores.redis.ping(), clickhouse: async () => (await stores.clickhouse.ping()).success },
  });

  await stores.processor.start();

  const consumer = createConsumer({
    kafka,
    groupId: config.features.groupId,
    topic: validated,
    deadLetterTopic: deadLetterTopic.name,
    // The processor applies batches one at a time in call order; several in flight overlap aggregation with writes.
    partitionsConcurrency: config.features.partitionsConcurrency,
    maxBatchSize: config.features.maxBatchSize,
    batchHandler: async (records, batchContext) => {
      await stores.processor.process(sideOutput.toFeatureRecords(records, batchContext));
    },
    logger,
  });
  await consumer.start();
  lifecycle.register('kafka consumer', () => consumer.close());

  logger.info({ grpcPort, opsPort, topic: validated.name, version: flightFeatureSet.version, prefix: config.features.redisPrefix }, 'feature pipeline started');
  return { grpcPort, opsPort };
}
