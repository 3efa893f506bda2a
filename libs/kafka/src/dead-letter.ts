import { Code, type TributaryError } from '@tributary/errors';
import type { Logger } from '@tributary/observability';
import { Partitioners, type IHeaders, type Kafka, type KafkaMessage, type Message } from 'kafkajs';
import { KafkaDeadLetterError } from './errors.js';
import { DeadLetterHeader } from './headers.js';
import { kafkaMetrics } from './metrics.js';

/** Where a failed record came from and why it failed. */
export interface DeadLetterFailure {
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly consumerGroup: string;
  readonly error: TributaryError;
  /** Handler calls made; 0 when the record was not even decoded. */
  readonly attempts: number;
}

/** Writes failed records to a dead-letter topic with an idempotent producer of its own. */
export interface DeadLetterWriter {
  start(): Promise<void>;
  /** Resolves once the brokers have the record; throws {@link KafkaDeadLetterError} otherwise. */
  write(message: KafkaMessage, failure: DeadLetterFailure): Promise<void>;
  close(): Promise<void>;
}

/** Longest `dlq_error` kept; error messages can embed whole payloads. */
const maxErrorLength = 2000;

/** The dead letter of a record: its original key, value and headers plus the `dlq_*` headers. */
export function deadLetterMessage(message: KafkaMessage, failure: DeadLetterFailure, failedAt: Date): Message {
  const headers: IHeaders = {
    ...message.headers,
    [DeadLetterHeader.error]: failure.error.message.slice(0, maxErrorLength),
    [DeadLetterHeader.errorCode]: Code[failure.error.code],
    [DeadLetterHeader.sourceTopic]: failure.sourceTopic,
    [DeadLetterHeader.sourcePartition]: String(failure.sourcePartition),
    [DeadLetterHeader.sourceOffset]: message.offset,
    [DeadLetterHeader.attempts]: String(failure.attempts),
    [DeadLetterHeader.consumerGroup]: failure.consumerGroup,
    [DeadLetterHeader.failedAt]: failedAt.toISOString(),
  };
  return { key: message.key, value: message.value, headers };
}

/** Creates a {@link DeadLetterWriter} for one dead-letter topic. */
export function createDeadLetterWriter(kafka: Kafka, topic: string, logger: Logger): DeadLetterWriter {
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  return {
    start: () => producer.connect(),
    async write(message, failure) {
      try {
        await producer.send({ topic, acks: -1, messages: [deadLetterMessage(message, failure, new Date())] });
      } catch (reason) {
        throw new KafkaDeadLetterError(topic, failure.sourceTopic, failure.sourcePartition, message.offset, reason);
      }
      kafkaMetrics().deadLettered.inc({ topic: failure.sourceTopic, group: failure.consumerGroup });
      logger.warn(
        {
          err: failure.error,
          topic: failure.sourceTopic,
          partition: failure.sourcePartition,
          offset: message.offset,
          attempts: failure.attempts,
          deadLetterTopic: topic,
        },
        'record moved to the dead-letter topic',
      );
    },
    close: () => producer.disconnect(),
  };
}
