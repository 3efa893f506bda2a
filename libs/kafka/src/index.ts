/**
 * @tributary/kafka — the topic catalogue and typed Kafka clients: an idempotent,
 * batching producer that writes CloudEvents and W3C trace headers, and a
 * consumer that continues the producer's trace, commits only handled offsets,
 * retries with jittered backoff and moves records that keep failing to a
 * dead-letter topic. Test helpers live in `@tributary/kafka/testing`.
 */
export { fetchConsumerLag, type ConsumerGroupLag, type ConsumerLagOptions, type PartitionLag } from './consumer-lag.js';
export { createConsumer, type ConsumerOptions, type RecordHandler } from './consumer.js';
export {
  createDeadLetterWriter,
  deadLetterId,
  type DeadLetter,
  type DeadLetterSource,
  type DeadLetterWriter,
  type DeadLetterWriterOptions,
} from './dead-letter.js';
export { ensureTopics, type EnsureTopicsOptions, type EnsureTopicsResult } from './ensure-topics.js';
export {
  KafkaClosedError,
  KafkaCredentialsError,
  KafkaDeadLetterError,
  KafkaDecodeError,
  KafkaProduceError,
  KafkaTopicSetupError,
  KafkaUnavailableError,
  isTransientKafkaError,
} from './errors.js';
export type { ConsumerBaseOptions, TypedConsumer } from './group-member.js';
export { CloudEventHeader, DeadLetterHeader, cloudEventsSpecVersion, headersToStrings } from './headers.js';
export { createKafkaClient, kafkaBrokersFromEnv, kafkaSaslFromEnv, type KafkaClientOptions, type KafkaConnectionOptions, type KafkaPasswordSasl } from './kafka-client.js';
export { createPartitionEndOffsets, type PartitionEndOffsets, type PartitionEndOffsetsOptions } from './partition-end-offsets.js';
export { BROKER_DEFAULT_MAX_MESSAGE_BYTES, REQUEST_FRAMING_BYTES } from './request-size.js';
export { createProducer, type Compression, type OutgoingRecord, type ProducerOptions, type TypedProducer } from './producer.js';
export type { BatchHandler, ConsumedRecord, HandlerContext, RecordDeadLetter } from './record-processor.js';
export { recordTraceContext } from './record-trace.js';
export { allTopics, topics } from './topics.js';
export {
  createTransactionalConsumer,
  transactionalIdOf,
  type TransactionalConsumerOptions,
  type TransformHandler,
} from './transactional-consumer.js';
export { defineTopic, type CleanupPolicy, type TopicDefinition, type TopicOptions } from './topic.js';
export { createBytesCodec, createProtobufCodec, type BytesCodecOptions, type ValueCodec } from './value-codec.js';
