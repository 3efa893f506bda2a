import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { IngestOutcome, type Event } from '@tributary/contracts';
import { departedEvent, toEventMessage } from '@tributary/flights';
import { createEventValidator, createIngestor, createSchemaRegistry, flightEventSchemas } from '@tributary/ingest';
import { InMemoryDeduplicator, InMemoryEventSink } from '@tributary/ingest/testing';
import { createLogger } from '@tributary/observability';
import { describe, expect, it } from 'vitest';
import { createIngestionServiceImpl } from './ingestion-service.js';
import type { RejectedRecord } from './reject-publisher.js';

const flight = {
  flightKey: '20010301T0800-BOS-SFO-1',
  departureTimeMs: Date.UTC(2001, 2, 1, 8),
  arrivalDelayMinutes: 20,
  distanceMiles: 2704,
  origin: 'BOS',
  destination: 'SFO',
};

function setUp() {
  const sink = new InMemoryEventSink();
  const dead: RejectedRecord[] = [];
  const ingestor = createIngestor({
    validator: createEventValidator({ registry: createSchemaRegistry(flightEventSchemas) }),
    deduplicator: new InMemoryDeduplicator(),
    sinks: [sink],
    logger: createLogger({ name: 'ingestion-service-spec', level: 'silent' }),
  });
  const service = createIngestionServiceImpl({
    ingestor,
    publishRejects: (records) => {
      dead.push(...records);
      return Promise.resolve();
    },
  });
  return { service, sink, dead };
}

describe('createIngestionServiceImpl()', () => {
  const valid = toEventMessage(departedEvent(flight));
  const future: Event = { ...valid, eventId: 'future-1', eventTime: timestampFromMs(Date.now() + 86_400_000) };

  it('answers each event of an Ingest call with its outcome, in order', async () => {
    const { service } = setUp();
    const response = await service.ingest({ $typeName: 'tributary.v1.IngestRequest', events: [valid, valid, future] }, {} as never);
    expect(response.results?.map((r) => [r.eventId, r.outcome, r.reason])).toEqual([
      [valid.eventId, IngestOutcome.ACCEPTED, ''],
      [valid.eventId, IngestOutcome.DUPLICATE, ''],
      ['future-1', IngestOutcome.REJECTED, 'time.future'],
    ]);
  });

  it('sends gRPC rejects to the dead letters as protobuf with their reason and method', async () => {
    const { service, dead } = setUp();
    await service.ingest({ $typeName: 'tributary.v1.IngestRequest', events: [future] }, {} as never);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      key: valid.entityId,
      headers: { 'content-type': 'application/protobuf' },
      rejection: { reason: 'time.future' },
      source: { method: 'IngestionService/Ingest' },
    });
  });

  it('totals a client stream and lists only its rejects', async () => {
    const { service, sink } = setUp();
    async function* requests() {
      yield { $typeName: 'tributary.v1.IngestStreamRequest' as const, events: [valid, future] };
      yield { $typeName: 'tributary.v1.IngestStreamRequest' as const, events: [valid] };
    }
    const totals = await service.ingestStream(requests(), {} as never);
    expect(totals).toMatchObject({ acceptedCount: 1, duplicateCount: 1, rejectedCount: 1 });
    expect(totals.rejected?.map((r) => r.eventId)).toEqual(['future-1']);
    expect(sink.written).toHaveLength(1);
  });
});
