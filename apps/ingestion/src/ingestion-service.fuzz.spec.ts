/**
 * Fuzzing of ingestion's gRPC edge: Ingest and IngestStream called
 * in-process with generated events (any field values, valid events among
 * them), and garbage bytes on the wire to a real server on port 0. Every
 * event gets a result in order; a rejected one goes to the dead letters with
 * a reason and a message naming its field; the valid ones are written as sent.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { EventSchema, IngestOutcome, IngestRequestSchema, IngestStreamRequestSchema, IngestionService, type Event } from '@tributary/contracts';
import { assertEdgeHolds, createRawGrpcCaller, grpcWireEdge, hostileText } from '@tributary/fuzz';
import { createGrpcServer, methodPath } from '@tributary/grpc';
import { RejectReason, createEventValidator, createIngestor, createSchemaRegistry, flightEventSchemas } from '@tributary/ingest';
import { InMemoryDeduplicator, InMemoryEventSink, anyEventArbitrary, validFlightEventArbitrary } from '@tributary/ingest/testing';
import { createLogger } from '@tributary/observability';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestionServiceImpl } from './ingestion-service.js';
import type { RejectedRecord } from './reject-publisher.js';

const NOW_MS = Date.UTC(2026, 0, 1);
const logger = createLogger({ name: 'ingestion-fuzz', level: 'silent' });
const reasons = new Set<string>(Object.values(RejectReason));
/** Valid events from a pool built once (building one costs more than ingesting it); ids generated per input. */
const pool = fc.sample(validFlightEventArbitrary(), { numRuns: 500, seed: 16 });
const validEvent = (i: number) => fc.tuple(fc.constantFrom(...pool), fc.string({ maxLength: 20 })).map(([event, tail]): Event => ({ ...event, eventId: `valid-${i}-${tail}` }));
/** Up to 6 events, the valid ones (ids `valid-…`) among any others. */
const events = fc
  .array(fc.boolean(), { maxLength: 6 })
  .chain((isValid) => fc.tuple(...isValid.map((valid, i) => (valid ? validEvent(i) : anyEventArbitrary(hostileText()).filter((e) => !e.eventId.startsWith('valid-'))))));

/** One service over an in-memory ingestor, emptied before each input. */
function createFuzzedService() {
  const sink = new InMemoryEventSink();
  const deduplicator = new InMemoryDeduplicator();
  const dead: RejectedRecord[] = [];
  const validator = createEventValidator({ registry: createSchemaRegistry(flightEventSchemas), clock: () => NOW_MS });
  const ingestor = createIngestor({ validator, deduplicator, sinks: [sink], retry: { retries: 0 }, logger });
  const service = createIngestionServiceImpl({ ingestor, publishRejects: async (records) => void dead.push(...records) });
  return () => {
    deduplicator.seen.clear();
    sink.written.length = 0;
    sink.writtenProtobuf.length = 0;
    dead.length = 0;
    return { service, sink, dead };
  };
}

/** The valid events were written exactly as sent (plus the ingest time); every dead letter says why, naming its field. */
function expectKeptAndExplained(sent: readonly Event[], sink: InMemoryEventSink, dead: readonly RejectedRecord[]): void {
  for (const event of sent.filter((e) => e.eventId.startsWith('valid-'))) {
    expect(sink.written.find((w) => w.eventId === event.eventId)).toEqual(create(EventSchema, { ...event, ingestTime: timestampFromMs(NOW_MS) }));
  }
  for (const { rejection } of dead) {
    expect(reasons.has(rejection.reason)).toBe(true);
    if (rejection.field !== undefined) expect(rejection.message.startsWith(`${rejection.field}: `)).toBe(true);
    expect(rejection.message.trim()).not.toBe('');
  }
}

describe('ingestion gRPC fuzzing', () => {
  it('answers every generated Ingest event in order, dead-letters the rejects with a reason and keeps the valid ones', () => {
    const setUp = createFuzzedService();
    return assertEdgeHolds({
      name: 'ingestion Ingest',
      input: events,
      async check(sent) {
        const { service, sink, dead } = setUp();
        const { results = [] } = await service.ingest(create(IngestRequestSchema, { events: sent }), {} as never);
        expect(results.map((r) => r.eventId)).toEqual(sent.map((e) => e.eventId));
        const rejected = results.filter((r) => r.outcome === IngestOutcome.REJECTED);
        for (const r of rejected) expect(reasons.has(r.reason ?? '')).toBe(true);
        expect(dead).toHaveLength(rejected.length);
        for (const [i, r] of results.entries()) if (sent[i]?.eventId.startsWith('valid-')) expect(r.outcome).toBe(IngestOutcome.ACCEPTED);
        expectKeptAndExplained(sent, sink, dead);
      },
    });
  });

  it('totals every generated IngestStream and keeps the valid events', () => {
    const setUp = createFuzzedService();
    return assertEdgeHolds({
      name: 'ingestion IngestStream',
      input: fc.array(events, { minLength: 1, maxLength: 3 }),
      async check(generated) {
        const { service, sink, dead } = setUp();
        // Valid ids are unique within a batch; across the stream they get the batch's number too.
        const batches = generated.map((batch, k) => batch.map((e) => (e.eventId.startsWith('valid-') ? { ...e, eventId: `valid-${k}-${e.eventId}` } : e)));
        async function* requests() {
          for (const batch of batches) yield create(IngestStreamRequestSchema, { events: batch });
        }
        const totals = await service.ingestStream(requests(), {} as never);
        const sent = batches.flat();
        expect((totals.acceptedCount ?? 0) + (totals.duplicateCount ?? 0) + (totals.rejectedCount ?? 0)).toBe(sent.length);
        expect(totals.rejected).toHaveLength(dead.length);
        expectKeptAndExplained(sent, sink, dead);
      },
    });
  });

  describe('on the wire', () => {
    const server = createGrpcServer({ address: '127.0.0.1:0', logger });
    let caller: ReturnType<typeof createRawGrpcCaller>;

    beforeAll(async () => {
      server.register(IngestionService, createFuzzedService()().service);
      caller = createRawGrpcCaller(`127.0.0.1:${await server.start()}`);
    });
    afterAll(async () => {
      caller?.close();
      await server.shutdown();
    });

    it('answers garbage bytes with a clear status and keeps serving', () => {
      const [sample] = pool;
      const valid = create(IngestRequestSchema, { events: sample ? [sample] : [] });
      return assertEdgeHolds(
        grpcWireEdge({
          name: 'ingestion grpc wire',
          caller,
          methods: [
            { path: methodPath(IngestionService.method.ingest), kind: 'unary', valid: toBinary(IngestRequestSchema, valid) },
            { path: methodPath(IngestionService.method.ingestStream), kind: 'client-stream', valid: toBinary(IngestStreamRequestSchema, create(IngestStreamRequestSchema, { events: valid.events })) },
          ],
        }),
      );
    });
  });
});
