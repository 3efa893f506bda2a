/**
 * The one reader of the raw events table, on the real ClickHouse: rows the
 * store wrote (some twice, as a redelivery writes them) read back as the
 * backfill, the trainer's labels and batch scoring read them.
 */
import { randomBytes } from 'node:crypto';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { localClickHouse } from '@tributary/infra/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRawEventReader, createRawEventStore, RawEventStoreError, type RawEventRow } from './index.js';
import { arrivedMessage, departedMessage, sampleFlight } from './testing/flight-messages.js';

const database = `ingest_reader_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const clickhouse = localClickHouse();
const store = createRawEventStore({ client: clickhouse, database });
const reader = createRawEventReader({ client: clickhouse, database });

const hour = 3_600_000;
const day = 24 * hour;
/** Flights of 15 Jan 2001; the last one left past midnight, so its events are on the 16th. */
const flights = [
  sampleFlight({ flightKey: '20010115T0930-ORD-LAX-1', departureTimeMs: Date.UTC(2001, 0, 15, 9, 30), arrivalDelayMinutes: 12 }),
  sampleFlight({ flightKey: '20010115T1100-ATL-JFK-2', departureTimeMs: Date.UTC(2001, 0, 15, 11), arrivalDelayMinutes: 45, origin: 'ATL', destination: 'JFK', distanceMiles: 760 }),
  sampleFlight({ flightKey: '20010115T2355-SFO-SEA-3', departureTimeMs: Date.UTC(2001, 0, 16, 0, 20), arrivalDelayMinutes: -3, origin: 'SFO', destination: 'SEA', distanceMiles: 679 }),
  // Departed, never arrived (yet).
  sampleFlight({ flightKey: '20010115T1500-DEN-PHX-4', departureTimeMs: Date.UTC(2001, 0, 15, 15), origin: 'DEN', destination: 'PHX', distanceMiles: 602 }),
];
const departures = flights.map((flight) => departedMessage(flight));
const arrivals = flights.slice(0, 3).map((flight) => arrivedMessage(flight));
const window = { fromMs: Date.UTC(2001, 0, 15), toMs: Date.UTC(2001, 0, 16) };

beforeAll(async () => {
  await store.ensureSchema();
  await store.write([...departures, ...arrivals]);
  await store.write(departures.slice(0, 2)); // a redelivered batch: read once
});

afterAll(async () => {
  await clickhouse.command({ query: 'DROP DATABASE IF EXISTS {database:Identifier}', query_params: { database } });
  await clickhouse.close();
});

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

describe('createRawEventReader()', () => {
  it('reads every event once, in event-time order, in batches of the size asked', async () => {
    const batches: RawEventRow[][] = [];
    for await (const batch of reader.events({ untilMs: window.toMs + day, batchSize: 3 })) batches.push(batch);
    const rows = batches.flat();

    expect(batches.map((batch) => batch.length)).toEqual([3, 3, 1]);
    expect(new Set(rows.map((row) => row.eventId)).size).toBe(7);
    const times = rows.map((row) => row.eventTimeMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const first = departures[0];
    const stored = rows.find((row) => row.eventId === first?.eventId);
    expect(stored?.type).toBe('flight.departed');
    expect(stored?.eventTimeMs).toBe(first?.eventTime ? timestampMs(first.eventTime) : undefined);
    expect(JSON.parse(stored?.payloadJson ?? '{}')).toMatchObject({ origin: 'ORD', destination: 'LAX', flightKey: '20010115T0930-ORD-LAX-1' });
  });

  it('stops before untilMs and says where the table ends', async () => {
    const before = await collect(reader.events({ untilMs: Date.UTC(2001, 0, 15, 12), batchSize: 100 }));
    expect(before.every((row) => row.eventTimeMs < Date.UTC(2001, 0, 15, 12))).toBe(true);
    expect(before.length).toBeGreaterThan(0);
    const latest = Math.max(...[...departures, ...arrivals].map((event) => (event.eventTime ? timestampMs(event.eventTime) : 0)));
    expect(await reader.endTimeMs()).toBe(latest + 1);
    await createRawEventStore({ client: clickhouse, database, table: 'events_raw_empty' }).ensureSchema();
    expect(await createRawEventReader({ client: clickhouse, database, table: 'events_raw_empty' }).endTimeMs()).toBeUndefined();
  });

  it('fails with a RawEventStoreError naming the table when it cannot read it', async () => {
    // The refusal is what this client is for: its own error log would only repeat it.
    const quiet = localClickHouse({ quiet: true });
    try {
      const missing = createRawEventReader({ client: quiet, database, table: 'events_raw_missing' });
      await expect(missing.endTimeMs()).rejects.toThrow(RawEventStoreError);
      await expect(collect(missing.departures(window))).rejects.toThrow(new RegExp(`read on ${database}.events_raw_missing failed`));
    } finally {
      await quiet.close();
    }
  });

  it("gives the window's departures by the row time their flight key records, one per event id", async () => {
    const recorded = await collect(reader.departures(window));

    // The flight that left past midnight keeps its row's day; none is read twice.
    expect(recorded.map((departure) => departure.eventId)).toEqual([departures[0], departures[1], departures[3], departures[2]].map((event) => event?.eventId));
    expect(recorded.map((departure) => departure.rowMs)).toEqual([Date.UTC(2001, 0, 15, 9, 30), Date.UTC(2001, 0, 15, 11), Date.UTC(2001, 0, 15, 15), Date.UTC(2001, 0, 15, 23, 55)]);
    expect(recorded[1]).toMatchObject({ origin: 'ATL', destination: 'JFK', distanceMiles: 760 });
    expect(await reader.countDepartures(window)).toBe(4);
    expect(await reader.countDepartures({ fromMs: window.toMs, toMs: window.toMs + day })).toBe(0);
  });

  it('joins each departure of the window to its arrival delay and leaves out flights not yet arrived', async () => {
    const arrived = await collect(reader.arrivedFlights(window));

    expect(arrived.map((flight) => [flight.rowMs, flight.origin, flight.arrivalDelayMinutes])).toEqual([
      [Date.UTC(2001, 0, 15, 9, 30), 'ORD', 12],
      [Date.UTC(2001, 0, 15, 11), 'ATL', 45],
      [Date.UTC(2001, 0, 15, 23, 55), 'SFO', -3],
    ]);
    // Arrivals searched only up to the window's end: the small-hours flight has not landed by then.
    expect((await collect(reader.arrivedFlights(window, { maxArrivalDelayMs: 0 }))).map((flight) => flight.origin)).toEqual(['ORD', 'ATL']);
  });
});
