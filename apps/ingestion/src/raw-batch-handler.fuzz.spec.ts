/**
 * Fuzzing of the Kafka edge of ingestion: batches of `events.raw` records
 * with any headers (CloudEvents ones, content types, garbage names and
 * values) and any values, through the batch handler. Properties: nothing
 * throws; each rejected record is handed to the dead letters untouched (key,
 * value, headers as they came) with a known reason and a message; the valid
 * records are written as sent.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { EventSchema, type Event } from '@tributary/contracts';
import { assertEdgeHolds, hostileText, mutatedBytes } from '@tributary/fuzz';
import { RejectReason, createEventValidator, createIngestor, createSchemaRegistry, flightEventSchemas } from '@tributary/ingest';
import { InMemoryDeduplicator, InMemoryEventSink, validFlightEventArbitrary } from '@tributary/ingest/testing';
import { CloudEventHeader, DeadLetterHeader, type ConsumedRecord, type HandlerContext, type RecordDeadLetter } from '@tributary/kafka';
import { createLogger } from '@tributary/observability';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRawBatchHandler } from './raw-batch-handler.js';

const NOW_MS = Date.UTC(2026, 0, 1);
const reasons = new Set<string>(Object.values(RejectReason));
const pool = fc.sample(validFlightEventArbitrary(), { numRuns: 500, seed: 17 });

const headerName = fc.oneof(fc.constantFrom(...Object.values(CloudEventHeader), 'traceparent', 'x-custom'), hostileText({ maxLength: 16 }));
const headerValue = fc.oneof(
  fc.constantFrom('application/json', 'application/protobuf', 'flight.departed', '2001-01-01T00:00:00Z', '275760-09-13T00:00:00Z', 'not a time', ''),
  hostileText({ maxLength: 40 }),
);
const headers = fc.dictionary(headerName, headerValue, { maxKeys: 5 });

interface GeneratedRecord {
  readonly key: string | null;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  /** Set on the records that must be accepted. */
  readonly valid?: Event;
}

/** Valid protobuf events (their content type right or absent) among records of any bytes and headers. */
const batch = fc.array(
  fc.oneof<fc.Arbitrary<GeneratedRecord>[]>(
    fc.tuple(fc.constantFrom(...pool), fc.nat(), headers, fc.boolean()).map(([event, n, h, typed]): GeneratedRecord => {
      const valid = { ...event, eventId: `valid-${n}` };
      const { [CloudEventHeader.contentType]: _dropped, ...rest } = h;
      return { key: valid.entityId, value: toBinary(EventSchema, valid), headers: typed ? { ...rest, [CloudEventHeader.contentType]: 'application/protobuf' } : rest, valid };
    }),
    fc.record({ key: fc.option(hostileText(), { nil: null }), value: mutatedBytes(fc.constantFrom(...pool).map((e) => toBinary(EventSchema, { ...e, eventId: 'junk' }))), headers }),
  ),
  { maxLength: 6 },
);

describe('raw batch handler fuzzing', () => {
  it('hands every rejected record to the dead letters untouched with its reason, and keeps the valid ones', () => {
    const sink = new InMemoryEventSink();
    const deduplicator = new InMemoryDeduplicator();
    const deadLetters: RecordDeadLetter<unknown>[] = [];
    const context: HandlerContext = { signal: new AbortController().signal, deadLetter: async (letters) => void deadLetters.push(...letters) };
    const ingestor = createIngestor({
      validator: createEventValidator({ registry: createSchemaRegistry(flightEventSchemas), clock: () => NOW_MS }),
      deduplicator,
      sinks: [sink],
      retry: { retries: 0 },
      logger: createLogger({ name: 'raw-batch-fuzz', level: 'silent' }),
    });
    const handler = createRawBatchHandler({ ingestor });
    return assertEdgeHolds<readonly GeneratedRecord[]>({
      name: 'ingestion kafka records and headers',
      input: batch,
      async check(generated) {
        deduplicator.seen.clear();
        sink.written.length = 0;
        deadLetters.length = 0;
        // Valid ids are unique within the batch: the first of a repeated one is kept, the rest are duplicates.
        const firstValid = new Map<string, number>();
        generated.forEach((r, i) => r.valid && !firstValid.has(r.valid.eventId) && firstValid.set(r.valid.eventId, i));
        const records: ConsumedRecord<Uint8Array>[] = generated.map((r, i) => ({
          topic: 'events.raw',
          partition: 0,
          offset: String(i),
          key: r.key,
          value: r.value,
          headers: r.headers,
          header: (name: string) => r.headers[name],
          timestamp: new Date(NOW_MS),
        }));
        await handler(records, context);
        for (const [id, i] of firstValid) {
          const valid = generated[i]?.valid as Event;
          expect(sink.written.find((e) => e.eventId === id)).toEqual(create(EventSchema, { ...valid, ingestTime: timestampFromMs(NOW_MS) }));
        }
        const offsets = deadLetters.map((letter) => Number(letter.record.offset));
        expect(new Set(offsets).size).toBe(offsets.length);
        expect(offsets.filter((offset) => generated[offset]?.valid)).toEqual([]);
        for (const { record, error, headers } of deadLetters) {
          const source = generated[Number(record.offset)];
          expect(record.key).toBe(source?.key);
          expect(Buffer.from(record.value as Uint8Array).equals(Buffer.from(source?.value ?? []))).toBe(true);
          expect(record.headers).toEqual(source?.headers);
          expect(reasons.has(headers?.[DeadLetterHeader.reason] ?? '')).toBe(true);
          expect(error.message.trim()).not.toBe('');
        }
      },
    });
  });
});
