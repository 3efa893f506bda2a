import { toBinary } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { EventSchema, type Event } from '@tributary/contracts';
import type { FeatureRecord, RejectedRecord } from '@tributary/features';
import { DeadLetterHeader, type ConsumedRecord, type TopicDefinition, type TypedProducer } from '@tributary/kafka';
import { featureEventOf } from './feature-events.js';

/** The header that carries why an event was not counted, as ingestion's rejects do. */
export const DEAD_LETTER_REASON_HEADER = 'dlq_reason';

/** The gRPC-shaped code name written in `dlq_error_code` for each reason. */
const errorCodes = { too_late: 'OutOfRange', invalid: 'InvalidArgument' } as const;

/** The engine's name of a topic partition, e.g. `events.validated/3`: its offsets are checkpointed under it. */
export function sourceOf(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

/** Turns consumed records into engine records and sends the ones the engine refuses to the dead-letter topic. */
export interface SideOutput {
  /** The engine records of a batch, each remembered with the Kafka record it came from. */
  toFeatureRecords(records: readonly ConsumedRecord<Event>[]): FeatureRecord[];
  /** Writes refused events, with their original key, value and headers, to the dead-letter topic. */
  publish(rejected: readonly RejectedRecord[]): Promise<void>;
}

/** Options of {@link createSideOutput}. */
export interface SideOutputOptions {
  readonly producer: TypedProducer;
  readonly deadLetterTopic: TopicDefinition<Uint8Array>;
  /** The consumer group, written into the dead letters. */
  readonly groupId: string;
}

/**
 * The side output of the feature pipeline: events too late for their window
 * or missing a field go to `events.dlq` with `dlq_reason`
 * (`features.too_late`, `features.invalid`), the error, the source position
 * and the original CloudEvents attributes, so they can be inspected or
 * replayed. Engine records are tied to their Kafka records by identity.
 */
export function createSideOutput(options: SideOutputOptions): SideOutput {
  const { producer, deadLetterTopic, groupId } = options;
  const origins = new WeakMap<FeatureRecord, ConsumedRecord<Event>>();
  return {
    toFeatureRecords(records) {
      const first = records[0];
      // A batch is one partition's: its source name is made once.
      const source = first ? sourceOf(first.topic, first.partition) : '';
      return records.map((record) => {
        const featureRecord: FeatureRecord = {
          source: record.partition === first?.partition && record.topic === first.topic ? source : sourceOf(record.topic, record.partition),
          offset: BigInt(record.offset),
          event: featureEventOf(record.value),
        };
        origins.set(featureRecord, record);
        return featureRecord;
      });
    },
    async publish(rejected) {
      const failedAt = new Date().toISOString();
      const letters = rejected.flatMap(({ record, reason, detail }) => {
        const origin = origins.get(record);
        if (!origin) return [];
        const { value: event, key, headers, topic, partition, offset } = origin;
        return [
          {
            ...(key === null ? {} : { key }),
            value: toBinary(EventSchema, event),
            id: event.eventId,
            type: event.type,
            ...(event.eventTime ? { time: timestampDate(event.eventTime) } : {}),
            headers: {
              ...headers,
              [DEAD_LETTER_REASON_HEADER]: `features.${reason}`,
              [DeadLetterHeader.error]: detail,
              [DeadLetterHeader.errorCode]: errorCodes[reason],
              [DeadLetterHeader.attempts]: '1',
              [DeadLetterHeader.failedAt]: failedAt,
              [DeadLetterHeader.sourceTopic]: topic,
              [DeadLetterHeader.sourcePartition]: String(partition),
              [DeadLetterHeader.sourceOffset]: offset,
              [DeadLetterHeader.consumerGroup]: groupId,
            },
          },
        ];
      });
      if (letters.length > 0) await producer.send(deadLetterTopic, letters);
    },
  };
}
