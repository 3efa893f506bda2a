import type { Rejection } from '@tributary/ingest';
import { CloudEventHeader, DeadLetterHeader, type TopicDefinition, type TypedProducer } from '@tributary/kafka';

/** The header that carries a rejection's machine-readable reason, next to the `dlq_*` headers of `@tributary/kafka`. */
export const REJECT_REASON_HEADER = 'dlq_reason';

/** Where a rejected record came from: a topic position, or a gRPC method. */
export type RejectSource =
  | { readonly topic: string; readonly partition: number; readonly offset: string; readonly groupId: string }
  | { readonly method: string };

/** A record ingestion refused, as it arrived, with why. */
export interface RejectedRecord {
  readonly key: string | null;
  readonly value: Uint8Array;
  /** The original headers (CloudEvents ones are kept). */
  readonly headers: Readonly<Record<string, string>>;
  readonly rejection: Rejection;
  readonly source: RejectSource;
}

/** Sends rejected records to the dead-letter topic. */
export type RejectPublisher = (records: readonly RejectedRecord[]) => Promise<void>;

/**
 * Writes rejects to `events.dlq` with their original key, value and headers,
 * plus `dlq_reason` (e.g. `schema.out_of_range`), `dlq_error` (the human
 * message), `dlq_error_code` (`InvalidArgument`), the source position and the
 * time; `attempts` is 1, since a rejection is not retried.
 */
export function createRejectPublisher(producer: TypedProducer, topic: TopicDefinition<Uint8Array>): RejectPublisher {
  return async (records) => {
    if (records.length === 0) return;
    const failedAt = new Date().toISOString();
    await producer.send(
      topic,
      records.map(({ key, value, headers, rejection, source }) => ({
        ...(key === null ? {} : { key }),
        value,
        ...cloudEventAttributes(headers),
        headers: {
          ...headers,
          [REJECT_REASON_HEADER]: rejection.reason,
          [DeadLetterHeader.error]: rejection.message,
          [DeadLetterHeader.errorCode]: 'InvalidArgument',
          [DeadLetterHeader.attempts]: '1',
          [DeadLetterHeader.failedAt]: failedAt,
          ...('method' in source
            ? { [DeadLetterHeader.sourceTopic]: `grpc:${source.method}` }
            : {
                [DeadLetterHeader.sourceTopic]: source.topic,
                [DeadLetterHeader.sourcePartition]: String(source.partition),
                [DeadLetterHeader.sourceOffset]: source.offset,
                [DeadLetterHeader.consumerGroup]: source.groupId,
              }),
        },
      })),
    );
  };
}

/** The original `ce_id`, `ce_type`, `ce_time` and `content-type`, which the producer would otherwise replace. */
function cloudEventAttributes(headers: Readonly<Record<string, string>>): { id?: string; type?: string; time?: Date; contentType?: string } {
  const time = headers[CloudEventHeader.time];
  const parsedTime = time === undefined ? Number.NaN : Date.parse(time);
  return {
    ...(headers[CloudEventHeader.id] === undefined ? {} : { id: headers[CloudEventHeader.id] }),
    ...(headers[CloudEventHeader.type] === undefined ? {} : { type: headers[CloudEventHeader.type] }),
    ...(Number.isNaN(parsedTime) ? {} : { time: new Date(parsedTime) }),
    ...(headers[CloudEventHeader.contentType] === undefined ? {} : { contentType: headers[CloudEventHeader.contentType] }),
  };
}
