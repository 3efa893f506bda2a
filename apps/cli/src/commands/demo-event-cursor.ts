import { readFlights, toFlightEvents, type Flight, type FlightEvent } from '@tributary/flights';

/** Every `every`-th flight, in input order, starting with the first. */
export async function* everyNthFlight(flights: AsyncIterable<Flight>, every: number): AsyncGenerator<Flight> {
  let index = 0;
  for await (const flight of flights) if (index++ % every === 0) yield flight;
}

/**
 * One event-time ordered stream, taken a slice at a time. The demo replays a
 * whole run from one stream: a flight's arrival comes after departures of
 * later flights, so cutting the run into separate slices of flights would
 * send those departures after the arrival, too late for the feature
 * pipeline's watermark.
 */
export interface FlightEventCursor {
  /** The events before `untilMs` not taken yet, in event-time order. */
  takeUntil(untilMs: number): Promise<FlightEvent[]>;
  /** Closes the underlying reader; idempotent. */
  close(): Promise<void>;
}

/** A cursor over `events`, which must be in event-time order. */
export function createFlightEventCursor(events: AsyncIterable<FlightEvent>): FlightEventCursor {
  const iterator = events[Symbol.asyncIterator]();
  /** The first event at or after the last cut, read but not yet taken. */
  let ahead: FlightEvent | undefined;
  let ended = false;
  return {
    async takeUntil(untilMs) {
      const taken: FlightEvent[] = [];
      if (ahead) {
        if (ahead.eventTimeMs >= untilMs) return taken;
        taken.push(ahead);
        ahead = undefined;
      }
      while (!ended) {
        const next = await iterator.next();
        if (next.done === true) {
          ended = true;
          break;
        }
        if (next.value.eventTimeMs >= untilMs) {
          ahead = next.value;
          break;
        }
        taken.push(next.value);
      }
      return taken;
    },
    async close() {
      if (ended) return;
      ended = true;
      await iterator.return?.(undefined);
    },
  };
}

/** Options of {@link openDemoEvents}. */
export interface OpenDemoEventsOptions {
  /** First departure of the slice (naive local time as if UTC, ms). */
  readonly fromMs: number;
  /** End of the slice's departures, exclusive. */
  readonly toMs: number;
  /** Keep every `every`-th flight of the file. */
  readonly every: number;
}

/** The events of every `every`-th flight departing in [fromMs, toMs), as a cursor. */
export function openDemoEvents(options: OpenDemoEventsOptions): FlightEventCursor {
  return createFlightEventCursor(toFlightEvents(everyNthFlight(readFlights({ fromMs: options.fromMs, toMs: options.toMs }), options.every)));
}
