import { create, toBinary } from '@bufbuild/protobuf';
import { EventSchema, IngestOutcome, IngestResultSchema, type Event, type IngestionService, type IngestResult } from '@tributary/contracts';
import type { IngestBatchResult, Ingestor, IngestOutcome as Outcome } from '@tributary/ingest';
import type { ServiceImpl } from '@tributary/grpc';
import type { RejectPublisher } from './reject-publisher.js';

/** Options of {@link createIngestionServiceImpl}. */
export interface IngestionServiceOptions {
  readonly ingestor: Ingestor;
  readonly publishRejects: RejectPublisher;
}

const outcomeCodes: Record<Outcome['status'], IngestOutcome> = {
  accepted: IngestOutcome.ACCEPTED,
  duplicate: IngestOutcome.DUPLICATE,
  rejected: IngestOutcome.REJECTED,
};

/**
 * `tributary.v1.IngestionService` for producers without Kafka: the events go
 * through the same ingestor as `events.raw` (validation, deduplication,
 * ClickHouse, `events.validated`), and rejects to `events.dlq` as protobuf
 * with the reason. A failure to write answers with the error's status
 * (`UNAVAILABLE` when ClickHouse, Redis or Kafka are down), and nothing of
 * that batch is marked as written, so the client may simply retry.
 */
export function createIngestionServiceImpl(options: IngestionServiceOptions): ServiceImpl<typeof IngestionService> {
  const { ingestor, publishRejects } = options;

  async function ingestBatch(events: readonly Event[], method: string): Promise<{ result: IngestBatchResult; results: IngestResult[] }> {
    const result = await ingestor.ingestEvents(events);
    await publishRejects(
      result.outcomes.flatMap((outcome, i) => {
        const event = events[i];
        if (outcome.status !== 'rejected' || !event) return [];
        const value = toBinary(EventSchema, event);
        const headers = { 'content-type': 'application/protobuf' };
        return [{ key: event.entityId || null, value, headers, rejection: outcome.rejection, source: { method } }];
      }),
    );
    const results = result.outcomes.map((outcome, i) => toResult(outcome, events[i]?.eventId ?? ''));
    return { result, results };
  }

  return {
    async ingest(request) {
      const { results } = await ingestBatch(request.events, 'IngestionService/Ingest');
      return { results };
    },
    async ingestStream(requests) {
      const totals = { acceptedCount: 0, duplicateCount: 0, rejectedCount: 0, rejected: [] as IngestResult[] };
      for await (const request of requests) {
        const { result, results } = await ingestBatch(request.events, 'IngestionService/IngestStream');
        totals.acceptedCount += result.accepted;
        totals.duplicateCount += result.duplicates;
        totals.rejectedCount += result.rejected;
        totals.rejected.push(...results.filter((r) => r.outcome === IngestOutcome.REJECTED));
      }
      return totals;
    },
  };
}

function toResult(outcome: Outcome, eventId: string): IngestResult {
  return create(IngestResultSchema, {
    eventId,
    outcome: outcomeCodes[outcome.status],
    reason: outcome.status === 'rejected' ? outcome.rejection.reason : '',
  });
}
