import { EventRejectedError, type Rejection } from '@tributary/ingest';
import { DeadLetterHeader, type DeadLetterWriter } from '@tributary/kafka';

/** Where a rejected gRPC event came from: the method that received it. */
export interface RejectSource {
  readonly method: string;
}

/** An event ingestion refused over gRPC, as it arrived, with why. */
export interface RejectedRecord {
  readonly key: string | null;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly rejection: Rejection;
  readonly source: RejectSource;
}

/** Sends rejected gRPC events to the dead-letter topic. */
export type RejectPublisher = (records: readonly RejectedRecord[]) => Promise<void>;

/**
 * What a rejection writes into its dead letter: the error (`dlq_error`, the
 * human message; `dlq_error_code` `InvalidArgument`) and `dlq_reason` (e.g.
 * `schema.out_of_range`). Shared by the `events.raw` consumer's rejects and the
 * gRPC ones.
 */
export function rejectionDeadLetter(rejection: Rejection): { readonly error: EventRejectedError; readonly headers: Record<string, string> } {
  return { error: new EventRejectedError(rejection), headers: { [DeadLetterHeader.reason]: rejection.reason } };
}

/**
 * Writes the rejects of gRPC calls to the dead-letter topic through the
 * writer (requests sized to the topic's limit): the event as protobuf, its
 * reason and error, `dlq_source_topic` = `grpc:<method>`, `attempts` 1. They
 * have no topic position, so no stable dead-letter id either: a client that
 * retries a call whose rejects were written gets them written again.
 */
export function createRejectPublisher(writer: DeadLetterWriter): RejectPublisher {
  return async (records) => {
    if (records.length === 0) return;
    await writer.write(
      records.map(({ key, value, headers, rejection, source }) => {
        const { error, headers: reasonHeaders } = rejectionDeadLetter(rejection);
        return {
          key,
          value: Buffer.from(value.buffer, value.byteOffset, value.byteLength),
          headers,
          error,
          attempts: 1,
          extraHeaders: { ...reasonHeaders, [DeadLetterHeader.sourceTopic]: `grpc:${source.method}` },
        };
      }),
    );
  };
}
