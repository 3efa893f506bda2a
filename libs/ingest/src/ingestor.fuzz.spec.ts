/**
 * Fuzzing of ingestion's inputs: records in JSON and protobuf (valid,
 * mutated, garbage) with any content-type header, and decoded events with
 * any field values. Properties: the ingestor never throws on bad input,
 * every rejection has a known reason and a message naming its field, and
 * the valid events of a batch are accepted exactly as they were sent,
 * whatever their neighbours.
 */
import { create, fromBinary, toBinary, toJsonString } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { EventSchema, type Event } from '@tributary/contracts';
import { assertEdgeHolds, hostileText, mutatedBytes } from '@tributary/fuzz';
import { createLogger } from '@tributary/observability';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RejectReason, createEventValidator, createIngestor, createSchemaRegistry, flightEventSchemas, type IngestBatchResult, type RawRecord } from './index.js';
import { InMemoryDeduplicator, InMemoryEventSink, anyEventArbitrary, validFlightEventArbitrary } from './testing/index.js';

const NOW_MS = Date.UTC(2026, 0, 1);
const logger = createLogger({ name: 'ingest-fuzz', level: 'silent' });
const reasons = new Set<string>(Object.values(RejectReason));

/** One ingestor per edge, emptied before each input (creating one per input costs more than ingesting). */
function createFuzzedIngestor() {
  const sink = new InMemoryEventSink();
  const deduplicator = new InMemoryDeduplicator();
  const validator = createEventValidator({ registry: createSchemaRegistry(flightEventSchemas), clock: () => NOW_MS });
  const ingestor = createIngestor({ validator, deduplicator, sinks: [sink], retry: { retries: 0 }, logger });
  return () => {
    deduplicator.seen.clear();
    sink.written.length = 0;
    sink.writtenProtobuf.length = 0;
    return { ingestor, sink };
  };
}

