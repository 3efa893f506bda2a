import { describe, expect, it } from 'vitest';
import { InvalidFlightsReadOptionsError, readFlightEvents, replayFlightEvents, type FlightEvent, type ReplayProgress } from './index.js';

describe('replayFlightEvents()', () => {
  it('sends the slice in event-time order, in batches, one at a time', async () => {
    const sent: FlightEvent[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const progress: ReplayProgress[] = [];
    const final = await replayFlightEvents({
      maxFlights: 250,
      batchSize: 100,
      send: async (events) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        sent.push([...events]);
        inFlight--;
      },
      onProgress: (p) => progress.push(p),
    });
    const expected: FlightEvent[] = [];
    for await (const event of readFlightEvents({ maxFlights: 250 })) expected.push(event);
    expect(sent.map((batch) => batch.length)).toEqual([100, 100, 100, 100, 100]);
    expect(sent.flat()).toEqual(expected);
    expect(maxInFlight).toBe(1);
    expect(progress.map((p) => p.events)).toEqual([100, 200, 300, 400, 500]);
    expect(final).toMatchObject({ events: 500, eventTimeMs: expected[499]?.eventTimeMs });
  });

  it('holds a chosen rate', async () => {
    const final = await replayFlightEvents({ maxFlights: 100, batchSize: 50, eventsPerSecond: 400, send: () => Promise.resolve() });
    // 200 events at 400/s: the last batch may start at 150/400 s = 375 ms.
    expect(final.events).toBe(200);
    expect(final.elapsedMs).toBeGreaterThanOrEqual(370);
  });

  it('stops after the batch in flight when aborted', async () => {
    const controller = new AbortController();
    const final = await replayFlightEvents({
      maxFlights: 1000,
      batchSize: 100,
      signal: controller.signal,
      send: () => Promise.resolve(),
      onProgress: (p) => {
        if (p.events >= 300) controller.abort();
      },
    });
    expect(final.events).toBeGreaterThanOrEqual(300);
    expect(final.events).toBeLessThan(2000);
  });

  it('fails with the error of a failed send', async () => {
    const failing = replayFlightEvents({ maxFlights: 300, batchSize: 100, send: () => Promise.reject(new Error('broker down')) });
    await expect(failing).rejects.toThrow('broker down');
  });

  it('skips the first events of the slice to resume a replay where it stopped', async () => {
    const all: FlightEvent[] = [];
    for await (const event of readFlightEvents({ maxFlights: 100 })) all.push(event);
    const sent: FlightEvent[] = [];
    const final = await replayFlightEvents({ maxFlights: 100, batchSize: 30, skipEvents: 75, send: async (events) => void sent.push(...events) });
    expect(sent).toEqual(all.slice(75));
    expect(final.events).toBe(125);
    await expect(replayFlightEvents({ skipEvents: -1, send: () => Promise.resolve() })).rejects.toBeInstanceOf(InvalidFlightsReadOptionsError);
  });

  it('refuses a rate that is not positive', async () => {
    await expect(replayFlightEvents({ eventsPerSecond: 0, send: () => Promise.resolve() })).rejects.toBeInstanceOf(InvalidFlightsReadOptionsError);
  });
});
