import { fromBinary } from '@bufbuild/protobuf';
import { EventSchema } from '@tributary/contracts';
import { Code, TributaryError } from '@tributary/errors';
import { createLogger } from '@tributary/observability';
import { describe, expect, it } from 'vitest';
import { arrivedMessage, asJson, asProtobuf, departedMessage, sampleFlight, unknownTypeMessage } from './testing/flight-messages.js';
import {
  RejectReason,
  createEventValidator,
  createIngestor,
  createSchemaRegistry,
  flightEventSchemas,
  ingestMetrics,
  type Deduplicator,
  type EventSink,
} from './index.js';
import { InMemoryDeduplicator, InMemoryEventSink } from './testing/index.js';

const logger = createLogger({ name: 'ingest-spec', level: 'silent' });

const validator = createEventValidator({ registry: createSchemaRegistry(flightEventSchemas) });

function setUp(sinks?: EventSink[]) {
  const deduplicator = new InMemoryDeduplicator();
  const sink = new InMemoryEventSink();
  const ingestor = createIngestor({ validator, deduplicator, sinks: sinks ?? [sink], retry: { retries: 1, baseDelayMs: 1 }, logger });
  return { deduplicator, sink, ingestor };
}

/** A sink that cannot tell what it holds, as a Kafka topic cannot: it writes to `sink`, and has no `findWritten`. */
function topicLike(sink: InMemoryEventSink): EventSink {
  return { name: `${sink.name} (no findWritten)`, write: (events, protobuf) => sink.write(events, protobuf) };
}

/** The flights of `count` departures, a minute apart. */
function departures(count: number) {
  return Array.from({ length: count }, (_, i) =>
    departedMessage(sampleFlight({ flightKey: `k${i}`, departureTimeMs: Date.UTC(2001, 0, 15, 9, i) })),
  );
}

/** Occurrences of each id beyond its first. */
function rewrites(written: readonly { readonly eventId: string }[]): number {
  return written.length - new Set(written.map((event) => event.eventId)).size;
}

