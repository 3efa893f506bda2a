import { beforeAll, describe, expect, it } from 'vitest';
import {
  FLIGHT_ARRIVED,
  FLIGHT_DEPARTED,
  MIDNIGHT_SLIP_MS,
  MalformedFlightRowError,
  departedPastMidnight,
  estimatedBlockTimeMs,
  flightEventId,
  readFlightEvents,
  readFlights,
  toFlightEvents,
  type Flight,
  type FlightArrivedEvent,
  type FlightDepartedEvent,
  type FlightEvent,
} from './index.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function* fromArray(flights: readonly Flight[]): AsyncGenerator<Flight> {
  yield* flights;
}

function flight(key: string, departureTimeMs: number, distanceMiles: number, arrivalDelayMinutes = 0): Flight {
  return { flightKey: key, departureTimeMs, distanceMiles, arrivalDelayMinutes, origin: 'AAA', destination: 'BBB' };
}

const HOUR_MS = 3_600_000;


describe('readFlightEvents()', () => {
  const flights = 2000;
  let events: FlightEvent[];
  beforeAll(async () => {
    events = await collect(readFlightEvents({ maxFlights: flights }));
  });

  it('emits one departure and one arrival per flight', () => {
    expect(events).toHaveLength(2 * flights);
    const departed = events.filter((e) => e.type === FLIGHT_DEPARTED);
    const arrived = events.filter((e) => e.type === FLIGHT_ARRIVED);
    expect(departed).toHaveLength(flights);
    expect(new Set(arrived.map((e) => e.flightKey))).toEqual(new Set(departed.map((e) => e.flightKey)));
  });

  it('emits events in event-time order', () => {
    for (let i = 1; i < events.length; i++) {
      expect(events[i]?.eventTimeMs).toBeGreaterThanOrEqual(events[i - 1]?.eventTimeMs ?? Infinity);
    }
  });

  it('places each arrival one estimated block time after its departure', () => {
    const departures = new Map<string, FlightDepartedEvent>();
    for (const e of events) if (e.type === FLIGHT_DEPARTED) departures.set(e.flightKey, e);
    expect(departures.size).toBe(flights);
    for (const e of events) {
      if (e.type !== FLIGHT_ARRIVED) continue;
      const departure = departures.get(e.flightKey) as FlightDepartedEvent;
      expect(departure.eventTimeMs).toBe(departure.departureTimeMs);
      expect(e.eventTimeMs - departure.eventTimeMs).toBe(estimatedBlockTimeMs(departure.distanceMiles));
      expect([e.origin, e.destination]).toEqual([departure.origin, departure.destination]);
    }
  });

  it('gives every event a unique id that a replay reproduces', async () => {
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    const replay = await collect(readFlightEvents({ maxFlights: 500 }));
    const ids = new Map(events.map((e) => [`${e.type}/${e.flightKey}`, e.eventId]));
    for (const e of replay) expect(e.eventId).toBe(ids.get(`${e.type}/${e.flightKey}`));
  });
});

describe('readFlightEvents() on flights that left past midnight', () => {
  it('moves exactly those flights a day later than their rows, and no other', async () => {
    // The first night of 2001: 00:00–06:00 holds flights that slipped past midnight.
    const toMs = Date.UTC(2001, 0, 1, 6);
    const rows = new Map<string, Flight>();
    for await (const row of readFlights({ toMs })) rows.set(row.flightKey, row);
    const events = await collect(readFlightEvents({ toMs }));
    const moved = events.filter((e) => e.type === FLIGHT_DEPARTED && e.departureTimeMs !== rows.get(e.flightKey)?.departureTimeMs);
    const slipped = [...rows.values()].filter((row) => departedPastMidnight(row));
    expect(slipped.length).toBeGreaterThan(0);
    expect(moved.map((e) => e.flightKey).sort()).toEqual(slipped.map((row) => row.flightKey).sort());
    for (const e of moved) expect(e.eventTimeMs - (rows.get(e.flightKey) as Flight).departureTimeMs).toBe(MIDNIGHT_SLIP_MS);
    for (let i = 1; i < events.length; i++) expect(events[i]?.eventTimeMs).toBeGreaterThanOrEqual(events[i - 1]?.eventTimeMs ?? Infinity);
  });
});

