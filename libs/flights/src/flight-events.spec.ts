import { beforeAll, describe, expect, it } from 'vitest';
import {
  FLIGHT_ARRIVED,
  FLIGHT_DEPARTED,
  MalformedFlightRowError,
  estimatedBlockTimeMs,
  readFlightEvents,
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

function flight(key: string, departureTimeMs: number, distanceMiles: number): Flight {
  return { flightKey: key, departureTimeMs, distanceMiles, arrivalDelayMinutes: 5, origin: 'AAA', destination: 'BBB' };
}

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

describe('toFlightEvents()', () => {
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