describe('createIngestor()', () => {
  it('accepts valid records of both formats and rejects the bad ones in between, in input order', async () => {
    const { ingestor, sink } = setUp();
    const records = [
      { value: asJson(departedMessage()), contentType: 'application/json' },
      { value: new TextEncoder().encode('{"eventId": "broken'), contentType: 'application/json' },
      { value: asProtobuf(arrivedMessage()) },
      { value: asProtobuf(unknownTypeMessage()) },
      { value: asJson(arrivedMessage(sampleFlight({ flightKey: 'k2', arrivalDelayMinutes: 5000 }))) },
    ];
    const result = await ingestor.ingestRecords(records);
    expect(result.outcomes.map((o) => (o.status === 'rejected' ? o.rejection.reason : o.status))).toEqual([
      'accepted',
      RejectReason.malformed,
      'accepted',
      RejectReason.unknownType,
      RejectReason.outOfRange,
    ]);
    expect(result).toMatchObject({ accepted: 2, duplicates: 0, rejected: 3 });
    expect(sink.written.map((e) => e.type)).toEqual(['flight.departed', 'flight.arrived']);
    expect(sink.written.every((e) => e.ingestTime !== undefined)).toBe(true);
    // The bytes for the topic are the validated events, whichever format they came in.
    expect(sink.writtenProtobuf.map((bytes) => fromBinary(EventSchema, bytes))).toEqual(sink.written);
  });

  it('keeps the id of a rejected event when it could be read', async () => {
    const { ingestor } = setUp();
    const [outcome] = (await ingestor.ingestEvents([unknownTypeMessage()])).outcomes;
    expect(outcome).toMatchObject({ status: 'rejected', eventId: 'unknown-type-1' });
  });

  it('writes an event repeated within a batch once', async () => {
    const { ingestor, sink } = setUp();
    const result = await ingestor.ingestEvents([departedMessage(), departedMessage()]);
    expect(result.outcomes.map((o) => o.status)).toEqual(['accepted', 'duplicate']);
    expect(sink.written).toHaveLength(1);
  });

  it('drops a replayed batch as duplicates', async () => {
    const { ingestor, sink } = setUp();
    const batch = [departedMessage(), arrivedMessage()];
    await ingestor.ingestEvents(batch);
    const replay = await ingestor.ingestEvents(batch);
    expect(replay).toMatchObject({ accepted: 0, duplicates: 2, rejected: 0 });
    expect(sink.written).toHaveLength(2);
  });

  it('marks nothing when a sink keeps failing, and the redelivery writes only to the sink that failed', async () => {
    const healthy = new InMemoryEventSink('healthy');
    const failing = new InMemoryEventSink('failing');
    const { ingestor, deduplicator } = setUp([healthy, failing]);
    failing.failWith = new TributaryError(Code.Unavailable, 'down');
    await expect(ingestor.ingestEvents([departedMessage()])).rejects.toThrow('down');
    expect(deduplicator.seen.size).toBe(0);

    failing.failWith = undefined;
    expect((await ingestor.ingestEvents([departedMessage(), arrivedMessage()])).accepted).toBe(2);
    expect(healthy.written.map((event) => event.type)).toEqual(['flight.departed', 'flight.arrived']);
    expect(failing.written.map((event) => event.type)).toEqual(['flight.departed', 'flight.arrived']);
    expect(deduplicator.seen.size).toBe(2);
  });

  it('writes an event to a sink again once it was forgotten: after it was marked and its mark is gone', async () => {
    const healthy = new InMemoryEventSink('healthy');
    const { ingestor, deduplicator } = setUp([healthy]);
    await ingestor.ingestEvents([departedMessage()]);
    deduplicator.seen.clear();
    expect((await ingestor.ingestEvents([departedMessage()])).accepted).toBe(1);
    expect(healthy.written).toHaveLength(2);
  });

  it('after a crash between the writes and the marks, the next ingestor writes nothing twice to a sink that can tell what it holds', async () => {
    const deduplicator = new InMemoryDeduplicator();
    const table = new InMemoryEventSink('table');
    const topic = new InMemoryEventSink('topic');
    const sinks = [table, topicLike(topic)];
    // The first process writes both sinks and dies before its marks land.
    const dying: Deduplicator = { claim: (ids) => deduplicator.claim(ids), markSeen: () => Promise.reject(new Error('killed')) };
    const batch = departures(5);
    await expect(createIngestor({ validator, deduplicator: dying, sinks, retry: { retries: 0 }, logger }).ingestEvents(batch.slice(0, 3))).rejects.toThrow(
      'killed',
    );
    expect(table.written).toHaveLength(3);
    expect(deduplicator.pending.size).toBe(3);

    // The next owner gets the records again, with more behind them.
    const next = createIngestor({ validator, deduplicator, sinks, retry: { retries: 0 }, logger });
    const result = await next.ingestEvents(batch);
    expect(result).toMatchObject({ accepted: 5, duplicates: 0, rejected: 0 });
    expect(table.written.map((event) => event.eventId).sort()).toEqual(batch.map((event) => event.eventId).sort());
    expect(rewrites(table.written)).toBe(0);
    // A sink that cannot answer gets the crashed batch's events a second time (its consumers count an id once).
    expect(rewrites(topic.written)).toBe(3);
    expect(deduplicator.seen.size).toBe(5);
    expect(deduplicator.pending.size).toBe(0);
  });

  it('writes a pending event that no sink holds: an attempt that claimed it and died before writing loses nothing', async () => {
    const { ingestor, deduplicator, sink } = setUp();
    const [event] = departures(1);
    await deduplicator.claim([event!.eventId]);
    expect((await ingestor.ingestEvents([event!])).accepted).toBe(1);
    expect(sink.written.map((e) => e.eventId)).toEqual([event!.eventId]);
    expect(deduplicator.seen.has(event!.eventId)).toBe(true);
  });

  it('does not write again what a failed write stored before its answer was lost', async () => {
    const sink = new InMemoryEventSink();
    let losses = 1;
    const lossy: EventSink = {
      name: 'lossy',
      write: async (events, protobuf) => {
        await sink.write(events, protobuf);
        if (losses-- > 0) throw new TributaryError(Code.Unavailable, 'connection reset before the answer');
      },
      findWritten: (events) => sink.findWritten(events),
    };
    const { ingestor } = setUp([lossy]);
    const batch = departures(4);
    expect((await ingestor.ingestEvents(batch)).accepted).toBe(4);
    expect(sink.written).toHaveLength(4);
  });

  it('asks a sink only about pending ids, never on the first attempt at new ones', async () => {
    const sink = new InMemoryEventSink();
    let asked = 0;
    const counting: EventSink = {
      name: 'counting',
      write: (events, protobuf) => sink.write(events, protobuf),
      findWritten: (events) => {
        asked += events.length;
        return sink.findWritten(events);
      },
    };
    const { ingestor, deduplicator } = setUp([counting]);
    const batch = departures(4);
    await deduplicator.claim([batch[1]!.eventId]);
    await ingestor.ingestEvents(batch);
    expect(asked).toBe(1);
    await ingestor.ingestEvents(departures(6));
    expect(asked).toBe(1);
  });

  it('retries a sink failure that says it is retryable', async () => {
    const sink = new InMemoryEventSink();
    let failures = 1;
    const flaky: EventSink = {
      name: 'flaky',
      write: (events, protobuf) => (failures-- > 0 ? Promise.reject(new TributaryError(Code.Unavailable, 'blip')) : sink.write(events, protobuf)),
    };
    const { ingestor } = setUp([flaky]);
    expect((await ingestor.ingestEvents([departedMessage()])).accepted).toBe(1);
    expect(sink.written).toHaveLength(1);
  });

  it('counts the rejects of a batch once, when the batch finally succeeds', async () => {
    const failing = new InMemoryEventSink('failing');
    const { ingestor } = setUp([failing]);
    const rejectedOutOfRange = async () =>
      (await ingestMetrics().rejected.get()).values.find((v) => v.labels['reason'] === RejectReason.outOfRange)?.value ?? 0;
    const before = await rejectedOutOfRange();
    const batch = [departedMessage(), arrivedMessage(sampleFlight({ arrivalDelayMinutes: -500 }))];
    failing.failWith = new TributaryError(Code.Unavailable, 'down');
    await expect(ingestor.ingestEvents(batch)).rejects.toThrow('down');
    failing.failWith = undefined;
    await ingestor.ingestEvents(batch);
    expect((await rejectedOutOfRange()) - before).toBe(1);
  });
});
