import type { Ingestor } from '@tributary/ingest';
import { CloudEventHeader, recordTraceContext, type BatchHandler } from '@tributary/kafka';
import { rejectionDeadLetter } from './reject-publisher.js';

/** Options of {@link createRawBatchHandler}. */
export interface RawBatchHandlerOptions {
  readonly ingestor: Ingestor;
}

/**
 * Handles a batch of `events.raw`: the ingestor writes the valid, new events
 * to ClickHouse and `events.validated` and marks them; then the rejects go to
 * the consumer's dead-letter topic with their reason (`context.deadLetter`:
 * one stable id per source offset, not repeated when the batch is retried).
 * Only when all of that is durable does the handler return and let the
 * consumer commit the offsets; if anything throws, the batch is retried whole
 * (the ingestor skips what it already wrote). Each event goes on to
 * `events.validated` in the trace of the record it came in (see the sink).
 */
export function createRawBatchHandler(options: RawBatchHandlerOptions): BatchHandler<Uint8Array> {
  const { ingestor } = options;
  return async (records, context) => {
    const result = await ingestor.ingestRecords(
      records.map((record) => {
        const type = record.header(CloudEventHeader.contentType);
        const traceContext = recordTraceContext(record);
        return type === undefined ? { value: record.value, traceContext } : { value: record.value, contentType: type, traceContext };
      }),
    );
    await context.deadLetter(
      result.outcomes.flatMap((outcome, i) => {
        const record = records[i];
        if (outcome.status !== 'rejected' || !record) return [];
        return [{ record, ...rejectionDeadLetter(outcome.rejection) }];
      }),
    );
  };
}