/** Valid events' ids start `valid-` and are unique in a batch; their lengths spread evenly up to the limit of 128. */
const validId = (i: number) =>
  fc
    .integer({ min: 0, max: 120 })
    .chain((length) => fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-{'), minLength: length, maxLength: length }))
    .map((tail) => `valid-${i}-${tail}`.slice(0, 128));
/**
 * Valid events drawn from a pool built once (building one costs more than
 * ingesting it, and the fuzz benchmark draws hundreds of thousands); their
 * ids and the junk made from them are generated per input.
 */
const pool = fc.sample(validFlightEventArbitrary(), { numRuns: 1000, seed: 16 });
const pooledEvent = (eventId: fc.Arbitrary<string>) => fc.tuple(fc.constantFrom(...pool), eventId).map(([event, id]): Event => ({ ...event, eventId: id }));
const junkEvent = pooledEvent(fc.string({ maxLength: 40 }).map((s) => `junk-${s}`));
const jsonTypes = [undefined, 'application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/cloudevents+json'];
const protobufTypes = [undefined, 'application/protobuf', 'application/x-protobuf', 'application/octet-stream', 'application/vnd.google.protobuf'];

/** A record that must be accepted: a valid event, encoded as its content type says (or sniffed). */
interface ValidRecord extends RawRecord {
  readonly valid: Event;
}

function validRecord(format: 'json' | 'protobuf', i: number): fc.Arbitrary<ValidRecord> {
  return fc.tuple(pooledEvent(validId(i)), fc.constantFrom(...(format === 'json' ? jsonTypes : protobufTypes))).map(([valid, contentType]) => ({
    valid,
    value: format === 'json' ? new TextEncoder().encode(toJsonString(EventSchema, valid)) : toBinary(EventSchema, valid),
    ...(contentType === undefined ? {} : { contentType }),
  }));
}

/** Records a broken producer sends in the given format: mutated encodings, other JSON, garbage. */
function junkRecord(format: 'json' | 'protobuf'): fc.Arbitrary<RawRecord> {
  const encoded =
    format === 'json'
      ? fc.oneof(
          mutatedBytes(junkEvent.map((e) => new TextEncoder().encode(toJsonString(EventSchema, e)))),
          fc.json({ maxDepth: 2 }).map((text) => new TextEncoder().encode(text)),
          fc.object({ maxDepth: 2, maxKeys: 6 }).map((o) => new TextEncoder().encode(JSON.stringify(o))),
        )
      : mutatedBytes(junkEvent.map((e) => toBinary(EventSchema, e)));
  return fc.tuple(encoded, fc.constantFrom(...(format === 'json' ? jsonTypes : protobufTypes))).map(([value, contentType]) => (contentType === undefined ? { value } : { value, contentType }));
}

/** A batch of up to 8 records, valid ones at random places among junk. */
function batch(format: 'json' | 'protobuf'): fc.Arbitrary<readonly (RawRecord | ValidRecord)[]> {
  return fc
    .array(fc.boolean(), { minLength: 1, maxLength: 12 })
    .chain((isValid) => fc.tuple(...isValid.map((valid, i) => (valid ? validRecord(format, i) : junkRecord(format)))));
}

/** What every batch result must be: one outcome per input, known reasons, messages that name their field, counts that add up. */
function expectWellFormed(result: IngestBatchResult, inputs: number): void {
  expect(result.outcomes).toHaveLength(inputs);
  expect(result.accepted + result.duplicates + result.rejected).toBe(inputs);
  for (const outcome of result.outcomes) {
    if (outcome.status !== 'rejected') continue;
    expect(reasons.has(outcome.rejection.reason), `unknown reason ${outcome.rejection.reason}`).toBe(true);
    expect(outcome.rejection.message.trim()).not.toBe('');
    if (outcome.rejection.field !== undefined) expect(outcome.rejection.message.startsWith(`${outcome.rejection.field}: `)).toBe(true);
  }
}

/** The valid records are accepted, written once each, exactly as sent plus the ingest time, in topic bytes that decode to the same. */
function expectValidKept(records: readonly (RawRecord | ValidRecord)[], result: IngestBatchResult, sink: InMemoryEventSink): void {
  const written = new Map(sink.written.map((event, i) => [event.eventId, { event, bytes: sink.writtenProtobuf[i] as Uint8Array }]));
  expect(written.size).toBe(sink.written.length);
  records.forEach((record, i) => {
    if (!('valid' in record)) return;
    expect(result.outcomes[i]?.status, `valid record ${i} (${record.valid.eventId})`).toBe('accepted');
    const kept = written.get(record.valid.eventId);
    const expected = create(EventSchema, { ...record.valid, ingestTime: timestampFromMs(NOW_MS) });
    expect(kept?.event).toEqual(expected);
    expect(fromBinary(EventSchema, kept?.bytes ?? new Uint8Array())).toEqual(expected);
  });
}

function recordsEdge(format: 'json' | 'protobuf') {
  const setUp = createFuzzedIngestor();
  return {
    name: `ingest ${format} records`,
    input: batch(format),
    check: async (records: readonly (RawRecord | ValidRecord)[]) => {
      const { ingestor, sink } = setUp();
      const result = await ingestor.ingestRecords(records);
      expectWellFormed(result, records.length);
      expectValidKept(records, result, sink);
    },
  };
}

describe('ingestor fuzzing', () => {
  const headersSetUp = createFuzzedIngestor();
  const eventsSetUp = createFuzzedIngestor();

  it('survives JSON records of any shape and keeps the valid ones of a batch exactly', () => assertEdgeHolds(recordsEdge('json')));

  it('survives protobuf records of any bytes and keeps the valid ones of a batch exactly', () => assertEdgeHolds(recordsEdge('protobuf')));

  it('survives any content-type header on any value', () =>
    assertEdgeHolds({
      name: 'ingest content-type headers',
      input: fc.array(
        fc.record({
          value: fc.oneof(junkRecord('json').map((r) => r.value), junkRecord('protobuf').map((r) => r.value)),
          contentType: fc.oneof(hostileText(), fc.constantFrom(...[...jsonTypes, ...protobufTypes].filter((type) => type !== undefined))),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      check: async (records) => {
        const { ingestor } = headersSetUp();
        expectWellFormed(await ingestor.ingestRecords(records), records.length);
      },
    }));

  it('survives decoded events with any field values, keeping the valid ones', () =>
    assertEdgeHolds({
      name: 'ingest decoded events',
      input: fc.tuple(fc.array(anyEventArbitrary(hostileText()), { maxLength: 8 }), fc.array(pooledEvent(validId(99)), { maxLength: 1 })),
      check: async ([junk, valid]) => {
        const { ingestor, sink } = eventsSetUp();
        const events = [...junk.filter((e) => !e.eventId.startsWith('valid-')), ...valid];
        const result = await ingestor.ingestEvents(events);
        expectWellFormed(result, events.length);
        for (const v of valid) expect(sink.written.find((e) => e.eventId === v.eventId)).toEqual(create(EventSchema, { ...v, ingestTime: timestampFromMs(NOW_MS) }));
      },
    }));
});