describe('toFlightEvents()', () => {
  it('moves both events of a flight that left past midnight a day later, keeping its key and ids', async () => {
    const night = Date.UTC(2001, 0, 15, 0, 30);
    // Recorded at 00:30 with a 200-minute arrival delay: scheduled 21:10, it really left at 00:30 the next day.
    const slipped = flight('20010115T0030-AAA-BBB-1', night, 300, 200);
    const onTime = flight('20010115T0100-AAA-BBB-1', night + 0.5 * HOUR_MS, 300);
    const nextNight = flight('20010116T0000-AAA-BBB-1', night + 23.5 * HOUR_MS, 300);
    const afterIt = flight('20010116T0100-AAA-BBB-1', night + 24.5 * HOUR_MS, 300);
    const events = await collect(toFlightEvents(fromArray([slipped, onTime, nextNight, afterIt])));

    expect(events.map((e) => `${e.type} ${e.flightKey.slice(9, 13)}`)).toEqual([
      'flight.departed 0100',
      'flight.arrived 0100',
      'flight.departed 0000',
      'flight.departed 0030',
      'flight.departed 0100',
      'flight.arrived 0000',
      'flight.arrived 0030',
      'flight.arrived 0100',
    ]);
    const ofSlipped = events.filter((e) => e.flightKey === slipped.flightKey);
    const departed = ofSlipped.find((e): e is FlightDepartedEvent => e.type === FLIGHT_DEPARTED);
    const arrived = ofSlipped.find((e): e is FlightArrivedEvent => e.type === FLIGHT_ARRIVED);
    expect(departed?.eventTimeMs).toBe(night + MIDNIGHT_SLIP_MS);
    expect(departed?.departureTimeMs).toBe(night + MIDNIGHT_SLIP_MS);
    expect(arrived?.eventTimeMs).toBe(night + MIDNIGHT_SLIP_MS + estimatedBlockTimeMs(300));
    expect(arrived?.departureTimeMs).toBe(night + MIDNIGHT_SLIP_MS);
    expect(departed?.eventId).toBe(flightEventId(FLIGHT_DEPARTED, slipped.flightKey));
    expect(arrived?.eventId).toBe(flightEventId(FLIGHT_ARRIVED, slipped.flightKey));
  });

  it('leaves a flight whose delay fits in its day where its row is', async () => {
    const night = Date.UTC(2001, 0, 15, 0, 30);
    const events = await collect(toFlightEvents(fromArray([flight('k', night, 300, 30)])));
    expect(events.map((e) => e.eventTimeMs)).toEqual([night, night + estimatedBlockTimeMs(300)]);
  });

  it('lets an arrival due at a departure time come before that departure', async () => {
    const short = flight('short', 0, 0); // arrives at 40 min
    const later = flight('later', estimatedBlockTimeMs(0), 100);
    const events = await collect(toFlightEvents(fromArray([short, later])));
    expect(events.map((e) => `${e.type} ${e.flightKey}`)).toEqual([
      'flight.departed short',
      'flight.arrived short',
      'flight.departed later',
      'flight.arrived later',
    ]);
  });

  it('keeps departure order for arrivals due at the same time', async () => {
    const events = await collect(toFlightEvents(fromArray([flight('a', 0, 70), flight('b', 0, 70)])));
    const arrivals = events.filter((e): e is FlightArrivedEvent => e.type === FLIGHT_ARRIVED);
    expect(arrivals.map((e) => e.flightKey)).toEqual(['a', 'b']);
  });

  it('refuses flights out of departure order', async () => {
    const events = collect(toFlightEvents(fromArray([flight('a', 60_000, 10), flight('b', 0, 10)])));
    await expect(events).rejects.toBeInstanceOf(MalformedFlightRowError);
  });
});
