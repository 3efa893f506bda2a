import type { Ingestor } from '@tributary/ingest';
import { CloudEventHeader, type BatchHandler } from '@tributary/kafka';
import type { RejectPublisher } from './reject-publisher.js';

/** Options of {@link createRawBatchHandler}. */
export interface RawBatchHandlerOptions {
  readonly ingestor: Ingestor;
  readonly publishRejects: RejectPublisher;
  /** The consumer group, written into the dead letters. */
  readonly groupId: string;
}

/**
 * Handles a batch of `events.raw`: the ingestor writes the valid, new events
 * to ClickHouse and `events.validated` and marks them; then the rejects go
 * to `events.dlq`. Only when all of that is durable does the handler return
 * and let the consumer commit the offsets; if anything throws, the batch is
 * retried whole (duplicates are dropped on the way).
 */
export function createRawBatchHandler(options: RawBatchHandlerOptions): BatchHandler<Uint8Array> {
  const { ingestor, publishRejects, groupId } = options;
  return async (records) => {
    const result = await ingestor.ingestRecords(
      records.map((record) => {
        const type = record.header(CloudEventHeader.contentType);
        return type === undefined ? { value: record.value } : { value: record.value, contentType: type };
      }),
    );
    await publishRejects(
      result.outcomes.flatMap((outcome, i) => {
        const record = records[i];
        if (outcome.status !== 'rejected' || !record) return [];
        const { topic, partition, offset, key, value, headers } = record;
        return [{ key, value, headers, rejection: outcome.rejection, source: { topic, partition, offset, groupId } }];
      }),
    );
  };
}
