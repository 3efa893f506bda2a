import type { Flight, FlightEvent } from '@tributary/flights';
import { describe, expect, it } from 'vitest';
import { createFlightEventCursor, everyNthFlight } from './demo-event-cursor.js';

async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

const event = (eventTimeMs: number): FlightEvent => ({
  type: 'flight.departed',
  eventId: `e${eventTimeMs}`,
  eventTimeMs,
  flightKey: `k${eventTimeMs}`,
  origin: 'ORD',
  destination: 'LAX',
  distanceMiles: 1744,
  departureTimeMs: eventTimeMs,
});

describe('everyNthFlight()', () => {
  it('keeps the first flight and every n-th after it', async () => {
    const flights = [0, 1, 2, 3, 4, 5, 6].map((i) => ({ flightKey: `f${i}` }) as Flight);
    const kept: string[] = [];
    for await (const flight of everyNthFlight(fromArray(flights), 3)) kept.push(flight.flightKey);
    expect(kept).toEqual(['f0', 'f3', 'f6']);
  });
});

describe('createFlightEventCursor()', () => {
  it('hands out each event once, in slices cut by event time, holding the first event past a cut for the next slice', async () => {
    const cursor = createFlightEventCursor(fromArray([10, 20, 20, 30, 45, 60].map(event)));
    const times = (events: readonly FlightEvent[]) => events.map((e) => e.eventTimeMs);
    expect(times(await cursor.takeUntil(5))).toEqual([]);
    expect(times(await cursor.takeUntil(20))).toEqual([10]);
    expect(times(await cursor.takeUntil(40))).toEqual([20, 20, 30]);
    expect(times(await cursor.takeUntil(40))).toEqual([]);
    expect(times(await cursor.takeUntil(1000))).toEqual([45, 60]);
    expect(times(await cursor.takeUntil(2000))).toEqual([]);
    await cursor.close();
  });

  it('closes the reader it was given', async () => {
    let closed = false;
    async function* events(): AsyncGenerator<FlightEvent> {
      try {
        yield event(1);
        yield event(2);
      } finally {
        closed = true;
      }
    }
    const cursor = createFlightEventCursor(events());
    await cursor.takeUntil(2);
    await cursor.close();
    await cursor.close();
    expect(closed).toBe(true);
  });
});
